"""Every table heading and every box of the admin has a name a screen reader reads, in the
page's language: the column of action tick boxes, a tabular inline's record column and its
deletion column, the app list's hidden headings, and Django's date-and-time boxes."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest
from django.urls import reverse

from complaints.services import accept_complaint
from tests.complaints.factories import ComplaintFactory

pytestmark = pytest.mark.django_db

ZH = {"accept-language": "zh-hans"}
EN = {"accept-language": "en"}
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "wbr"}
UNNAMED_TYPES = {"hidden", "submit", "button", "reset", "image"}


class Names(HTMLParser):
    """The page's table headings without text, and its boxes without a label or a name."""

    def __init__(self) -> None:
        super().__init__()
        self.open: list[tuple[str, list[str]]] = []
        self.labelled: set[str] = set()
        self.boxes: list[tuple[str, str]] = []
        self.empty_headings: list[str] = []

    def handle_starttag(self, tag: str, attributes: list[tuple[str, str | None]]) -> None:
        attrs = dict(attributes)
        if tag == "label" and attrs.get("for"):
            self.labelled.add(attrs["for"] or "")
        named = attrs.get("aria-label") or attrs.get("aria-labelledby") or attrs.get("title")
        inside_label = any(name == "label" for name, _text in self.open)
        box = tag in ("input", "select", "textarea") and attrs.get("type") not in UNNAMED_TYPES
        if box and not (named or inside_label):
            self.boxes.append((attrs.get("id") or "", attrs.get("name") or ""))
        if named or (tag == "img" and attrs.get("alt")):
            for _name, text in self.open:
                text.append(named or attrs.get("alt") or "")
        if tag not in VOID:
            self.open.append((tag, []))

    def handle_endtag(self, tag: str) -> None:
        while self.open:
            name, text = self.open.pop()
            if name == "th" and not "".join(text).strip():
                self.empty_headings.append(repr(self.getpos()))
            if name == tag:
                break

    def handle_data(self, data: str) -> None:
        for _name, text in self.open:
            text.append(data)

    def unnamed_boxes(self) -> list[tuple[str, str]]:
        return [(id_, name) for id_, name in self.boxes if id_ not in self.labelled]


def names(page: str) -> Names:
    parser = Names()
    parser.feed(page)
    return parser


@pytest.fixture
def pages(coop, member_a, administrator) -> list[str]:
    complaint = ComplaintFactory(cooperative=coop, member=member_a)
    accept_complaint(complaint, administrator)
    return [
        reverse("admin:index"),
        reverse("admin:members_member_changelist"),
        reverse("admin:members_member_change", args=[member_a.pk]),
        reverse("admin:complaints_complaint_change", args=[complaint.pk]),
        reverse("admin:pledges_pledge_add"),
    ]


@pytest.mark.parametrize("headers", [ZH, EN], ids=["zh-hans", "en"])
def test_no_admin_table_heading_or_box_is_left_without_a_name(personas, pages, headers):
    for url in pages:
        response = personas.administrator.get(url, headers=headers)
        assert response.status_code == 200, url
        found = names(response.content.decode())
        assert found.empty_headings == [], url
        assert found.unnamed_boxes() == [], url


def test_the_column_of_action_tick_boxes_is_named(personas, member_a):
    url = reverse("admin:members_member_changelist")
    page = personas.administrator.get(url, headers=ZH).content.decode()
    assert '<th scope="col" class="action-checkbox-column">' in page
    assert '<span class="visually-hidden">选择</span>' in page
    english = personas.administrator.get(url, headers=EN).content.decode()
    assert '<span class="visually-hidden">Select</span>' in english


def test_a_tabular_inline_names_its_record_column_and_leaves_out_an_empty_deletion_column(
    personas, coop, member_a, administrator
):
    complaint = ComplaintFactory(cooperative=coop, member=member_a)
    accept_complaint(complaint, administrator)
    url = reverse("admin:complaints_complaint_change", args=[complaint.pk])
    page = personas.administrator.get(url, headers=EN).content.decode()
    # Events are read-only: nothing to delete and nothing to add, so no deletion column.
    events = page[page.index('id="events-group"') :]
    events = events[: events.index("</table>")]
    assert '<th class="original"><span class="visually-hidden">Complaint event</span></th>' in (
        events
    )
    assert "Delete?" not in events
    assert '<td class="delete">' not in events
    member_page = personas.administrator.get(
        reverse("admin:members_member_change", args=[member_a.pk]), headers=EN
    ).content.decode()
    assert "<th>Delete?</th>" in member_page


def test_the_app_lists_hidden_headings_read_chinese_on_chinese_pages(personas):
    page = personas.administrator.get(reverse("admin:index"), headers=ZH).content.decode()
    for heading in ("名称", "增加链接", "修改或查看列表的链接"):
        assert f'<th scope="col">{heading}</th>' in page
    for english in ("Model name", "Add link", "Change or view list link"):
        assert english not in page


def test_the_date_and_time_boxes_are_named_by_their_field(personas):
    page = personas.administrator.get(reverse("admin:pledges_pledge_add"), headers=ZH)
    content = page.content.decode()
    assert 'aria-label="创建时间：日期"' in content
    assert 'aria-label="创建时间：时间"' in content
    english = personas.administrator.get(reverse("admin:pledges_pledge_add"), headers=EN)
    assert 'aria-label="created: date"' in english.content.decode()
