"""Two-factor log-in required of accounts with administrative rights (Django staff, superusers,
cooperative administrators). The set-up and log-in pages themselves are coop_portal/accounts.py.
"""

from __future__ import annotations

from typing import Any, cast

from django.contrib import messages
from django.contrib.auth import logout, user_logged_in
from django.contrib.auth.views import redirect_to_login
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django_otp import user_has_device

from .models import Role


def must_use_two_factor(user: Any) -> bool:
    """Whether the user has administrative rights, and so may not log in with a password alone:
    Django staff, superusers and the administrators of a cooperative."""
    if not user.is_authenticated:
        return False
    return bool(
        user.is_staff
        or user.is_superuser
        or Role.objects.filter(user=user, kind=Role.Kind.ADMINISTRATOR).exists()
    )


# The session remembers, from the log-in on, whether its user must use two-factor log-in, so
# that pages cost no query for it; a right given later takes effect at the next log-in.
TWO_FACTOR_REQUIRED = "two_factor_required"


@receiver(user_logged_in, dispatch_uid="two-factor-required")
def _remember_requirement(
    sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any
) -> None:
    if request is not None and hasattr(request, "session"):
        request.session[TWO_FACTOR_REQUIRED] = [user.pk, must_use_two_factor(user)]


def _two_factor_required(request: HttpRequest) -> bool:
    user = request.user
    remembered = request.session.get(TWO_FACTOR_REQUIRED)
    if not remembered or remembered[0] != user.pk:
        remembered = [user.pk, must_use_two_factor(user)]
        request.session[TWO_FACTOR_REQUIRED] = remembered
    return bool(remembered[1])


class TwoFactorRequiredMiddleware:
    """Sends a person with administrative rights whose session was not verified with a second
    factor to set one up (no device yet) or to log in again with it (a session opened before
    the device), before any page but those of log-in and set-up. Goes after django-otp's
    middleware, which tells whether the session was verified."""

    OPEN_VIEWS = frozenset(
        {
            "accounts:two_factor_setup",
            "accounts:two_factor_verify",
            "logout",
            "set_language",
            "privacy",
        }
    )

    def __init__(self, get_response: Any) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return cast(HttpResponse, self.get_response(request))

    def process_view(
        self, request: HttpRequest, view: Any, args: Any, kwargs: Any
    ) -> HttpResponse | None:
        user = request.user
        # django-otp's middleware gives the user is_verified().
        if not user.is_authenticated or user.is_verified():  # type: ignore[union-attr,attr-defined]
            return None
        match = request.resolver_match
        if match is not None and match.view_name in self.OPEN_VIEWS:
            return None
        if not _two_factor_required(request):
            return None
        if user_has_device(user, confirmed=True):
            logout(request)
            return redirect_to_login(request.get_full_path())
        messages.info(
            request,
            _("Accounts with administrative rights log in with two factors: set yours up first."),
        )
        return redirect("accounts:two_factor_setup")
