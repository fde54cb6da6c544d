"""Inspections entered in the admin: the same rules and consequences as every other way in."""

from __future__ import annotations

import pytest

from inspections.models import Inspection, Rectification, TestItem
from tests.inspections.factories import InspectionFactory

pytestmark = pytest.mark.django_db

ADD = "/admin/inspections/inspection/add/"


def form(coop, member, category, items=(), **overrides):
    data = {
        "cooperative": coop.pk,
        "report_no": "ADM-2025-001",
        "member": member.pk,
        "product": "全棉四件套",
        "category": category.pk,
        "kind": "supervision",
        "sampled_on": "2025-03-01",
        "reported_on": "2025-03-10",
        "lab": "",
        "lab_name": "国家家纺检测中心",
        "verdict": "fail",
        "severity": "major",
        "rectified_on": "",
        "retest_of": "",
        "items-TOTAL_FORMS": str(len(items)),
        "items-INITIAL_FORMS": "0",
        "items-MIN_NUM_FORMS": "0",
        "items-MAX_NUM_FORMS": "1000",
    }
    for index, (item, value, result) in enumerate(items):
        data[f"items-{index}-item"] = item.pk
        data[f"items-{index}-measured_value"] = value
        data[f"items-{index}-limit"] = ""
        data[f"items-{index}-result"] = result
    data.update(overrides)
    return data


def item(category, code):
    return TestItem.objects.get(category=category, code=code)


def test_an_administrator_adds_a_failed_inspection_with_its_items(
    personas, coop, member_a, catalogue
):
    bedding = catalogue["bedding"]
    items = [(item(bedding, "formaldehyde"), "112", "fail"), (item(bedding, "ph"), "6.5", "pass")]
    response = personas.administrator.post(ADD, form(coop, member_a, bedding, items))
    assert response.status_code == 302, (
        response.context["adminform"].errors if response.context else ""
    )
    inspection = Inspection.objects.get()
    assert inspection.source == Inspection.Source.ADMIN
    assert inspection.items.get(item__code="formaldehyde").measured_number == 112
    # The limit defaults to the catalogue's.
    assert inspection.items.get(item__code="ph").limit == "4.0 – 8.5（GB 18401 B类）"
    assert Rectification.objects.filter(inspection=inspection).exists()


@pytest.mark.parametrize(
    ("items", "overrides", "fragment"),
    [
        (
            [("formaldehyde", "112", "fail")],
            {"verdict": "pass", "severity": ""},
            "these items failed",
        ),
        ([("ph", "6.5", "pass")], {}, "Every item passed"),
        ([("ph", "acid", "pass")], {"verdict": "pass", "severity": ""}, "is not a number"),
        ([], {"severity": ""}, "needs a severity"),
        ([], {"reported_on": "2025-02-01"}, "before the sampling date"),
    ],
)
def test_the_admin_refuses_what_every_other_path_refuses(
    personas, coop, member_a, catalogue, items, overrides, fragment
):
    bedding = catalogue["bedding"]
    rows = [(item(bedding, code), value, result) for code, value, result in items]
    with_lang = personas.administrator
    with_lang.cookies["django_language"] = "en"
    response = with_lang.post(ADD, form(coop, member_a, bedding, rows, **overrides))
    assert response.status_code == 200
    assert fragment in response.content.decode()
    assert not Inspection.objects.exists()


def test_an_item_of_another_category_is_refused(personas, coop, member_a, catalogue):
    rows = [(item(catalogue["garments"], "seam-slippage"), "3", "pass")]
    response = personas.administrator.post(
        ADD, form(coop, member_a, catalogue["bedding"], rows, verdict="pass", severity="")
    )
    assert response.status_code == 200
    assert not Inspection.objects.exists()


def test_another_cooperatives_administrator_neither_sees_nor_changes_the_inspections(
    personas, coop, member_a, catalogue
):
    inspection = InspectionFactory(cooperative=coop, member=member_a, category=catalogue["bedding"])
    listing = personas.other_administrator.get("/admin/inspections/inspection/")
    assert listing.status_code == 200
    assert inspection.report_no not in listing.content.decode()
    change = personas.other_administrator.get(
        f"/admin/inspections/inspection/{inspection.pk}/change/"
    )
    assert change.status_code == 404
    refused = personas.other_administrator.post(ADD, form(coop, member_a, catalogue["bedding"]))
    assert refused.status_code == 200
    assert not Inspection.objects.exclude(pk=inspection.pk).exists()


def test_users_without_an_administrator_role_do_not_reach_the_inspection_admin(personas):
    for client in (personas.regulator, personas.member_a, personas.lab, personas.anonymous):
        assert client.get("/admin/inspections/inspection/").status_code == 302


def test_a_token_created_in_the_admin_is_shown_once(personas, coop, lab, catalogue):
    response = personas.administrator.post(
        "/admin/inspections/labapitoken/add/",
        {
            "cooperative": coop.pk,
            "lab": lab.pk,
            "name": "LIMS",
            "revoked_at_0": "",
            "revoked_at_1": "",
        },
        follow=True,
    )
    assert response.status_code == 200
    text = response.content.decode()
    from inspections.models import LabApiToken

    token = LabApiToken.objects.get()
    assert token.prefix in text
    assert "lab_" in text
