from __future__ import annotations

import csv
import datetime
import io
import json
from decimal import Decimal

import pytest
from django.utils import timezone

from complaints.models import Complaint
from coop_portal.clientaddress import ClientRateThrottle
from inspections.models import Inspection, TestCategory
from inspections.statistics import pass_rates
from members.models import Member
from pledges.models import AssessmentRun, Commitment, MemberAssessment
from tests.factories import MemberFactory

from .factories import (
    PeriodFactory,
    PledgeFactory,
    ResultFactory,
    RunFactory,
    publish,
    published_pledge,
    supersede,
)

ASSESSMENTS = "/api/v1/assessments/"
CONTRACT_FIELDS = {"credit_code", "member_name", "status", "score", "grade", "revision"}


def results_of(response) -> list[dict]:
    return response.json()["results"]


def raw_scores(response) -> list[str]:
    """The scores as written in the JSON text, to check how the numbers are spelled."""
    data = json.loads(response.content, parse_float=str)
    return [item["score"] for item in data["results"]]


def test_assessments_of_a_period_follow_the_contract(client, published_run, member_a):
    response = client.get(ASSESSMENTS, {"cooperative": "nantong", "period": "2025"})

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    items = {item["credit_code"]: item for item in results_of(response)}
    assert len(items) == 3
    for item in items.values():
        assert set(item) >= CONTRACT_FIELDS
        assert item["status"] in {"rated", "not_rated", "no_pledge"}
        assert item["revision"] == 1
    first = items[member_a.credit_code]
    assert first["member_name"] == "南通甲家纺有限公司"
    assert first["status"] == "rated"
    assert first["score"] == 74.1
    assert isinstance(first["score"], float)
    assert first["grade"] == "C"
    unrated = next(item for item in items.values() if item["status"] == "no_pledge")
    assert unrated["score"] is None
    assert unrated["grade"] is None


def test_scores_are_json_numbers_with_exactly_one_decimal(
    client, period, charter, member_a, member_b
):
    run = RunFactory(period=period, charter_version=charter)
    ResultFactory(run=run, member=member_a, score=Decimal("90.0"), grade="A")
    ResultFactory(run=run, member=member_b, score=Decimal("7.0"), grade="D")
    publish(run)

    response = client.get(ASSESSMENTS, {"cooperative": "nantong", "period": "2025"})

    assert sorted(raw_scores(response)) == ["7.0", "90.0"]
    assert b'"score":90.0' in response.content


def test_the_same_data_comes_as_csv_with_formulas_escaped(client, period, charter, member_a, coop):
    tricky = MemberFactory(cooperative=coop, name='=HYPERLINK("http://evil.example")')
    run = RunFactory(period=period, charter_version=charter)
    ResultFactory(run=run, member=member_a)
    ResultFactory(run=run, member=tricky, score=Decimal("60.0"), grade="C")
    publish(run)
    params = {"cooperative": "nantong", "period": "2025"}

    as_json = results_of(client.get(ASSESSMENTS, params))
    response = client.get(ASSESSMENTS, {**params, "format": "csv"})

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert response["X-Extract-Date"]
    assert "creativecommons.org/licenses/by/4.0" in response["Link"]
    rows = list(csv.DictReader(io.StringIO(response.getvalue().decode("utf-8-sig"))))
    assert {row["credit_code"]: row["score"] for row in rows} == {
        item["credit_code"]: f"{item['score']:.1f}" for item in as_json
    }
    assert {row["credit_code"]: row["grade"] for row in rows} == {
        item["credit_code"]: item["grade"] for item in as_json
    }
    assert set(rows[0]) >= CONTRACT_FIELDS
    names = {row["member_name"] for row in rows}
    assert '\'=HYPERLINK("http://evil.example")' in names
    assert not any(name.startswith("=") for name in names)


@pytest.mark.parametrize(
    ("params", "missing"),
    [
        ({}, ["cooperative", "period"]),
        ({"cooperative": "nantong"}, ["period"]),
        ({"period": "2025"}, ["cooperative"]),
        ({"cooperative": "nantong", "format": "csv"}, ["period"]),
    ],
)
def test_missing_parameters_are_a_400_with_a_clear_message(client, published_run, params, missing):
    response = client.get(ASSESSMENTS, params)

    assert response.status_code == 400
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert body["missing"] == missing
    assert "cooperative=SLUG&period=CODE" in body["detail"]


