"""/api/v1/: the open data API of every app and the lab API, with their OpenAPI 3 schema and
documentation."""

from csp.decorators import csp_update
from django.http import HttpRequest, JsonResponse
from django.urls import URLPattern, path, reverse
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView

from complaints import api as complaints_api
from inspections import api as inspections_api
from inspections import lab_api
from members import api as members_api
from pledges import api as pledges_api

# The open data lists, read-only and without login (DATA_FORMATS.md).
open_data = [
    *pledges_api.urlpatterns,
    *members_api.urlpatterns,
    *inspections_api.urlpatterns,
    *complaints_api.urlpatterns,
]


def index(request: HttpRequest) -> JsonResponse:
    """What /api/v1/ offers: each open data list, the lab API, the schema and its documentation,
    as absolute addresses a program can follow."""
    endpoints = {
        str(route.pattern).rstrip("/"): route.name
        for route in open_data
        if isinstance(route, URLPattern)
    }
    return JsonResponse(
        {
            "open_data": {
                name: request.build_absolute_uri(reverse(route))
                for name, route in endpoints.items()
            },
            "lab_inspections": request.build_absolute_uri(reverse("lab-inspections")),
            "schema": request.build_absolute_uri(reverse("api-schema")),
            "documentation": request.build_absolute_uri(reverse("api-docs")),
            "licence": "CC BY 4.0",
        },
        json_dumps_params={"ensure_ascii": False},
    )


urlpatterns = [
    path("", index, name="api-index"),
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # Redoc styles itself at run time and renders in a web worker: this page alone allows both.
    # Its template (templates/api/redoc.html) asks no other host for fonts.
    path(
        "docs/",
        csp_update({"style-src": ["'unsafe-inline'"], "worker-src": ["blob:"]})(
            SpectacularRedocView.as_view(url_name="api-schema", template_name="api/redoc.html")
        ),
        name="api-docs",
    ),
    *open_data,
    *lab_api.urlpatterns,
]
