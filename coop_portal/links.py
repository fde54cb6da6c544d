"""Addresses that leave the site: e-mails, PDFs and open data carry absolute links.

``settings.SITE_URL`` may be written with or without a trailing slash; every absolute link is
built here, so that none of them doubles the slash.
"""

from __future__ import annotations

import re

from django.conf import settings
from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe


def absolute_url(path: str = "") -> str:
    """The portal's address followed by ``path`` (a path from ``reverse``, starting with /)."""
    return settings.SITE_URL.rstrip("/") + path


# An address in a text: the characters a URL is written with (a Chinese sentence goes on right
# after it, without a space), less the punctuation that may end the sentence.
_ADDRESS = re.compile(r"https?://[A-Za-z0-9\-._~:/?#\[\]@!$&()*+,;=%]+")
_TRAILING = ".,;:!?)]。，；：！？）」"


def with_portal_links(text: str) -> SafeString:
    """A plain text (an e-mail's body) as HTML: escaped, its lines kept, and every address of
    the portal in it a link to that page of the portal (by its path, so that it opens on the
    address being read); addresses elsewhere stay plain text."""
    site = absolute_url("/")
    parts: list[str] = []
    last = 0
    for match in _ADDRESS.finditer(text):
        address = match.group(0).rstrip(_TRAILING)
        parts.append(escape(text[last : match.start()]))
        if address.startswith(site):
            path = "/" + address[len(site) :]
            parts.append(format_html('<a href="{}">{}</a>', path, address))
        else:
            parts.append(escape(address))
        last = match.start() + len(address)
    parts.append(escape(text[last:]))
    html = "".join(parts).strip().replace("\r\n", "\n")
    return mark_safe("<br>".join(html.split("\n")))  # noqa: S308 - every part is escaped above
