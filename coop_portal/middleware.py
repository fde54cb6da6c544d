"""Requests no page can answer, turned away before any view reads them."""

from __future__ import annotations

from collections.abc import Callable

from django.http import Http404, HttpRequest, HttpResponse
from django.utils import translation
from django.utils.cache import add_never_cache_headers
from django.utils.translation.trans_real import parse_accept_lang_header

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


# Where the open data API and the lab API answer (coop_portal/api.py).
API_PREFIX = "/api/"
# What the API speaks to a client that names no language it knows: programs read its messages,
# and English is what a reuser anywhere can read, whatever the site's own first language.
API_DEFAULT_LANGUAGE = "en"


def api_language(accept_language: str) -> str:
    """The first language of an ``Accept-Language`` header the portal speaks, else English."""
    for code, _quality in parse_accept_lang_header(accept_language):
        if code == "*":
            break
        try:
            return translation.get_supported_language_variant(code)
        except LookupError:
            continue
    return API_DEFAULT_LANGUAGE


class ApiLanguageMiddleware:
    """The API answers in the language of the request's ``Accept-Language`` header alone.

    LocaleMiddleware would read the visitor's language cookie first and fall back to the site's
    first language, Chinese: a program then gets its errors in whatever language a browser last
    chose, or in Chinese when it says nothing. This goes right after LocaleMiddleware and decides
    again for API paths; LocaleMiddleware's answer still names the language (Content-Language).
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path_info.startswith(API_PREFIX):
            language = api_language(request.headers.get("Accept-Language", ""))
            translation.activate(language)
            request.LANGUAGE_CODE = language
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
