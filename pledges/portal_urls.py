"""The member portal (pledges/portal.py): a member user's dashboard and its records."""

from django.urls import URLPattern, URLResolver

app_name = "portal"

urlpatterns: list[URLPattern | URLResolver] = []
