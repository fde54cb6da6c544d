"""A changelist is usable on a 360 px phone: the project's admin sheet wraps the search bar
(box and button on one line, the result count on the next) and lays the filters' choices side
by side, with rules that outweigh Django's own (the browser test looks at the page itself:
tests/e2e/test_accessibility.py, which fails on a page wider than the phone)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import tinycss2
from django.conf import settings
from django.contrib import admin
from django.urls import reverse

from tests.complaints.factories import ComplaintFactory

SHEET = settings.BASE_DIR / "static" / "css" / "admin.css"
DJANGO_CSS = Path(admin.__file__).parent / "static" / "admin" / "css"
PHONE = "(max-width: 767px)"


def rules(path: Path, media: str | None = None) -> dict[str, dict[str, str]]:
    """Selector → declarations of a sheet's rules, outside any media query or inside ``media``."""
    found: dict[str, dict[str, str]] = {}
    sheet = tinycss2.parse_stylesheet(path.read_text(), skip_comments=True, skip_whitespace=True)
    for node in sheet:
        if node.type == "at-rule" and node.lower_at_keyword == "media" and node.content:
            if media is not None and tinycss2.serialize(node.prelude).strip() == media:
                inner = tinycss2.parse_rule_list(node.content, True, True)
                for rule in inner:
                    _add(found, rule)
        elif node.type == "qualified-rule" and media is None:
            _add(found, node)
    return found


def _add(found: dict[str, dict[str, str]], rule: object) -> None:
    if getattr(rule, "type", None) != "qualified-rule":
        return
    declarations = tinycss2.parse_declaration_list(rule.content, True, True)
    values = {
        declaration.lower_name: tinycss2.serialize(declaration.value).strip()
        + (" !important" if declaration.important else "")
        for declaration in declarations
        if declaration.type == "declaration"
    }
    for selector in tinycss2.serialize(rule.prelude).split(","):
        found.setdefault(" ".join(selector.split()), {}).update(values)


def specificity(selector: str) -> tuple[int, int, int]:
    ids = len(re.findall(r"#[\w-]+", selector))
    classes = len(re.findall(r"\.[\w-]+|\[[^\]]+\]|:(?!:)[\w-]+", selector))
    elements = len(re.findall(r"(?:^|[\s>+~])([a-z][\w-]*)", selector))
    return ids, classes, elements


# Our rule, Django's rule for the same element on a phone (responsive.css, which comes after
# the project's sheet in the page), and the property both set.
OUTWEIGHS = [
    ("#changelist #changelist-search > div", "#changelist-search > div", "flex-wrap"),
    ("#changelist #toolbar form #searchbar", "#toolbar form #searchbar", "width"),
    ("#changelist #changelist-search .quiet", "#changelist-search .quiet", "margin"),
]


def test_on_a_phone_the_search_bar_wraps_and_the_count_takes_its_own_line():
    phone = rules(SHEET, PHONE)
    assert phone["#changelist #changelist-search > div"]["flex-wrap"] == "wrap"
    assert phone["#changelist #toolbar form #searchbar"]["flex"].startswith("1 1")
    assert phone["#changelist #changelist-search .quiet"]["flex"] == "1 0 100%"


def test_on_a_phone_the_filters_choices_stand_side_by_side_and_stay_finger_sized():
    phone = rules(SHEET, PHONE)
    assert phone["#changelist #changelist-filter ul"]["flex-wrap"] == "wrap"
    # The 24 px targets (WCAG 2.2, 2.5.8) hold at every width.
    assert rules(SHEET)["#changelist-filter li a"]["min-height"] == "24px"


@pytest.mark.parametrize(("ours", "djangos", "prop"), OUTWEIGHS)
def test_the_phone_rules_outweigh_djangos_which_the_page_loads_later(ours, djangos, prop):
    django_tablet = rules(DJANGO_CSS / "responsive.css", "(max-width: 1024px)")
    assert prop in django_tablet[djangos]
    assert prop in rules(SHEET, PHONE)[ours]
    assert specificity(ours) > specificity(djangos)


def test_the_member_filters_search_fills_the_filter_column():
    member_filter = rules(SHEET)
    picker = member_filter["#changelist #changelist-filter .member-filter .select2-container"]
    # select2 writes the width it measured on the element: only !important overrides it.
    assert picker["width"] == "100% !important"


@pytest.mark.django_db
def test_the_changelist_has_the_structure_the_phone_rules_address(
    personas, coop, member_a, member_b
):
    ComplaintFactory(cooperative=coop, member=member_a)
    ComplaintFactory(cooperative=coop, member=member_b)
    url = reverse("admin:complaints_complaint_changelist") + "?q=" + member_a.name
    page = personas.administrator.get(url).content.decode()
    # The sheet comes before Django's responsive sheet: hence the heavier selectors.
    assert page.index("/static/css/admin.css") < page.index("admin/css/responsive.css")
    # The search box, its button and the result count are the items of one flex line.
    assert re.search(
        r'id="changelist">.*?<div id="toolbar"><form id="changelist-search"[^>]*>\s*<div>'
        r'(?:(?!</div>).)*id="searchbar"(?:(?!</div>).)*<span class="small quiet">',
        page,
        re.DOTALL,
    )
    assert '<nav id="changelist-filter"' in page
