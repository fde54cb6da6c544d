"""URLs of the member portal and of pledges (public pages, PDFs, badges)."""

from django.urls import URLPattern, URLResolver

urlpatterns: list[URLPattern | URLResolver] = []
