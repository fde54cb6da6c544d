from django.urls import path

from . import views

app_name = "members"

urlpatterns = [
    path("<slug:slug>/", views.cooperative_home, name="cooperative"),
]
