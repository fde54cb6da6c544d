"""The token-authenticated JSON API through which lab systems deliver inspection results."""

from django.urls import URLPattern, URLResolver

urlpatterns: list[URLPattern | URLResolver] = []
