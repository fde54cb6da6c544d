"""Every malformed file of the corpus is refused by every importer, named, and writes nothing.

The importers are driven through their real entry points on the shared contract
(coop_portal/csvimport.py): members, pledges and complaints through ``run_import``,
inspections and the lab's item results through ``import_inspections``. Each importer's good
file is checked first, so a refusal below is the defect's and not the sample's.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.apps import apps
from django.utils import translation

from complaints.importers import ComplaintImporter
from coop_portal.csvimport import ImportReport, run_import
from inspections.services import import_inspections
from members.importers import MembersImporter
from pledges.importers import PledgeImporter
from tests.factories import credit_code_for
from tests.pledges.pledge_factories import accept
from tests.security.csv_corpus import CASES, Case, Sample, members_sample

pytestmark = pytest.mark.django_db

INSPECTION_COLUMNS = [
    "report_no",
    "credit_code",
    "product",
    "category",
    "sampled_on",
    "reported_on",
    "verdict",
    "severity",
    "lab",
    "rectified_on",
]


@dataclass
class Target:
    sample: Sample
    run: Callable[[bytes], list[ImportReport]]


def _inspection_row(credit_code: str) -> dict[str, str]:
    return {
        "report_no": "NT2025-0001",
        "credit_code": credit_code,
        "product": "全棉四件套",
        "category": "bedding",
        "sampled_on": "2025-03-01",
        "reported_on": "2025-03-10",
        "verdict": "pass",
        "severity": "",
        "lab": "国家家纺检测中心",
        "rectified_on": "",
    }


def _targets(coop, member_a) -> dict[str, Target]:
    code = member_a.credit_code

    def direct(importer: Callable[[], object]) -> Callable[[bytes], list[ImportReport]]:
        return lambda content: [run_import(importer(), io.BytesIO(content))]  # type: ignore[arg-type]

    good_inspections = Sample(
        INSPECTION_COLUMNS, _inspection_row(code), text="product", date="sampled_on"
    )

    def inspections(content: bytes) -> list[ImportReport]:
        outcome = import_inspections(coop, io.BytesIO(content))
        return [outcome.report]

    def item_results(content: bytes) -> list[ImportReport]:
        # A good inspections file carries the malformed item-results file of the same upload.
        reports = io.BytesIO(good_inspections.file(good_inspections.line()).encode())
        outcome = import_inspections(coop, reports, items_stream=io.BytesIO(content))
        assert outcome.items_report is not None
        return [outcome.items_report, outcome.report]

    return {
        "members": Target(
            members_sample(credit_code_for(987_654)),
            direct(lambda: MembersImporter(coop)),
        ),
        "pledges": Target(
            Sample(
                [
                    "credit_code",
                    "version",
                    "published_on",
                    "withdrawn_on",
                    "pass_rate",
                    "response_days",
                    "resolution_days",
                    "rectification_days",
                    "statement",
                ],
                {
                    "credit_code": code,
                    "version": "1",
                    "published_on": "2024-01-01",
                    "withdrawn_on": "",
                    "pass_rate": "95.0",
                    "response_days": "3",
                    "resolution_days": "15",
                    "rectification_days": "30",
                    "statement": "我们承诺产品质量符合标准。",
                },
                text="statement",
                date="published_on",
            ),
            direct(lambda: PledgeImporter(coop)),
        ),
        "inspections": Target(good_inspections, inspections),
        "item-results": Target(
            # The file has no date column: the date cases go to the pass/fail column.
            Sample(
                ["report_no", "item", "measured_value", "limit", "result"],
                {
                    "report_no": "NT2025-0001",
                    "item": "ph",
                    "measured_value": "6.5",
                    "limit": "",
                    "result": "pass",
                },
                text="measured_value",
                date="result",
            ),
            item_results,
        ),
        "complaints": Target(
            Sample(
                [
                    "reference",
                    "credit_code",
                    "received_on",
                    "accepted_on",
                    "rejected",
                    "responded_on",
                    "resolved_on",
                    "upheld_on",
                    "summary",
                ],
                {
                    "reference": "TS-2025-0001",
                    "credit_code": code,
                    "received_on": "2025-01-02",
                    "accepted_on": "2025-01-03",
                    "rejected": "no",
                    "responded_on": "2025-01-04",
                    "resolved_on": "",
                    "upheld_on": "",
                    "summary": "床单起球",
                },
                text="summary",
                date="received_on",
            ),
            direct(lambda: ComplaintImporter(coop)),
        ),
    }


IMPORTERS = ["members", "pledges", "inspections", "item-results", "complaints"]
WATCHED_APPS = ["members", "charter", "inspections", "complaints", "pledges"]


def _row_counts() -> dict[str, int]:
    return {
        model._meta.label: model._default_manager.count()
        for label in WATCHED_APPS
        for model in apps.get_app_config(label).get_models()
    }


@pytest.fixture
def targets(coop, member_a, catalogue) -> dict[str, Target]:
    accept(member_a)
    return _targets(coop, member_a)


def test_the_corpus_has_at_least_thirty_files():
    assert len(CASES) >= 30
    assert len({case.name for case in CASES}) == len(CASES)


@pytest.mark.parametrize("importer", IMPORTERS)
def test_each_importers_good_sample_is_accepted(targets, importer):
    target = targets[importer]
    content = target.sample.file(target.sample.line()).encode()
    with translation.override("en"):
        reports = target.run(content)
    assert all(report.ok for report in reports), [str(e) for r in reports for e in r.errors]


@pytest.mark.parametrize("importer", IMPORTERS)
@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_a_malformed_file_is_refused_with_its_line_and_column_and_nothing_is_written(
    targets, importer: str, case: Case
):
    target = targets[importer]
    content, expected = case.build(target.sample)
    before = _row_counts()
    with translation.override("en"):
        reports = target.run(content)
        messages = [str(error) for report in reports for error in report.errors]
    refused = [report for report in reports if not report.ok]
    assert refused, f"{case.name} was accepted by the {importer} import"
    assert not any(report.written for report in reports)
    assert _row_counts() == before
    problems = refused[0].errors
    assert all(message.startswith("Line ") for message in messages), messages
    assert any(problem.line == expected.line for problem in problems), messages
    if expected.column is not None:
        assert any(
            problem.line == expected.line and problem.column == expected.column
            for problem in problems
        ), messages
