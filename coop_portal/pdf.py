"""Official-looking PDFs from HTML templates, with Chinese fonts embedded (WeasyPrint)."""

from __future__ import annotations

import io

import segno
from django.template.loader import render_to_string
from django.utils import translation


def qr_svg_data_uri(url: str) -> str:
    """A QR code of the URL as an SVG data URI, for an <img> in a PDF or a page."""
    return segno.make(url, error="m").svg_data_uri(scale=4, border=2)


def render_pdf(template: str, context: dict[str, object], *, language: str | None = None) -> bytes:
    """Render a template to PDF bytes. Fonts come from the system (fonts-noto-cjk)."""
    from weasyprint import HTML

    with translation.override(language or translation.get_language()):
        html = render_to_string(template, context)
    buffer = io.BytesIO()
    HTML(string=html).write_pdf(buffer)
    return buffer.getvalue()
