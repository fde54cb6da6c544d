"""/api/v1/: the open data API and the lab API, with their OpenAPI 3 schema and documentation."""

from csp.decorators import csp_update
from django.urls import path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView

from inspections import api as inspections_api
from pledges import api as pledges_api

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # Redoc styles itself at run time and renders in a web worker: this page alone allows both.
    path(
        "docs/",
        csp_update({"style-src": ["'unsafe-inline'"], "worker-src": ["blob:"]})(
            SpectacularRedocView.as_view(url_name="api-schema")
        ),
        name="api-docs",
    ),
    *pledges_api.urlpatterns,
    *inspections_api.urlpatterns,
]
