"""Results keep their history, and a failure never quietly becomes a pass, in every way in."""

from __future__ import annotations

import datetime
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation

from inspections.corrections import result_changes
from inspections.models import Inspection, ItemResult, LabUpload, TestItem
from inspections.services import (
    decide_objection,
    import_inspections,
    raise_objection,
    record_corrective_action,
)
from tests.inspections.conftest import HEADER, csv_file
from tests.inspections.test_admin import form
from tests.inspections.test_api import payload, post
from tests.inspections.test_import import ITEMS_HEADER, row

pytestmark = pytest.mark.django_db

REFUSED_PASS = "a failure becomes a pass only with a passing re-test linked to the report"
FORMALDEHYDE_PASSES = [
    {"item": "formaldehyde", "measured_value": "60", "result": "pass"},
    {"item": "ph", "measured_value": "6.8", "limit": "4.0–8.5", "result": "pass"},
]


def passing(member, **overrides):
    return payload(member, verdict="pass", severity="", items=FORMALDEHYDE_PASSES, **overrides)


# The lab API ------------------------------------------------------------------------------------


def test_a_correction_through_the_api_is_kept_old_to_new_with_who_and_why(api_secret, member_a):
    post(api_secret, payload(member_a))
    response = post(
        api_secret, payload(member_a, product="夏凉被", change_reason="产品名称录入错误")
    )
    assert response.status_code == 200
    inspection = Inspection.objects.get()
    latest = inspection.history.first()
    assert latest.history_type == "~"
    assert (latest.product, latest.prev_record.product) == ("夏凉被", "全棉四件套")
    assert latest.history_user is None
    assert latest.history_change_reason == "api (LIMS): 产品名称录入错误"
    with translation.override("en"):
        [change] = result_changes(inspection)
    assert change.fields == [("product", "全棉四件套", "夏凉被")]
    assert change.reason == "lab API (LIMS): 产品名称录入错误"


def test_a_failure_turned_into_a_pass_after_corrective_actions_is_refused(
    api_secret, member_a, member_user_a
):
    """The issue's case: 112 mg/kg formaldehyde "corrected" into a pass by a later call."""
    post(api_secret, payload(member_a))
    inspection = Inspection.objects.get()
    record_corrective_action(
        inspection.rectification,
        taken_on=datetime.date(2025, 3, 20),
        description="更换助剂供应商",
        by=member_user_a,
    )
    response = post(api_secret, passing(member_a, change_reason="复核"))
    assert response.status_code == 400
    assert REFUSED_PASS in response.json()["verdict"][0]
    inspection.refresh_from_db()
    assert inspection.verdict == "fail"
    assert inspection.items.get(item__code="formaldehyde").measured_value == "112"
    assert inspection.history.count() == 1


def test_a_change_of_verdict_needs_a_reason(api_secret, member_a):
    post(api_secret, passing(member_a))
    response = post(api_secret, payload(member_a))
    assert response.status_code == 400
    assert response.json() == {
        "change_reason": [
            "The verdict of report API-2025-001 changes from pass to fail: give the reason "
            "for the correction."
        ]
    }
    accepted = post(api_secret, payload(member_a, change_reason="复检确认甲醛超标"))
    assert accepted.status_code == 200
    assert Inspection.objects.get().verdict == "fail"


def test_a_changed_item_result_needs_a_reason_and_its_history_runs_old_to_new(api_secret, member_a):
    post(api_secret, payload(member_a))
    formaldehyde = ItemResult.objects.get(item__code="formaldehyde")
    items = [
        {"item": "formaldehyde", "measured_value": "112", "result": "fail"},
        {"item": "ph", "measured_value": "9.2", "limit": "4.0–8.5", "result": "fail"},
    ]
    refused = post(api_secret, payload(member_a, items=items))
    assert "The result of ph in report API-2025-001 changes" in refused.json()["change_reason"][0]
    accepted = post(api_secret, payload(member_a, items=items, change_reason="pH 复核"))
    assert accepted.status_code == 200
    ph = ItemResult.objects.get(item__code="ph")
    # Matched on its test item, the result is changed in place: one history, old → new.
    assert ItemResult.objects.get(item__code="formaldehyde").pk == formaldehyde.pk
    assert [(record.history_type, record.result) for record in ph.history.all()] == [
        ("~", "fail"),
        ("+", "pass"),
    ]
    with translation.override("en"):
        changes = result_changes(Inspection.objects.get())
    assert [(change.subject, change.fields) for change in changes] == [
        ("pH value", [("measured value", "6.8", "9.2"), ("result", "pass", "fail")])
    ]


