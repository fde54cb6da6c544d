"""Per-address limits on the public forms, counted in the cache (django-ratelimit).

With the cache (Redis) down, a limit either lets requests through — the complaint form and the
membership application: better an extra complaint than one lost — or, for the limits that
protect secrets and mailboxes (tracking-code attempts, password-reset mail), is counted in the
database instead (``must_limit``), so that no limit stops limiting.
"""

from __future__ import annotations

import datetime
import hashlib
import logging

from django.db import IntegrityError, transaction
from django.db.models import F
from django.http import HttpRequest
from django.utils import timezone
from django_ratelimit.core import _get_ip, _split_rate, get_usage

from .models import RateLimitCount

logger = logging.getLogger(__name__)


def seconds_to_wait(
    request: HttpRequest, group: str, rate: str, *, must_limit: bool = False
) -> int | None:
    """Count this POST of the address; when it went over the rate, the seconds until it may
    post again, else None."""
    try:
        usage = get_usage(request, group=group, key="ip", rate=rate, method="POST", increment=True)
    except Exception:
        if must_limit:
            logger.warning("Rate limit cache unreachable; %s counted in the database.", group)
            return _count_in_database(request, group, rate)
        logger.warning("Rate limit cache unreachable; %s allowed.", group, exc_info=True)
        return None
    if usage is None or not usage["should_limit"]:
        return None
    return max(int(usage["time_left"]), 1)


def seconds_until_allowed(request: HttpRequest, group: str, rate: str) -> int | None:
    """When this address has used up the rate, the seconds until it may post again; counts
    nothing. For forms that count only what they accept (``count_accepted``), so that typing
    errors never use up a consumer's limit."""
    try:
        usage = get_usage(request, group=group, key="ip", rate=rate, method="POST")
    except Exception:
        logger.warning("Rate limit cache unreachable; %s allowed.", group, exc_info=True)
        return None
    # A count the cache could not give comes back as a limit of 0: let the request through.
    if usage is None or usage["limit"] == 0 or usage["count"] < usage["limit"]:
        return None
    return max(int(usage["time_left"]), 1)


def count_accepted(request: HttpRequest, group: str, rate: str) -> None:
    """Count one accepted post of this address against the rate."""
    try:
        get_usage(request, group=group, key="ip", rate=rate, method="POST", increment=True)
    except Exception:
        logger.warning("Rate limit cache unreachable; %s not counted.", group, exc_info=True)


def _count_in_database(request: HttpRequest, group: str, rate: str) -> int | None:
    if request.method != "POST":
        return None
    limit, period = _split_rate(rate)
    now = timezone.now()
    window = int(now.timestamp()) // period
    ends = datetime.datetime.fromtimestamp((window + 1) * period, tz=datetime.UTC)
    key = hashlib.sha256(f"{group}\n{_get_ip(request)}\n{period}\n{window}".encode()).hexdigest()
    counted = RateLimitCount.objects.filter(key=key)
    if not counted.update(count=F("count") + 1):
        try:
            with transaction.atomic():
                RateLimitCount.objects.create(key=key, window_ends_at=ends, count=1)
        except IntegrityError:
            # Another request of the same window created it first.
            counted.update(count=F("count") + 1)
        # A new window: the ended ones are of no use any more.
        RateLimitCount.objects.filter(window_ends_at__lt=now).delete()
    count = counted.values_list("count", flat=True).first() or 0
    if count <= limit:
        return None
    return max(int((ends - now).total_seconds()), 1)
