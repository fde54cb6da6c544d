"""Requests no page can answer, turned away before any view reads them."""

from __future__ import annotations

from collections.abc import Callable

from django.http import Http404, HttpRequest, HttpResponse
from django.utils.cache import add_never_cache_headers

from coop_portal import metrics, views


class NulInPathMiddleware:
    """A path with a NUL character (``%00``) names nothing: 404.

    Path parameters (``<str:credit_code>``, ``<str:reference>`` …) go to the database as they
    are, and PostgreSQL refuses NUL in text even to compare it, which would be a server error.
    Nothing the portal stores contains NUL (forms and imports refuse it), so no page is lost.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if "\x00" in request.path_info:
            raise Http404
        return self.get_response(request)


class ProbeMiddleware:
    """Answers ``/livez``, ``/readyz`` and ``/metrics`` before any other middleware looks at
    the request.

    Container probes, load balancers and Prometheus call them over plain HTTP with whatever Host
    header they have (an address, a container name), so they must not meet ALLOWED_HOSTS (400)
    or the redirect to HTTPS (301). Hence the first middleware, not a URL: nothing else runs
    for them. /metrics checks who asks itself.
    """

    PROBES: dict[str, Callable[[HttpRequest], HttpResponse]] = {
        "/livez": views.livez,
        "/readyz": views.readyz,
        "/metrics": metrics.metrics,
    }

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        probe = self.PROBES.get(request.path_info)
        if probe is None:
            return self.get_response(request)
        response = probe(request)
        add_never_cache_headers(response)
        return response
