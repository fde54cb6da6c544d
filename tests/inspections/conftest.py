from __future__ import annotations

import io

import pytest

from charter.setup import setup_charter
from inspections.models import LabApiToken, TestCategory
from inspections.services import issue_api_token
from inspections.setup import setup_catalogue


@pytest.fixture
def catalogue(coop) -> dict[str, TestCategory]:
    """The cooperative with its charter in force and the home-textile catalogue."""
    setup_charter(coop)
    setup_catalogue(coop, "home-textiles")
    return {category.code: category for category in coop.test_categories.all()}


@pytest.fixture
def other_catalogue(other_coop) -> dict[str, TestCategory]:
    setup_charter(other_coop)
    setup_catalogue(other_coop, "home-textiles")
    return {category.code: category for category in other_coop.test_categories.all()}


@pytest.fixture
def api_secret(coop, lab, catalogue) -> str:
    return issue_api_token(LabApiToken(lab=lab, cooperative=coop, name="LIMS"))


HEADER = "report_no,credit_code,product,category,sampled_on,reported_on,verdict,severity,lab,rectified_on"


def csv_file(*rows: str, header: str = HEADER) -> io.BytesIO:
    return io.BytesIO(("\n".join([header, *rows]) + "\n").encode())
