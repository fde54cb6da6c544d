"""A number measured against its limit agrees with the item's result, in every way in."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError
from django.urls import reverse
from django.utils import translation

from inspections.models import Inspection, ItemResult, LabUpload, TestItem
from inspections.services import InspectionInput, InspectionRefused, ItemInput, record_inspection
from inspections.validation import Limit, check_item_limit, parse_limit
from tests.inspections.conftest import HEADER
from tests.inspections.factories import FailedInspectionFactory, InspectionFactory
from tests.inspections.test_admin import ADD, form
from tests.inspections.test_api import payload, post
from tests.inspections.test_import import ITEMS_HEADER, row, run_command

pytestmark = pytest.mark.django_db

OUTSIDE = "Formaldehyde content: 500 mg/kg is outside the limit ≤ 75 mg/kg, so it cannot pass."
WITHIN = "Formaldehyde content: 60 mg/kg is within the limit ≤ 75 mg/kg, so it cannot fail."


@pytest.mark.parametrize(
    ("text", "limit"),
    [
        ("≤ 75（GB 18401 B类）", Limit(high=Decimal(75))),
        ("≤75mg/kg", Limit(high=Decimal(75))),
        ("< 0.5", Limit(high=Decimal("0.5"), high_strict=True)),
        ("＜２０", Limit(high=Decimal(20), high_strict=True)),
        ("不大于 20 mg/kg", Limit(high=Decimal(20))),
        ("≥ 3", Limit(low=Decimal(3))),
        ("> 200 N", Limit(low=Decimal(200), low_strict=True)),
        ("≥ -5.0", Limit(low=Decimal("-5.0"))),
        ("4.0 – 8.5（GB 18401 B类）", Limit(low=Decimal("4.0"), high=Decimal("8.5"))),
        ("4.0-8.5", Limit(low=Decimal("4.0"), high=Decimal("8.5"))),
        ("-3.0 – +1.5", Limit(low=Decimal("-3.0"), high=Decimal("1.5"))),
        ("75", None),
        ("≤ 75-80", None),
        ("see the report", None),
        ("禁用（每种 ≤ 20）", None),
    ],
)
def test_a_labs_limit_is_read_as_bounds(text, limit):
    assert parse_limit(text) == limit


@pytest.mark.parametrize(
    ("limit", "value", "admitted"),
    [
        (Limit(high=Decimal(75)), "75", True),
        (Limit(high=Decimal(75)), "75.01", False),
        (Limit(high=Decimal(75), high_strict=True), "75", False),
        (Limit(low=Decimal(3)), "3", True),
        (Limit(low=Decimal(3), low_strict=True), "3", False),
        (Limit(low=Decimal("4.0"), high=Decimal("8.5")), "3.9", False),
        (Limit(low=Decimal("4.0"), high=Decimal("8.5")), "8.5", True),
    ],
)
def test_bounds_are_inclusive_unless_strict(limit, value, admitted):
    assert limit.admits(Decimal(value)) is admitted


def test_the_labs_limit_decides_else_the_catalogues(catalogue):
    formaldehyde = TestItem.objects.get(category=catalogue["bedding"], code="formaldehyde")
    amines = TestItem.objects.get(category=catalogue["bedding"], code="aromatic-amines")
    with translation.override("en"):
        assert check_item_limit(formaldehyde, Decimal(60), "", "pass") == []
        assert check_item_limit(formaldehyde, Decimal(60), "≤ 20", "pass") == [
            (
                "result",
                "Formaldehyde content: 60 mg/kg is outside the limit ≤ 20, so it cannot pass.",
            )
        ]
        # The catalogue's own words are its limit, even when they are not plain bounds.
        assert check_item_limit(amines, Decimal(30), amines.limit_text, "pass")
        assert (
            "states no bounds" in check_item_limit(formaldehyde, Decimal(1), "见报告", "pass")[0][1]
        )
    odour = TestItem.objects.get(category=catalogue["bedding"], code="odour")
    assert check_item_limit(odour, None, "", "pass") == []


def test_the_message_is_in_chinese_with_full_width_punctuation(catalogue):
    formaldehyde = TestItem.objects.get(category=catalogue["bedding"], code="formaldehyde")
    with translation.override("zh-hans"):
        [(_field, message)] = check_item_limit(formaldehyde, Decimal(500), "", "pass")
    assert message == "甲醛含量：实测值 500 mg/kg 超出限值 ≤ 75 mg/kg，不能判为合格。"


# Every way in ---------------------------------------------------------------------------------


def test_the_admin_refuses_a_pass_outside_the_limit(personas, coop, member_a, catalogue):
    bedding = catalogue["bedding"]
    formaldehyde = TestItem.objects.get(category=bedding, code="formaldehyde")
    data = form(
        coop, member_a, bedding, [(formaldehyde, "500", "pass")], verdict="pass", severity=""
    )
    response = personas.administrator.post(ADD, data, headers={"accept-language": "en"})
    assert response.status_code == 200
    assert OUTSIDE in response.content.decode()
    assert not Inspection.objects.exists()


def test_the_api_refuses_a_fail_within_the_limit(api_secret, member_a):
    data = payload(
        member_a, items=[{"item": "formaldehyde", "measured_value": "60", "result": "fail"}]
    )
    response = post(api_secret, data)
    assert response.status_code == 400
    assert response.json() == {"items[0].result": [WITHIN]}
    assert not Inspection.objects.exists()


def test_the_api_refuses_a_limit_that_states_no_bounds(api_secret, member_a):
    item = {"item": "formaldehyde", "measured_value": "60", "limit": "按标准", "result": "pass"}
    response = post(api_secret, payload(member_a, verdict="pass", severity="", items=[item]))
    assert response.status_code == 400
    assert "states no bounds" in response.json()["items[0].limit"][0]


def test_the_lab_page_shows_the_problem_and_imports_nothing(
    personas, coop, member_a, lab, catalogue
):
    line = f"LAB-1,{member_a.credit_code},四件套,bedding,2025-03-01,2025-03-10,pass,,,"
    files = {
        "file": SimpleUploadedFile("inspections.csv", f"{HEADER}\n{line}\n".encode()),
        "items_file": SimpleUploadedFile(
            "items.csv", f"{ITEMS_HEADER}\nLAB-1,formaldehyde,500,,pass\n".encode()
        ),
    }
    response = personas.lab.post(
        reverse("inspections:lab_home", args=[coop.slug]),
        files,
        follow=True,
        headers={"accept-language": "en"},
    )
    assert OUTSIDE in response.content.decode()
    assert LabUpload.objects.get().status == LabUpload.Status.REFUSED
    assert not Inspection.objects.exists()


def test_a_file_with_one_item_outside_its_limit_imports_nothing(
    coop, member_a, catalogue, tmp_path, capsys
):
    rows = row(member_a, verdict="pass") + "\n" + row(member_a, report_no="NT2025-0002")
    items = "\n".join(
        [
            ITEMS_HEADER,
            "NT2025-0001,ph,6.5,,pass",
            "NT2025-0002,formaldehyde,500,,pass",
        ]
    )
    with translation.override("en"), pytest.raises(CommandError):
        run_command(coop, tmp_path, rows, items=items + "\n")
    assert "line 3" in capsys.readouterr().err.lower()
    assert not Inspection.objects.exists()
    assert not ItemResult.objects.exists()


def test_a_correction_that_would_pass_a_failed_number_is_refused(coop, member_a, catalogue):
    failed = FailedInspectionFactory(
        cooperative=coop, member=member_a, category=catalogue["bedding"], report_no="NT-9"
    )
    formaldehyde = TestItem.objects.get(category=catalogue["bedding"], code="formaldehyde")
    data = InspectionInput(
        report_no=failed.report_no,
        member=member_a,
        product="四件套",
        category=catalogue["bedding"],
        sampled_on=failed.sampled_on,
        reported_on=failed.reported_on,
        verdict="fail",
        severity="major",
        items=[ItemInput(item=formaldehyde, measured_value="112", result="pass")],
    )
    with translation.override("en"), pytest.raises(InspectionRefused) as refused:
        record_inspection(coop, data)
    assert (
        "items.0.result",
        "Formaldehyde content: 112 mg/kg is outside the limit ≤ 75 mg/kg, so it cannot pass.",
    ) in refused.value.problems


# What the member sees ---------------------------------------------------------------------------


def test_the_member_sees_the_catalogues_limit_and_unit_when_the_lab_gave_none(
    personas, coop, member_a, member_user_a, catalogue, tmp_path
):
    items = "\n".join([ITEMS_HEADER, "NT2025-0001,formaldehyde,112,,fail"])
    run_command(coop, tmp_path, row(member_a, verdict="fail", severity="major"), items=items + "\n")
    result = ItemResult.objects.get()
    assert result.limit == "≤ 75（GB 18401 B类）"
    page = personas.member_a.get(
        reverse("inspections:member_inspection", args=[result.inspection_id])
    ).content.decode()
    assert "<td>112</td><td>≤ 75（GB 18401 B类）</td><td>mg/kg</td>" in page


def test_a_result_stored_without_a_limit_shows_the_catalogues(
    personas, coop, member_a, member_user_a, catalogue
):
    inspection = InspectionFactory(cooperative=coop, member=member_a, category=catalogue["bedding"])
    ph = TestItem.objects.get(category=catalogue["bedding"], code="ph")
    ItemResult.objects.create(
        inspection=inspection, item=ph, measured_value="6.5", measured_number=6.5, result="pass"
    )
    page = personas.member_a.get(
        reverse("inspections:member_inspection", args=[inspection.pk])
    ).content.decode()
    assert "<td>6.5</td><td>4.0 – 8.5（GB 18401 B类）</td><td>—</td>" in page
