"""Only the open data API, so that its schema is checked on its own (tests/…/test_schema.py)."""

from django.urls import include, path

from coop_portal.api import open_data

urlpatterns = [path("api/v1/", include(open_data))]
