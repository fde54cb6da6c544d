"""The admin's complaint list fits a phone and a desktop with the navigation open: few
columns, short cells on one line, and the filters below the list when it is narrow."""

import re
from pathlib import Path

import pytest
from django.urls import reverse

from tests.complaints.factories import ComplaintFactory

pytestmark = pytest.mark.django_db

ADMIN_CSS = Path("static/css/admin.css").read_text()


def test_the_list_shows_six_columns(personas, coop, member_a):
    ComplaintFactory(cooperative=coop, member=member_a)
    page = personas.administrator.get(reverse("admin:complaints_complaint_changelist"))
    columns = re.findall(r'<th scope="col" class="[^"]*column-(\w+)', page.content.decode())
    assert [name for name in columns if name != "action_checkbox"] == [
        "reference",
        "member",
        "status",
        "received_on",
        "responded_on",
        "upheld_on",
    ]


def test_a_status_never_breaks_one_character_a_line():
    assert re.search(
        r"#changelist #result_list td\.field-status,[^{]*\{ white-space: nowrap; \}", ADMIN_CSS
    )


def test_the_filters_follow_the_list_when_the_navigation_leaves_too_little_room():
    assert (
        "@media (max-width: 1439px) {\n    .main.shifted #changelist { flex-direction: column;"
        in ADMIN_CSS
    )
    assert "@media (max-width: 1023px) {\n    #changelist { flex-direction: column;" in ADMIN_CSS


def test_a_wide_table_scrolls_in_its_own_box_never_the_page():
    assert "#changelist-form .results { max-width: 100%; min-width: 0; }" in ADMIN_CSS
