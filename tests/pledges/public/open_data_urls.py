"""Only the open data API, so that its schema is checked on its own (tests/…/test_schema.py)."""

from django.urls import include, path

from pledges import api

urlpatterns = [path("api/v1/", include(api.urlpatterns))]
