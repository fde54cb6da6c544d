from django.urls import path

from . import views

app_name = "members"

urlpatterns = [
    path("<slug:slug>/", views.cooperative_home, name="cooperative"),
    path("<slug:slug>/directory/", views.directory, name="directory"),
    path("<slug:slug>/directory/<str:credit_code>/", views.member_page, name="member"),
]
