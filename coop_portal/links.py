"""Addresses that leave the site: e-mails, PDFs and open data carry absolute links.

``settings.SITE_URL`` may be written with or without a trailing slash; every absolute link is
built here, so that none of them doubles the slash.
"""

from __future__ import annotations

from django.conf import settings


def absolute_url(path: str = "") -> str:
    """The portal's address followed by ``path`` (a path from ``reverse``, starting with /)."""
    return settings.SITE_URL.rstrip("/") + path
