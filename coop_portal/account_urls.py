"""Account pages: password reset, invitations, two-factor set-up (coop_portal/accounts.py)."""

from django.urls import URLPattern, URLResolver

urlpatterns: list[URLPattern | URLResolver] = []
