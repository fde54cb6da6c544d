"""Per-address limits on the public forms and the APIs, and per-account ones (password-reset
links), counted in the cache (django-ratelimit, DRF's throttle).

With the cache (Redis) down, a limit either lets requests through — the complaint form and the
membership application: better an extra complaint than one lost; the open data API and the
lab API (``throttle_allows``): their readers and the labs delivering results keep being served —
or, for the limits that protect secrets and mailboxes (tracking-code attempts, password-reset
mail), is counted in the database instead (``must_limit``), so that no limit stops limiting.

An outage is logged once (``_cache_failed``), as the public pages' cache logs it, not once per
request it lets through.
"""

from __future__ import annotations

import datetime
import hashlib
import logging
import time
from collections.abc import Callable

from django.db import IntegrityError, transaction
from django.db.models import F
from django.http import HttpRequest
from django.utils import timezone
from django_ratelimit.core import _get_ip, _split_rate, get_usage

from .models import RateLimitCount

logger = logging.getLogger(__name__)

# Failures closer together than this are one outage, logged once.
_OUTAGE_SECONDS = 10.0
# While an outage lasts, its failures are not logged again until this time (time.monotonic()).
_quiet_until = 0.0


def _cache_failed(message: str, group: str) -> None:
    """Log a failure of the cache, with its traceback, when it starts an outage; a failure
    within _OUTAGE_SECONDS of the last one belongs to the same outage and is not logged."""
    global _quiet_until
    now = time.monotonic()
    if now >= _quiet_until:
        logger.warning(message, group, exc_info=True)
    _quiet_until = now + _OUTAGE_SECONDS


def seconds_to_wait(
    request: HttpRequest,
    group: str,
    rate: str,
    *,
    must_limit: bool = False,
    per: str | None = None,
) -> int | None:
    """Count this POST of the address — or, given ``per``, of that value (an account's e-mail
    address) whatever address it comes from; when it went over the rate, the seconds until it
    may post again, else None."""
    key: str | Callable[[str, HttpRequest], str] = "ip" if per is None else (lambda *_: per)
    try:
        usage = get_usage(request, group=group, key=key, rate=rate, method="POST", increment=True)
    except Exception:
        if must_limit:
            _cache_failed("Rate limit cache unreachable; %s counted in the database.", group)
            return _count_in_database(request, group, rate, per or _get_ip(request))
        _cache_failed("Rate limit cache unreachable; %s allowed.", group)
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
        _cache_failed("Rate limit cache unreachable; %s allowed.", group)
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
        _cache_failed("Rate limit cache unreachable; %s not counted.", group)


def throttle_allows(allow_request: Callable[[], bool], group: str) -> bool:
    """A DRF throttle's answer (``allow_request``), or True when the cache it counts in is
    unreachable: the APIs fail open, as the complaint form does — a lab's results and the open
    data matter more than the count, and what the throttle guards is load, not a secret."""
    try:
        return allow_request()
    except Exception:
        _cache_failed("Rate limit cache unreachable; %s allowed.", group)
        return True


def _count_in_database(request: HttpRequest, group: str, rate: str, counted_for: str) -> int | None:
    if request.method != "POST":
        return None
    limit, period = _split_rate(rate)
    now = timezone.now()
    window = int(now.timestamp()) // period
    ends = datetime.datetime.fromtimestamp((window + 1) * period, tz=datetime.UTC)
    key = hashlib.sha256(f"{group}\n{counted_for}\n{period}\n{window}".encode()).hexdigest()
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
