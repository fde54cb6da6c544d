"""Log-in lockout (django-axes): per account and address, and per account across addresses.

Axes counts failed log-ins per account and address (``AXES_LOCKOUT_PARAMETERS``) against
``AXES_FAILURE_LIMIT`` (5). Someone guessing one account's password from many addresses never
reaches that from any one of them, so the account's failures from all addresses together also
count, against ``AXES_ACCOUNT_FAILURE_LIMIT`` (20): higher, so that a stranger cannot lock a
person out with five wrong passwords, but a limit all the same.
"""

from __future__ import annotations

from typing import Any

from axes.attempts import get_cool_off_threshold
from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username, get_failure_limit
from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Sum
from django.http import HttpRequest


class AccountLockoutHandler(AxesDatabaseHandler):
    def get_failures(self, request: HttpRequest, credentials: dict[str, Any] | None = None) -> int:
        """Axes' count for this account and address, or the account's failures from every
        address scaled to the same limit, whichever is nearer the lockout."""
        failures = super().get_failures(request, credentials)
        username = get_client_username(request, credentials)
        if not username:
            return failures
        account = (
            AccessAttempt.objects.filter(
                username=username, attempt_time__gte=get_cool_off_threshold(request)
            ).aggregate(total=Sum("failures_since_start"))["total"]
            or 0
        )
        limit = get_failure_limit(request, credentials)
        # At AXES_ACCOUNT_FAILURE_LIMIT failures in all, this reaches the per-address limit.
        return max(failures, account * limit // settings.AXES_ACCOUNT_FAILURE_LIMIT)