def test_a_passing_re_test_linked_to_the_report_lets_the_failure_become_a_pass(
    api_secret, member_a
):
    post(api_secret, payload(member_a))
    retest = passing(member_a, report_no="API-2025-002", retest_of="API-2025-001")
    assert post(api_secret, retest).status_code == 201
    failed = Inspection.objects.get(report_no="API-2025-001")
    assert failed.rectified_on == datetime.date(2025, 3, 10)
    assert failed.history.first().history_change_reason == "Re-test API-2025-002 passed."
    corrected = post(api_secret, passing(member_a, change_reason="原检测样品混淆，复检合格"))
    assert corrected.status_code == 200, corrected.content
    assert Inspection.objects.get(report_no="API-2025-001").verdict == "pass"


def test_a_regulators_upheld_objection_lets_the_failure_become_a_pass(
    api_secret, member_a, regulator
):
    post(api_secret, payload(member_a))
    failed = Inspection.objects.get()
    objection = raise_objection(failed, reason="样品并非本企业产品", by=None, on=failed.reported_on)
    decide_objection(objection, upheld=True, note="抽样记录有误", by=regulator)
    voided = failed.history.first()
    assert (voided.status, voided.history_user) == ("voided", regulator)
    assert "抽样记录有误" in voided.history_change_reason
    assert post(api_secret, passing(member_a, change_reason="依据异议裁定更正")).status_code == 200


# The admin ---------------------------------------------------------------------------------------


@pytest.fixture
def stored(coop, member_a, catalogue, administrator):
    bedding = catalogue["bedding"]
    formaldehyde = TestItem.objects.get(category=bedding, code="formaldehyde")
    inspection = Inspection.objects.create(
        cooperative=coop,
        report_no="ADM-2025-001",
        member=member_a,
        product="全棉四件套",
        category=bedding,
        sampled_on=datetime.date(2025, 3, 1),
        reported_on=datetime.date(2025, 3, 10),
        verdict="fail",
        severity="major",
    )
    ItemResult.objects.create(
        inspection=inspection,
        item=formaldehyde,
        measured_value="112",
        measured_number=112,
        result="fail",
    )
    return inspection


def change_form(stored, **overrides):
    data = form(stored.cooperative, stored.member, stored.category)
    result = stored.items.get(item__code="formaldehyde")
    data.update(
        {
            "items-TOTAL_FORMS": "1",
            "items-INITIAL_FORMS": "1",
            "items-0-id": result.pk,
            "items-0-inspection": stored.pk,
            "items-0-item": result.item_id,
            "items-0-measured_value": result.measured_value,
            "items-0-limit": "",
            "items-0-result": result.result,
        }
    )
    data.update(overrides)
    return data


def change(personas, stored, **overrides):
    return personas.administrator.post(
        reverse("admin:inspections_inspection_change", args=[stored.pk]),
        change_form(stored, **overrides),
        headers={"accept-language": "en"},
    )


def test_the_admin_asks_for_the_reason_of_a_changed_verdict(personas, stored, administrator):
    data = {"items-0-measured_value": "60", "items-0-result": "pass", "verdict": "pass"}
    response = change(personas, stored, severity="", **data)
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert "give the reason" in errors["change_reason"][0]
    assert REFUSED_PASS in errors["verdict"][0]
    stored.refresh_from_db()
    assert stored.verdict == "fail"


def test_a_correction_in_the_admin_is_kept_with_who_and_why(personas, stored, administrator):
    response = change(personas, stored, product="夏凉被", change_reason="品名更正")
    assert response.status_code == 302
    latest = stored.history.first()
    assert (latest.product, latest.history_user) == ("夏凉被", administrator)
    assert latest.history_change_reason == "admin: 品名更正"
    page = personas.administrator.get(
        reverse("admin:inspections_inspection_history", args=[stored.pk]),
        headers={"accept-language": "en"},
    )
    assert page.status_code == 200
    assert "全棉四件套 → 夏凉被" in page.content.decode()


def test_an_item_result_changed_in_the_admin_needs_the_reason_and_a_re_test(
    personas, stored, catalogue
):
    ph = TestItem.objects.get(category=stored.category, code="ph")
    ItemResult.objects.create(
        inspection=stored, item=ph, measured_value="9.2", measured_number=9.2, result="fail"
    )
    data = change_form(stored)
    data.update(
        {
            "items-TOTAL_FORMS": "2",
            "items-INITIAL_FORMS": "2",
            "items-1-id": stored.items.get(item=ph).pk,
            "items-1-inspection": stored.pk,
            "items-1-item": ph.pk,
            "items-1-measured_value": "6.5",
            "items-1-limit": "",
            "items-1-result": "pass",
        }
    )
    response = personas.administrator.post(
        reverse("admin:inspections_inspection_change", args=[stored.pk]),
        data,
        headers={"accept-language": "en"},
    )
    assert response.status_code == 200
    errors = str(response.context["inline_admin_formsets"][0].formset.non_form_errors())
    assert "The result of ph in report ADM-2025-001 changes" in errors
    assert REFUSED_PASS in errors
    assert stored.items.get(item=ph).result == "fail"


