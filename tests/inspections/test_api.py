"""The lab API: token per lab, idempotent by report number, field messages, never a 5xx."""

from __future__ import annotations

import datetime
import json

import pytest
from django.test import Client
from django.utils import timezone

from inspections.models import Inspection, ItemResult, LabApiToken, Rectification
from tests.factories import LabFactory
from tests.inspections.factories import FailedInspectionFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/lab/inspections/"


def payload(member, **overrides):
    data = {
        "report_no": "API-2025-001",
        "credit_code": member.credit_code,
        "product": "全棉四件套",
        "category": "bedding",
        "sampled_on": "2025-03-01",
        "reported_on": "2025-03-10",
        "verdict": "fail",
        "severity": "major",
        "items": [
            {"item": "formaldehyde", "measured_value": "112", "result": "fail"},
            {"item": "ph", "measured_value": "6.8", "limit": "4.0–8.5", "result": "pass"},
        ],
    }
    data.update(overrides)
    return data


def post(secret, data, **headers):
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    body = data if isinstance(data, str | bytes) else json.dumps(data)
    return client.post(
        URL,
        body,
        content_type="application/json",
        headers={"Authorization": f"Token {secret}", **headers} if secret else headers,
    )


def test_a_report_is_created_and_the_same_payload_again_leaves_one_record(
    api_secret, member_a, lab
):
    first = post(api_secret, payload(member_a))
    assert first.status_code == 201, first.content
    assert first.json()["action"] == "create"
    assert first.json()["rectification_deadline"] == "2025-05-09"
    second = post(api_secret, payload(member_a))
    assert second.status_code == 200
    assert second.json()["action"] == "unchanged"
    assert second.json()["id"] == first.json()["id"]
    inspection = Inspection.objects.get()
    assert inspection.lab == lab
    assert inspection.source == Inspection.Source.API
    assert ItemResult.objects.filter(inspection=inspection).count() == 2
    assert Rectification.objects.count() == 1


def test_a_corrected_report_updates_the_record(api_secret, member_a):
    post(api_secret, payload(member_a))
    response = post(api_secret, payload(member_a, product="夏凉被"))
    assert response.status_code == 200
    assert response.json()["action"] == "update"
    assert Inspection.objects.get().product == "夏凉被"


def test_a_request_without_a_valid_token_is_refused(api_secret, member_a, coop, lab):
    assert post(None, payload(member_a)).status_code == 401
    assert post("lab_wrong-token", payload(member_a)).status_code == 401
    token = LabApiToken.objects.get()
    token.revoked_at = timezone.now()
    token.save()
    assert post(api_secret, payload(member_a)).status_code == 401
    assert not Inspection.objects.exists()


def test_only_a_hash_of_the_secret_is_stored(api_secret):
    token = LabApiToken.objects.get()
    assert api_secret not in (token.secret_hash, token.prefix)
    assert api_secret.startswith(token.prefix)


@pytest.mark.parametrize(
    ("overrides", "field", "fragment"),
    [
        ({"credit_code": "91320612MA1MXXXX0X"}, "credit_code", "No member"),
        ({"reported_on": "2025-02-01"}, "reported_on", "before the sampling date"),
        ({"severity": ""}, "severity", "needs a severity"),
        ({"category": "shoes"}, "category", "not a category"),
        ({"sampled_on": "yesterday"}, "sampled_on", "Date has wrong format"),
        ({"verdict": "pass", "severity": ""}, "verdict", "these items failed: formaldehyde"),
        (
            {"items": [{"item": "ph", "measured_value": "6.8", "result": "pass"}]},
            "verdict",
            "Every item passed",
        ),
        (
            {"items": [{"item": "formaldehyde", "measured_value": "lots", "result": "fail"}]},
            "items[0].measured_value",
            "is not a number",
        ),
        (
            {"items": [{"item": "sole-glue", "measured_value": "1", "result": "fail"}]},
            "items[0].item",
            "not a test item",
        ),
        ({"retest_of": "NOPE"}, "retest_of", "no report"),
        ({"report_no": ""}, "report_no", "may not be blank"),
    ],
)
def test_bad_input_is_a_400_with_field_messages(api_secret, member_a, overrides, field, fragment):
    response = post(api_secret, payload(member_a, **overrides))
    assert response.status_code == 400, response.content
    assert fragment in " ".join(response.json()[field])
    assert not Inspection.objects.exists()


@pytest.mark.parametrize(
    "body",
    [
        "not json",
        "[]",
        "null",
        json.dumps({"report_no": "x\u0000y"}),
        json.dumps({"sampled_on": "9999-99-99", "items": "many"}),
        json.dumps({"items": [{"item": "ph", "measured_value": "1e999999", "result": "pass"}]}),
    ],
)
def test_garbage_is_never_a_server_error(api_secret, member_a, body):
    response = post(api_secret, body)
    assert response.status_code == 400


def test_huge_and_odd_numbers_are_refused_not_crashed(api_secret, member_a):
    for value in ["1e999999", "NaN", "-Infinity", "123456789012345"]:
        data = payload(
            member_a,
            items=[{"item": "formaldehyde", "measured_value": value, "result": "fail"}],
        )
        response = post(api_secret, data)
        assert response.status_code == 400, (value, response.content)


