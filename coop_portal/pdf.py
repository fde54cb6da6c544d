"""Official-looking PDFs from HTML templates, with Chinese fonts embedded (WeasyPrint).

What a template may load is limited (``fetch_for_pdf``): data: URIs (the QR codes) and the
project's own static files, nothing else. WeasyPrint's default fetcher would open any file:
path and any http(s) address the HTML names, so a template change that let a user's text
become a URL would read the server's files or reach the internal network (SSRF).
"""

from __future__ import annotations

import io
import mimetypes
from typing import Any
from urllib.parse import unquote

import segno
from django.conf import settings
from django.contrib.staticfiles import finders
from django.core.exceptions import SuspiciousFileOperation
from django.template.loader import render_to_string
from django.utils import translation

# The address the templates' relative URLs are read against. ".invalid" never resolves
# (RFC 2606): it only names the static files below, which are read from disk, never fetched.
PDF_BASE_URL = "https://coop-portal.invalid/"


def qr_svg_data_uri(url: str) -> str:
    """A QR code of the URL as an SVG data URI, for an <img> in a PDF or a page."""
    return segno.make(url, error="m").svg_data_uri(scale=4, border=2)


def render_pdf(template: str, context: dict[str, object], *, language: str | None = None) -> bytes:
    """Render a template to PDF bytes. Fonts come from the system (fonts-noto-cjk)."""
    from weasyprint import HTML

    with translation.override(language or translation.get_language()):
        html = render_to_string(template, context)
    buffer = io.BytesIO()
    HTML(string=html, base_url=PDF_BASE_URL, url_fetcher=fetch_for_pdf).write_pdf(buffer)
    return buffer.getvalue()


class RefusedURL(ValueError):
    """A resource a PDF may not load; WeasyPrint logs it and renders without it."""


def fetch_for_pdf(url: str, *args: Any, **kwargs: Any) -> dict[str, Any]:
    """WeasyPrint's url_fetcher for the portal's PDFs: a data: URI, or a static file of the
    project ({% static %} read against PDF_BASE_URL); anything else is refused."""
    from weasyprint import default_url_fetcher

    if url.startswith("data:"):
        return default_url_fetcher(url)  # type: ignore[no-any-return]
    static_prefix = PDF_BASE_URL + settings.STATIC_URL.lstrip("/")
    if url.startswith(static_prefix):
        return _static_file(unquote(url.removeprefix(static_prefix).split("?")[0]), url)
    raise RefusedURL(f"A PDF may load data: URIs and static files only, not {url[:200]}")


def _static_file(name: str, url: str) -> dict[str, Any]:
    try:
        path = finders.find(name) if name else None
    except SuspiciousFileOperation:  # ../ out of the static folders
        path = None
    if not isinstance(path, str):
        raise RefusedURL(f"No static file {name[:200]}")
    with open(path, "rb") as file:
        content = file.read()
    return {"string": content, "mime_type": mimetypes.guess_type(path)[0], "redirected_url": url}