@pytest.mark.parametrize(
    "params",
    [
        {"cooperative": "nowhere", "period": "2025"},
        {"cooperative": "nantong", "period": "1999"},
        {"cooperative": "nantong", "period": "2025", "revision": "7"},
        {"cooperative": "rice", "period": "2025"},
        {"cooperative": "nowhere", "period": "2025", "format": "csv"},
    ],
)
def test_unknown_cooperative_period_or_revision_is_a_404_in_json(
    client, published_run, other_coop, params
):
    response = client.get(ASSESSMENTS, params)

    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["detail"]


def test_a_revision_that_is_not_a_number_is_a_400(client, published_run):
    response = client.get(
        ASSESSMENTS, {"cooperative": "nantong", "period": "2025", "revision": "x"}
    )

    assert response.status_code == 400
    assert "revision" in response.json()


@pytest.mark.parametrize("status", ["draft", "computing", "failed"])
def test_a_run_that_is_not_published_is_never_visible(client, coop, charter, member_a, status):
    period = PeriodFactory(cooperative=coop, code="2026-H1")
    run = RunFactory(period=period, charter_version=charter, status=AssessmentRun.Status.DRAFT)
    ResultFactory(run=run, member=member_a, score=Decimal("55.5"), grade="D")
    run.status = status
    run.save()

    for params in (
        {"cooperative": "nantong", "period": "2026-H1"},
        {"cooperative": "nantong", "period": "2026-H1", "revision": "0"},
        {"cooperative": "nantong", "period": "2026-H1", "format": "csv"},
    ):
        response = client.get(ASSESSMENTS, params)
        assert response.status_code == 404
        assert b"55.5" not in response.content
    periods = client.get("/api/v1/periods/", {"cooperative": "nantong"})
    assert results_of(periods) == []


def test_a_new_draft_does_not_replace_the_published_result(
    client, personas, published_run, period, charter, member_a
):
    draft = RunFactory(period=period, charter_version=charter)
    ResultFactory(run=draft, member=member_a, score=Decimal("12.3"), grade="D")

    for reader in (client, personas.regulator, personas.administrator):
        response = reader.get(ASSESSMENTS, {"cooperative": "nantong", "period": "2025"})
        assert response.status_code == 200
        assert b"12.3" not in response.content
        assert {item["revision"] for item in results_of(response)} == {1}


def test_a_correction_is_current_and_the_superseded_revision_stays_readable(
    client, published_run, period, charter, member_a
):
    correction = RunFactory(period=period, charter_version=charter)
    ResultFactory(run=correction, member=member_a, score=Decimal("80.0"), grade="B")
    supersede(published_run)
    publish(correction, revision=2, note="一项抽检结果被撤销")

    current = client.get(ASSESSMENTS, {"cooperative": "nantong", "period": "2025"})
    first = client.get(ASSESSMENTS, {"cooperative": "nantong", "period": "2025", "revision": 1})

    assert [(i["score"], i["revision"]) for i in results_of(current)] == [(80.0, 2)]
    assert current.json()["meta"]["revision_note"] == "一项抽检结果被撤销"
    assert {i["revision"] for i in results_of(first)} == {1}
    assert 74.1 in [i["score"] for i in results_of(first)]
    assert first.json()["meta"]["status"] == "superseded"


def test_meta_names_the_extract_date_the_licence_and_the_period(client, published_run):
    meta = client.get(ASSESSMENTS, {"cooperative": "nantong", "period": "2025"}).json()["meta"]

    assert datetime.date.fromisoformat(meta["extract_date"])
    assert meta["licence"] == {
        "name": "CC BY 4.0",
        "url": "https://creativecommons.org/licenses/by/4.0/",
    }
    assert meta["cooperative"] == "nantong"
    assert meta["period"] == "2025"
    assert meta["revision"] == 1
    assert meta["inputs_hash"] == published_run.inputs_hash


def test_cursor_pagination_walks_every_member_exactly_once(client, coop, period, charter):
    members = MemberFactory.create_batch(7, cooperative=coop)
    run = RunFactory(period=period, charter_version=charter)
    for member in members:
        ResultFactory(run=run, member=member)
    publish(run)

    seen: list[str] = []
    response = client.get(ASSESSMENTS, {"cooperative": "nantong", "period": "2025", "page_size": 3})
    pages = 1
    while True:
        body = response.json()
        assert len(body["results"]) <= 3
        seen += [item["credit_code"] for item in body["results"]]
        if not body["next"]:
            break
        assert "cursor=" in body["next"]
        response = client.get(body["next"])
        pages += 1

    assert pages == 3
    assert sorted(seen) == sorted(member.credit_code for member in members)
    assert len(seen) == len(set(seen))