def test_a_lab_cannot_overwrite_another_labs_report(api_secret, member_a, coop, catalogue):
    other = LabFactory()
    FailedInspectionFactory(
        cooperative=coop,
        member=member_a,
        category=catalogue["bedding"],
        report_no="API-2025-001",
        lab=other,
    )
    response = post(api_secret, payload(member_a))
    assert response.status_code == 400
    assert "another lab" in response.json()["report_no"][0]


def test_a_passing_retest_sets_the_failed_results_rectification_date(api_secret, member_a):
    post(api_secret, payload(member_a))
    retest = payload(
        member_a,
        report_no="API-2025-002",
        verdict="pass",
        severity="",
        sampled_on="2025-04-01",
        reported_on="2025-04-08",
        retest_of="API-2025-001",
        items=None,
    )
    response = post(api_secret, retest)
    assert response.status_code == 201, response.content
    failed = Inspection.objects.get(report_no="API-2025-001")
    assert failed.rectified_on == datetime.date(2025, 4, 8)
    assert Inspection.objects.get(report_no="API-2025-002").retest_of == failed


def test_a_retest_of_another_members_result_is_refused(api_secret, member_a, member_b):
    post(api_secret, payload(member_a))
    retest = payload(
        member_b, report_no="API-2025-002", verdict="pass", severity="", retest_of="API-2025-001"
    )
    retest.pop("items")
    response = post(api_secret, retest)
    assert response.status_code == 400
    assert "same member" in response.json()["retest_of"][0]


def test_the_schema_documents_the_endpoint_and_its_security_scheme(db):
    response = Client().get("/api/v1/schema/", {"format": "json"})
    assert response.status_code == 200
    schema = json.loads(response.content)
    operation = schema["paths"][URL]["post"]
    assert operation["security"] == [{"labToken": []}]
    assert schema["components"]["securitySchemes"]["labToken"]["type"] == "apiKey"
    assert {"201", "200", "400"} <= set(operation["responses"])


# With the cache Redis down -------------------------------------------------------------------


def test_with_the_cache_down_a_lab_still_delivers_its_results_and_the_outage_is_logged_once(
    api_secret, member_a, cache_unreachable, caplog
):
    """Finding F2: the throttle read the cache without a fallback, and the lab's delivery was an
    HTML 500."""
    first = post(api_secret, payload(member_a))
    second = post(api_secret, payload(member_a, report_no="API-2025-002"))
    assert (first.status_code, second.status_code) == (201, 201), first.content
    assert Inspection.objects.count() == 2
    warnings = [r for r in caplog.records if "Rate limit cache unreachable" in r.getMessage()]
    assert len(warnings) == 1
    assert warnings[0].exc_info is not None


def test_an_unexpected_error_of_the_lab_api_is_json(api_secret, member_a, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("the database went away")

    monkeypatch.setattr("inspections.lab_api.record_inspection", broken)
    response = post(api_secret, payload(member_a), HTTP_ACCEPT="text/html")
    assert response.status_code == 500
    assert response["Content-Type"] == "application/json"
    assert response.json()["detail"] == (
        "Something went wrong on our side. Please try again in a few minutes."
    )


# The same rules as the lab CSV (finding F7) ---------------------------------------------------


def test_a_report_dated_after_today_is_refused(api_secret, member_a):
    response = post(
        api_secret, payload(member_a, sampled_on="2099-01-01", reported_on="2099-01-02")
    )
    assert response.status_code == 400
    body = response.json()
    assert set(body) == {"sampled_on", "reported_on"}
    assert "is after today" in body["reported_on"][0]
    assert not Inspection.objects.exists()


def test_a_report_dated_today_in_the_cooperatives_zone_is_taken(api_secret, member_a, coop):
    today = coop.today().isoformat()
    response = post(api_secret, payload(member_a, sampled_on=today, reported_on=today))
    assert response.status_code == 201, response.content


@pytest.mark.parametrize("field", ["product", "report_no", "lab_name"])
def test_text_a_spreadsheet_would_run_is_refused_with_the_lab_csvs_message(
    api_secret, member_a, field
):
    from coop_portal.csvimport import CellError, text

    formula = '=HYPERLINK("http://evil","x")'
    response = post(api_secret, payload(member_a, **{field: formula}))
    assert response.status_code == 400
    with pytest.raises(CellError) as csv_refusal:
        text(200)(formula)
    assert response.json() == {field: [str(csv_refusal.value)]}
    assert not Inspection.objects.exists()


def test_a_formula_in_an_items_value_is_refused_but_a_signed_number_is_not(api_secret, member_a):
    # Odour is described in words, so only the formula rule can refuse this.
    items = [{"item": "odour", "measured_value": "@SUM(1)", "result": "pass"}]
    refused = post(api_secret, payload(member_a, verdict="pass", severity="", items=items))
    assert refused.status_code == 400
    assert list(refused.json()["items"][0]) == ["measured_value"]
    items = [{"item": "ph", "measured_value": "+6.8", "result": "pass"}]
    taken = post(api_secret, payload(member_a, verdict="pass", severity="", items=items))
    assert taken.status_code == 201, taken.content
