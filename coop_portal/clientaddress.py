"""The address of the person behind a request — one answer for every limit that counts per
address: the public forms' rate limits (django-ratelimit), log-in lockouts (django-axes) and the
open data API's throttle.

Behind the reverse proxy every request comes from the proxy, so the client's address has to
come from ``X-Forwarded-For``; but anyone can send that header, so it is believed only as far
as the proxies that wrote it are trusted. settings.TRUSTED_PROXY_COUNT says how many there are
in front of the portal (docker-compose.yml: 1, nginx). Each trusted proxy appends the address
it received the request from, or, like ours, replaces the header with it; either way the
client's address is the one the outermost trusted proxy wrote, TRUSTED_PROXY_COUNT places from
the end. Whatever a client wrote further left is ignored.
"""

from __future__ import annotations

import ipaddress
from typing import TYPE_CHECKING

from django.conf import settings
from django.http import HttpRequest
from rest_framework.request import Request
from rest_framework.throttling import AnonRateThrottle

from .ratelimits import throttle_allows

if TYPE_CHECKING:
    # Not at run time: rest_framework.views reads the API settings, which name this module.
    from rest_framework.views import APIView


def client_address(request: HttpRequest) -> str:
    remote = request.META.get("REMOTE_ADDR", "")
    trusted = settings.TRUSTED_PROXY_COUNT
    if trusted <= 0:
        return remote
    forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    if len(forwarded) < trusted or not forwarded[-trusted]:
        # Not through the proxies it should have come through (a probe from inside).
        return remote
    candidate = forwarded[-trusted]
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        return remote


class ClientRateThrottle(AnonRateThrottle):
    """The open data API's throttle, per client address as above (DRF's own reading of
    X-Forwarded-For believes the whole header unless NUM_PROXIES is set). Also the lab API's,
    as the default throttle. With the cache down it lets every request through
    (``ratelimits.throttle_allows``)."""

    def allow_request(self, request: Request, view: APIView) -> bool:
        return throttle_allows(
            lambda: super(ClientRateThrottle, self).allow_request(request, view), "api"
        )

    def get_ident(self, request: Request) -> str:
        return client_address(request._request)
