"""The lab page says what the files hold: empty files to fill in, and the codes to use."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.inspections.conftest import HEADER

pytestmark = pytest.mark.django_db

ITEMS_HEADER = "report_no,item,measured_value,limit,result"


@pytest.mark.parametrize(
    ("route", "header"),
    [("lab_inspections_template", HEADER), ("lab_items_template", ITEMS_HEADER)],
)
def test_a_lab_downloads_each_file_with_its_header_row(personas, coop, route, header):
    response = personas.lab.get(reverse(f"inspections:{route}", args=[coop.slug]))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith("attachment")
    assert response.content.decode() == header + "\r\n"


@pytest.mark.parametrize(
    "persona", ["member_a", "regulator", "administrator", "other_administrator"]
)
def test_nobody_but_the_cooperatives_labs_gets_the_files(personas, coop, persona):
    url = reverse("inspections:lab_inspections_template", args=[coop.slug])
    assert getattr(personas, persona).get(url).status_code == 404


def test_the_lab_page_lists_each_category_with_its_test_items_and_codes(personas, coop, catalogue):
    page = personas.lab.get(
        reverse("inspections:lab_home", args=[coop.slug]), headers={"accept-language": "en"}
    ).content.decode()
    for category in catalogue.values():
        assert f"<code>{category.code}</code>" in page
        for item in category.items.all():
            assert f"<code>{item.code}</code>" in page
    assert reverse("inspections:lab_items_template", args=[coop.slug]) in page
