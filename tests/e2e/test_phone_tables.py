"""On a 360 px phone a table's rows are cards: names are read in words, not a character a line."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from members.models import Cooperative
from tests.e2e.conftest import screenshot


@pytest.fixture
def demo(db):
    call_command("demo", stdout=io.StringIO())
    return Cooperative.objects.get()


def _cells(phone) -> list[dict]:
    return phone.evaluate(
        """() => [...document.querySelectorAll('main table tbody td')].map(cell => ({
             text: cell.textContent.trim(), width: cell.getBoundingClientRect().width,
             label: cell.dataset.label ?? null}))"""
    )


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    "path", ["/members/{slug}/directory/", "/pledges/{slug}/", "/inspections/{slug}/statistics/"]
)
def test_a_public_table_on_a_phone_is_a_card_a_row_each_cell_labelled(phone, demo, path):
    phone.goto(phone.base_url + path.format(slug=demo.slug))
    rows = phone.locator("main table tbody tr").count()
    cells = _cells(phone)
    assert rows > 0
    assert cells
    # Every cell spans most of the card, with its column's heading as its label.
    assert [cell["text"] for cell in cells if cell["width"] < 300] == []
    assert all(cell["label"] for cell in cells if cell["text"])
    height = phone.evaluate("document.documentElement.scrollHeight")
    # A name a character a line made the directory ~600 px a row, the pledges list ~770.
    assert height < 1500 + rows * 420, (height, rows)
    screenshot(phone, "phone-table-" + path.split("/")[1])
