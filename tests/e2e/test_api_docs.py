import pytest

from tests.e2e.conftest import screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_api_documentation_renders_from_local_assets(page):
    requests: list[tuple[str, str]] = []
    page.on("request", lambda request: requests.append((request.resource_type, request.url)))
    page.goto(page.base_url + "/api/v1/docs/")
    page.get_by_text("/api/v1/assessments/").first.wait_for(timeout=30_000)
    # No script, schema or data comes from another host (the page asks for no web fonts either:
    # templates/api/redoc.html; tests/pledges/public/test_schema.py checks its HTML).
    foreign = [
        (kind, url)
        for kind, url in requests
        if not url.startswith((page.base_url, "data:", "blob:"))
        and kind in {"script", "xhr", "fetch", "document"}
    ]
    assert foreign == []
    screenshot(page, "api-docs")
