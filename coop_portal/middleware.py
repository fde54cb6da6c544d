"""Requests no page can answer, turned away before any view reads them."""

from __future__ import annotations

from collections.abc import Callable

from django.http import Http404, HttpRequest, HttpResponse


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
