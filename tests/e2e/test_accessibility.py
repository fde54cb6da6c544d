"""axe-core finds no WCAG 2.2 AA violation on any page, in either language, on a phone or a desktop."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from members.models import Cooperative
from tests.e2e.conftest import AXE, AXE_TAGS
from tests.e2e.site_pages import (
    NOT_PAGES,
    PERSONAS,
    Page,
    admin_pages,
    demo_pages,
    session_cookie,
    url_names,
)


@pytest.fixture
def demo(db):
    call_command("demo", stdout=io.StringIO())


def test_every_page_of_the_urlconf_is_checked_or_excluded_for_a_reason(demo):
    pages = demo_pages()
    visited = {page.name for page in pages}
    assert sorted(url_names() - visited - set(NOT_PAGES)) == []
    failures = []
    for page in [*pages, *admin_pages()]:
        client = Client()
        client.cookies["sessionid"] = session_cookie(page.persona, page.session)
        response = client.get(page.path)
        if response.status_code != 200:
            failures.append((page.persona, page.path, response.status_code))
    assert failures == [], failures


LANGUAGES = ["zh-hans", "en"]
VIEWPORTS = {"phone": {"width": 360, "height": 740}, "desktop": {"width": 1280, "height": 900}}


def _violations(tab) -> list[dict]:
    """axe-core's violations on the page (axe is added to every page of the context)."""
    return tab.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags},"
        " resultTypes: ['violations']})"
        ".then(r => r.violations.map(v => ({id: v.id, help: v.help,"
        " nodes: v.nodes.map(n => n.target.join(' ')).slice(0, 5)})))",
        AXE_TAGS,
    )


def _overflow(tab) -> int:
    """How many pixels the page is wider than the window (it scrolls sideways when > 0)."""
    return tab.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )


# Cells of the page's tables (not the admin's) narrower than a short word: on a phone a row is a
# card, so a name never stands one character a line.
SQUEEZED_CELLS = """() => [...document.querySelectorAll('main table td, main table tbody th')]
  .filter(cell => !cell.closest('#changelist, .module, .inline-group'))
  .filter(cell => cell.textContent.trim().length > 2 && cell.getClientRects().length > 0)
  .filter(cell => cell.getBoundingClientRect().width < 120)
  .map(cell => cell.textContent.trim().slice(0, 40))"""


# Every chart in a page: an image with a name, and the same figures as text nearby (a table
# in its figure or section, or a description it points to).
CHARTS_WITHOUT_TEXT = """() => [...document.querySelectorAll('main svg')]
  .filter(svg => svg.getAttribute('aria-hidden') !== 'true' && !svg.closest('button, a'))
  .filter(svg => {
    const named = svg.getAttribute('role') === 'img'
      && ((svg.querySelector(':scope > title')?.textContent.trim() ?? '') !== ''
          || svg.hasAttribute('aria-label') || svg.hasAttribute('aria-labelledby'));
    let block = svg.parentElement, table = false;
    for (; block !== null && block.tagName !== 'MAIN'; block = block.parentElement) {
      if (block.matches('figure, section') && block.querySelector('table') !== null) table = true;
    }
    const text = table
      || svg.hasAttribute('aria-describedby') || svg.querySelector(':scope > desc') !== null;
    return !(named && text);
  })
  .map(svg => svg.outerHTML.slice(0, 120))"""

# Keyboard order follows the page: nothing jumps the queue with a positive tabindex.
POSITIVE_TABINDEX = """() => [...document.querySelectorAll('[tabindex]')]
  .filter(element => element.tabIndex > 0).map(element => element.outerHTML.slice(0, 120))"""


# The first element the keyboard reaches (pages that focus a field on load, like the log-in,
# still have the skip link first in the order).
FIRST_STOP = """() => document.querySelector(
  'a[href], button, input:not([type=hidden]), select, textarea, [tabindex]:not([tabindex="-1"])'
)?.getAttribute('href')"""


def _keyboard_and_chart_problems(tab) -> list[object]:
    problems: list[object] = []
    if charts := tab.evaluate(CHARTS_WITHOUT_TEXT):
        problems.append({"charts without a name or a text alternative": charts})
    if jumps := tab.evaluate(POSITIVE_TABINDEX):
        problems.append({"positive tabindex": jumps})
    # Django's admin has its own skip link, to #content-start.
    if tab.evaluate(FIRST_STOP) not in {"#main", "#content-start"}:
        problems.append({"first Tab stop is not the skip link": tab.evaluate(FIRST_STOP)})
    return problems