def test_another_administrator_cannot_see_a_results_history(personas, stored):
    url = reverse("admin:inspections_inspection_history", args=[stored.pk])
    assert personas.other_administrator.get(url).status_code == 404


# Files: the lab page and the command line --------------------------------------------------------


def test_a_lab_file_that_changes_a_verdict_needs_the_uploads_reason(
    personas, coop, member_a, lab, lab_user, catalogue
):
    first = f"LAB-1,{member_a.credit_code},四件套,bedding,2025-03-01,2025-03-10,pass,,,"
    assert import_inspections(coop, io.BytesIO(f"{HEADER}\n{first}\n".encode()), lab=lab).ok
    corrected = first.replace(",pass,,", ",fail,major,")
    url = reverse("inspections:lab_home", args=[coop.slug])

    def upload(reason):
        files = {"file": SimpleUploadedFile("inspections.csv", f"{HEADER}\n{corrected}\n".encode())}
        return personas.lab.post(
            url, {**files, "change_reason": reason}, follow=True, headers={"accept-language": "en"}
        )

    refused = upload("")
    assert (
        "Line 2, column “verdict” (Verdict): The verdict of report LAB-1 changes"
        in refused.content.decode()
    )
    assert LabUpload.objects.get().status == LabUpload.Status.REFUSED
    upload("复检确认不合格")
    record = LabUpload.objects.get(status=LabUpload.Status.PREVIEWED)
    personas.lab.post(reverse("inspections:lab_confirm", args=[coop.slug, record.pk]))
    inspection = Inspection.objects.get()
    assert inspection.verdict == "fail"
    latest = inspection.history.first()
    assert (latest.history_type, latest.verdict, latest.history_user) == ("~", "fail", lab_user)
    assert latest.history_change_reason == "upload: 复检确认不合格"


def test_an_import_keeps_the_history_of_what_it_creates_and_changes(coop, member_a, catalogue):
    items = f"{ITEMS_HEADER}\nNT2025-0001,formaldehyde,112,,fail\n"
    failed = row(member_a, verdict="fail", severity="major")
    outcome = import_inspections(coop, csv_file(failed), items_stream=io.BytesIO(items.encode()))
    assert outcome.ok
    inspection = Inspection.objects.get()
    assert [record.history_type for record in inspection.history.all()] == ["+"]
    assert inspection.history.get().history_change_reason == "import"
    item = inspection.items.get()
    assert [record.history_type for record in item.history.all()] == ["+"]
    # A new measured value of the same failed item: the reason comes with the file.
    again = items.replace(",112,", ",130,")
    outcome = import_inspections(
        coop, csv_file(failed), items_stream=io.BytesIO(again.encode()), reason="数值录入更正"
    )
    assert outcome.ok, outcome.problems()
    item.refresh_from_db()
    assert item.measured_value == "130"
    latest = item.history.first()
    assert (latest.history_type, latest.prev_record.measured_value) == ("~", "112")
    assert latest.history_change_reason == "import: 数值录入更正"


def test_an_import_cannot_turn_a_failure_into_a_pass_without_a_re_test(coop, member_a, catalogue):
    failed = row(member_a, verdict="fail", severity="major")
    assert import_inspections(coop, csv_file(failed)).ok
    with translation.override("en"):
        outcome = import_inspections(coop, csv_file(row(member_a)), reason="改判")
    assert not outcome.ok
    assert REFUSED_PASS in outcome.problems()[0]
    assert Inspection.objects.get().verdict == "fail"
    assert Inspection.objects.get().history.count() == 1


# What the member sees ----------------------------------------------------------------------------


def test_the_member_sees_what_changed_in_its_result(personas, api_secret, member_a, member_user_a):
    post(api_secret, payload(member_a))
    post(api_secret, payload(member_a, sampled_on="2025-03-02", change_reason="抽样日期更正"))
    inspection = Inspection.objects.get()
    page = personas.member_a.get(
        reverse("inspections:member_inspection", args=[inspection.pk]),
        headers={"accept-language": "en"},
    ).content.decode()
    assert "Changes to this result" in page
    assert "1 Mar 2025 → 2 Mar 2025" in page
    assert "抽样日期更正" in page
    # Another member's result is not found, its history with it.
    assert (
        personas.member_b.get(reverse("inspections:member_inspection", args=[inspection.pk]))
    ).status_code == 404
