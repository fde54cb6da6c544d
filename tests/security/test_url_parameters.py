"""Path parameters that hold free text (``<str:…>``, ``<path:…>``) take anything a visitor
types, NUL and all: every page answers without a server error, on SQLite and PostgreSQL."""

from __future__ import annotations

import re
from urllib.parse import quote

import pytest

from .requests import address
from .urls import build_world, url_patterns

FREE_TEXT = re.compile(r"<(?:str|path):(\w+)>")
NASTY = ["\x00", "%", "长" * 300, "' OR '1'='1", "..%2F..%2Fetc%2Fpasswd"]


@pytest.mark.django_db
def test_free_text_path_parameters_never_cause_a_server_error():
    world = build_world()
    failures = []
    tried = 0
    for pattern in url_patterns():
        names = FREE_TEXT.findall(pattern.route)
        if not names or "(?P<" in pattern.route or "^" in pattern.route:
            continue
        for name in names:
            for value in NASTY:
                url = address(world, pattern, **{name: quote(value, safe="")})
                for persona in ("anonymous", "administrator"):
                    response = world.clients[persona].get(url)
                    if response.streaming:
                        response.getvalue()
                    tried += 1
                    if response.status_code >= 500:
                        failures.append(
                            f"{pattern.route} with {name}={value[:12]!r} as {persona}: "
                            f"{response.status_code}"
                        )
    assert tried > 100
    assert not failures, "\n".join(failures)