def _show_errors(tab, selector: str, where: str) -> None:
    """Send the form without the browser's own checks, so that the server's errors show."""
    assert tab.locator(selector).count() > 0, f"{where}: no {selector}"
    form = tab.locator(selector).first
    form.evaluate("form => { form.noValidate = true; }")
    with tab.expect_navigation():
        # The button that sends the form (not one that only searches inside it).
        form.locator("[type=submit]:not([formnovalidate])").first.click()
    assert tab.locator(".error-summary").count() >= 1, f"{where}: no errors shown"


def _check(browser, live_server, pages: list[Page]) -> tuple[dict[str, list], int]:
    """Visit the pages in both languages at both widths, one browser context per person."""
    found: dict[str, list] = {}
    checked = 0
    for language in LANGUAGES:
        for width, viewport in VIEWPORTS.items():
            for persona in PERSONAS:
                context = browser.new_context(
                    locale="zh-CN", viewport=viewport, is_mobile=width == "phone"
                )
                # Through the DevTools protocol, so the pages' content security policy stays.
                context.add_init_script(path=AXE)
                tab = context.new_page()
                cookies = {"django_language": language, "sessionid": session_cookie(persona)}
                for page in (page for page in pages if page.persona == persona):
                    session = session_cookie(persona, page.session) if page.session else ""
                    context.add_cookies(
                        [
                            {"name": name, "value": value, "url": live_server.url}
                            for name, value in {
                                **cookies,
                                "sessionid": session or cookies["sessionid"],
                            }.items()
                        ]
                    )
                    response = tab.goto(live_server.url + page.path)
                    where = f"{page.path} ({persona}, {language}, {width})"
                    assert response is not None, where
                    assert response.status == 200, where
                    assert tab.locator("html").get_attribute("lang") == language, where
                    checked += 1
                    if violations := _violations(tab):
                        found[where] = violations
                    if width == "phone" and (overflow := _overflow(tab)) > 0:
                        found[f"{where} scrolls sideways"] = [{"overflow": overflow}]
                    if width == "phone" and (squeezed := tab.evaluate(SQUEEZED_CELLS)):
                        found[f"{where} squeezes table cells"] = squeezed[:5]
                    if width == "desktop" and (problems := _keyboard_and_chart_problems(tab)):
                        found[f"{where} keyboard or charts"] = problems
                    if page.invalid_form:
                        _show_errors(tab, page.invalid_form, where)
                        checked += 1
                        if violations := _violations(tab):
                            found[f"{where} with errors"] = violations
                context.close()
    return found, checked


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_no_page_has_an_accessibility_violation_in_either_language_on_a_phone_or_a_desktop(
    browser, live_server, demo
):
    found, checked = _check(browser, live_server, demo_pages())
    assert found == {}, "\n".join(f"{where}: {v}" for where, v in found.items())
    assert checked > 300


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_no_admin_page_has_an_accessibility_violation(browser, live_server, demo):
    found, checked = _check(browser, live_server, admin_pages())
    assert found == {}, "\n".join(f"{where}: {v}" for where, v in found.items())
    assert checked > 100


def _focus_of(page) -> dict:
    return page.evaluate(
        """() => { const e = document.activeElement, s = getComputedStyle(e);
        return {tag: e.tagName, text: (e.textContent || e.name || '').trim().slice(0, 30),
         ring: s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) >= 2
           || s.boxShadow !== 'none'}; }"""
    )


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_every_keyboard_stop_shows_where_the_focus_is(page, demo):
    slug = Cooperative.objects.get().slug
    for path in ("/", reverse("complaints:file", args=[slug])):
        page.goto(page.base_url + path)
        page.locator("a.skip-link").focus()
        stops = [_focus_of(page)]
        for _ in range(25):
            page.keyboard.press("Tab")
            stop = _focus_of(page)
            if stop["tag"] == "BODY":  # past the last stop of a short page
                break
            stops.append(stop)
        assert [stop for stop in stops if not stop["ring"]] == [], path
        assert stops[0]["text"] == "跳到主要内容"
        # From the header the keyboard moves on into the page's own content.
        assert len({stop["text"] for stop in stops}) > 5, path