def test_grade_and_status_filters_narrow_the_list(client, published_run, member_b):
    by_grade = client.get(ASSESSMENTS, {"cooperative": "nantong", "period": "2025", "grade": "A"})
    by_status = client.get(
        ASSESSMENTS, {"cooperative": "nantong", "period": "2025", "status": "no_pledge"}
    )
    bad = client.get(ASSESSMENTS, {"cooperative": "nantong", "period": "2025", "grade": "Z"})

    assert [i["credit_code"] for i in results_of(by_grade)] == [member_b.credit_code]
    assert [i["status"] for i in results_of(by_status)] == ["no_pledge"]
    assert bad.status_code == 400


def test_periods_list_only_published_periods_with_their_current_revision(
    client, published_run, draft_period, other_coop
):
    response = client.get("/api/v1/periods/")
    unknown = client.get("/api/v1/periods/", {"cooperative": "nowhere"})
    other = client.get("/api/v1/periods/", {"cooperative": "rice"})

    assert [
        (p["cooperative"], p["code"], p["revision"], p["status"]) for p in results_of(response)
    ] == [("nantong", "2025", 1, "published")]
    assert unknown.status_code == 404
    assert results_of(other) == []


def test_members_have_public_fields_only(client, coop, member_a):
    MemberFactory(cooperative=coop, status=Member.Status.APPLICANT, name="申请中的商行")

    response = client.get("/api/v1/members/", {"cooperative": "nantong"})

    assert response.status_code == 200
    items = results_of(response)
    assert [item["name"] for item in items] == ["南通甲家纺有限公司"]
    assert set(items[0]) == {
        "cooperative",
        "credit_code",
        "name",
        "name_en",
        "kind",
        "scale",
        "status",
        "joined_on",
        "left_on",
    }
    text = response.content.decode()
    for private in (member_a.phone, member_a.email, member_a.contact_person, member_a.address):
        assert private not in text
    as_csv = client.get("/api/v1/members/", {"cooperative": "nantong", "format": "csv"})
    csv_text = as_csv.getvalue().decode("utf-8-sig")
    assert member_a.phone not in csv_text
    assert member_a.credit_code in csv_text


def test_published_pledges_come_with_their_commitments(client, member_a, member_b):
    published_pledge(
        member_a, {Commitment.Kind.PASS_RATE: "95.0", Commitment.Kind.RESPONSE_DAYS: "3"}
    )
    PledgeFactory(member=member_b, status="draft", published_on=None, statement="草稿")

    response = client.get("/api/v1/pledges/", {"cooperative": "nantong"})
    as_csv = client.get("/api/v1/pledges/", {"cooperative": "nantong", "format": "csv"})

    items = results_of(response)
    assert [(i["credit_code"], i["version"]) for i in items] == [(member_a.credit_code, 1)]
    assert sorted((c["kind"], c["target"]) for c in items[0]["commitments"]) == [
        ("pass_rate", 95.0),
        ("response_days", 3.0),
    ]
    assert "草稿" not in response.content.decode()
    rows = list(csv.DictReader(io.StringIO(as_csv.getvalue().decode("utf-8-sig"))))
    assert rows[0]["pass_rate"] == "95.0"
    assert rows[0]["response_days"] == "3.0"
    assert rows[0]["resolution_days"] == ""


def _inspection(coop, member, number, **fields):
    category, _ = TestCategory.objects.get_or_create(
        cooperative=coop, code="bedding", defaults={"name_zh": "床上用品"}
    )
    defaults = {
        "product": "四件套",
        "sampled_on": datetime.date(2025, 3, 1),
        "reported_on": datetime.date(2025, 3, 20),
        "verdict": "pass",
    }
    return Inspection.objects.create(
        cooperative=coop,
        member=member,
        category=category,
        report_no=f"R-{number}",
        **{**defaults, **fields},
    )


def test_inspection_statistics_count_final_spot_checks_per_year(client, coop, member_a):
    _inspection(coop, member_a, 1)
    _inspection(coop, member_a, 2)
    _inspection(
        coop,
        member_a,
        3,
        verdict="fail",
        severity="critical",
        rectified_on=datetime.date(2025, 5, 1),
    )
    _inspection(coop, member_a, 4, verdict="fail", severity="minor", status="voided")
    _inspection(coop, member_a, 5, kind="commissioned")
    _inspection(
        coop,
        member_a,
        6,
        sampled_on=datetime.date(2024, 6, 1),
        reported_on=datetime.date(2024, 6, 9),
    )

    response = client.get("/api/v1/statistics/inspections/", {"cooperative": "nantong"})
    one_year = client.get("/api/v1/statistics/inspections/", {"year": 2025, "format": "csv"})

    rows = {row["year"]: row for row in results_of(response)}
    assert rows[2025]["inspections"] == 3
    assert rows[2025]["passed"] == 2
    assert rows[2025]["failed_critical"] == 1
    assert rows[2025]["rectified"] == 1
    assert rows[2025]["pass_rate"] == 66.7
    assert rows[2025]["rectification_rate"] == 100.0
    assert rows[2024]["pass_rate"] == 100.0
    assert "meta" in response.json()
    # The public statistics page shows the same rates, rounded the same way.
    page = {row.year: float(row.overall.rate) for row in pass_rates(coop).years}
    assert page == {year: row["pass_rate"] for year, row in rows.items()}
    lines = list(csv.DictReader(io.StringIO(one_year.getvalue().decode("utf-8-sig"))))
    assert [(line["cooperative"], line["year"], line["pass_rate"]) for line in lines] == [
        ("nantong", "2025", "66.7")
    ]


