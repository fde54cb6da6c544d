"""URLs of assessments: periods, runs, review, publication, public results and dashboards."""

from django.urls import URLPattern, URLResolver

urlpatterns: list[URLPattern | URLResolver] = []
