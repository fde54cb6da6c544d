from . import urls_assessments, urls_pledges, urls_public_assessments

app_name = "pledges"

urlpatterns = [
    *urls_pledges.urlpatterns,
    *urls_assessments.urlpatterns,
    *urls_public_assessments.urlpatterns,
]