def test_complaint_statistics_count_and_rate_per_year(client, coop, member_a):
    day = datetime.date(2025, 4, 1)
    Complaint.objects.create(
        cooperative=coop,
        member=member_a,
        reference="C1",
        received_on=day,
        accepted_on=day,
        responded_on=day,
        resolved_on=day,
        upheld_on=day,
        status="resolved",
        summary="王女士 13900000000",
    )
    Complaint.objects.create(
        cooperative=coop,
        member=member_a,
        reference="C2",
        received_on=day,
        accepted_on=day,
        status="accepted",
    )
    Complaint.objects.create(
        cooperative=coop, member=member_a, reference="C3", received_on=day, status="rejected"
    )

    response = client.get("/api/v1/statistics/complaints/", {"cooperative": "nantong"})

    [row] = results_of(response)
    assert (row["received"], row["accepted"], row["rejected"]) == (3, 2, 1)
    assert (row["answered"], row["resolved"], row["upheld"]) == (1, 1, 1)
    assert (row["answer_rate"], row["upheld_rate"]) == (50.0, 50.0)
    assert "13900000000" not in response.content.decode()


@pytest.mark.parametrize(
    ("url", "params", "status"),
    [
        ("/api/v1/statistics/complaints/", {"year": "soon"}, 400),
        ("/api/v1/statistics/inspections/", {"cooperative": "nowhere"}, 404),
        ("/api/v1/members/", {"cooperative": "nowhere"}, 404),
        ("/api/v1/pledges/", {"cooperative": "nowhere", "format": "csv"}, 404),
    ],
)
def test_bad_statistics_and_list_parameters_are_refused_in_json(client, coop, url, params, status):
    response = client.get(url, params)

    assert response.status_code == status
    assert response["Content-Type"].startswith("application/json")


def test_the_api_is_read_only(client, published_run):
    response = client.post(ASSESSMENTS + "?cooperative=nantong&period=2025", {})

    assert response.status_code == 405


def test_anonymous_clients_are_throttled(client, published_run, monkeypatch):
    monkeypatch.setattr(ClientRateThrottle, "rate", "3/minute", raising=False)
    params = {"cooperative": "nantong", "period": "2025"}

    statuses = [client.get(ASSESSMENTS, params).status_code for _ in range(4)]

    assert statuses == [200, 200, 200, 429]


def test_the_list_keeps_a_constant_number_of_queries(
    client, coop, period, charter, django_assert_num_queries
):
    run = RunFactory(period=period, charter_version=charter)
    for member in MemberFactory.create_batch(20, cooperative=coop):
        ResultFactory(run=run, member=member)
    publish(run)
    params = {"cooperative": "nantong", "period": "2025"}

    # Cooperative, period, run, the facts changed since publication, page of results.
    with django_assert_num_queries(5):
        response = client.get(ASSESSMENTS, params)
    assert len(results_of(response)) == 20
    assert MemberAssessment.objects.filter(run=run).count() == 20


def test_metrics_count_the_runs_that_stopped_computing(client, period, charter):
    run = RunFactory(period=period, charter_version=charter, status=AssessmentRun.Status.COMPUTING)
    assert "coop_portal_assessment_runs_stalled 0.0" in client.get("/metrics").content.decode()
    AssessmentRun.objects.filter(pk=run.pk).update(
        started_at=timezone.now() - datetime.timedelta(minutes=30)
    )
    assert "coop_portal_assessment_runs_stalled 1.0" in client.get("/metrics").content.decode()


def test_with_the_cache_down_the_open_data_is_still_served(
    client, published_run, cache_unreachable
):
    """Finding F2: every list answered an HTML 500 when the throttle could not reach the
    cache."""
    params = {"cooperative": "nantong", "period": "2025"}
    for url in (ASSESSMENTS, "/api/v1/members/", "/api/v1/periods/"):
        response = client.get(url, params)
        assert response.status_code == 200, (url, response.content[:200])
        assert response["Content-Type"].startswith("application/json")
