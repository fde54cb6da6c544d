from . import urls_assessments, urls_pledges

app_name = "pledges"

urlpatterns = [*urls_pledges.urlpatterns, *urls_assessments.urlpatterns]
