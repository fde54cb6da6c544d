"""The open data API (read-only, no login): periods, assessments, members, pledges, statistics."""

from django.urls import URLPattern, URLResolver

urlpatterns: list[URLPattern | URLResolver] = []
