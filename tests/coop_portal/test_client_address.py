"""One client address for every per-address limit, believing X-Forwarded-For only as far as
the trusted proxies wrote it (coop_portal/clientaddress.py)."""

import pytest
from axes.helpers import get_client_ip_address
from django.core.cache import cache
from django.test import RequestFactory
from rest_framework.request import Request

from coop_portal.clientaddress import ClientRateThrottle, client_address
from coop_portal.ratelimits import seconds_to_wait

PROXY = "10.89.0.65"


def request(remote: str = PROXY, forwarded: str | None = None):
    extra = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().post("/", **extra)


def test_without_a_proxy_a_forwarded_header_is_ignored(settings):
    settings.TRUSTED_PROXY_COUNT = 0
    assert client_address(request("198.51.100.7", "203.0.113.99")) == "198.51.100.7"


def test_behind_the_proxy_the_address_it_wrote_is_the_clients(settings):
    settings.TRUSTED_PROXY_COUNT = 1
    # nginx replaces the header with the address it saw.
    assert client_address(request(forwarded="203.0.113.5")) == "203.0.113.5"
    # A proxy that appends: whatever the client wrote further left is ignored.
    assert client_address(request(forwarded="1.2.3.4, 203.0.113.5")) == "203.0.113.5"
    assert client_address(request(forwarded=" 2001:db8::1 ")) == "2001:db8::1"


def test_a_missing_or_malformed_forwarded_header_falls_back_to_the_connection(settings):
    settings.TRUSTED_PROXY_COUNT = 1
    assert client_address(request()) == PROXY
    assert client_address(request(forwarded="not-an-address")) == PROXY
    settings.TRUSTED_PROXY_COUNT = 2
    assert client_address(request(forwarded="203.0.113.5")) == PROXY


def test_log_in_lockouts_count_the_same_address(settings):
    settings.TRUSTED_PROXY_COUNT = 1
    assert get_client_ip_address(request(forwarded="203.0.113.5")) == "203.0.113.5"
    settings.TRUSTED_PROXY_COUNT = 0
    assert get_client_ip_address(request("198.51.100.7", "203.0.113.99")) == "198.51.100.7"


def test_a_spoofed_header_does_not_escape_the_api_throttle(settings, monkeypatch):
    settings.TRUSTED_PROXY_COUNT = 0
    cache.clear()
    monkeypatch.setattr(ClientRateThrottle, "rate", "2/minute", raising=False)
    allowed = [
        ClientRateThrottle().allow_request(Request(request("198.51.100.7", f"203.0.113.{n}")), None)
        for n in range(4)
    ]
    assert allowed == [True, True, False, False]


@pytest.mark.django_db
def test_behind_the_proxy_each_consumer_has_their_own_form_limit(settings):
    settings.TRUSTED_PROXY_COUNT = 1
    cache.clear()
    rate = "2/h"
    first = [seconds_to_wait(request(forwarded="203.0.113.5"), "test-form", rate) for _ in range(3)]
    assert first[:2] == [None, None]
    assert first[2] is not None
    # Another consumer behind the same proxy is not locked out with the first.
    assert seconds_to_wait(request(forwarded="203.0.113.6"), "test-form", rate) is None
