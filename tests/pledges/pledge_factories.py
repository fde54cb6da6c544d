"""Test data for the pledge, portal and account tests (tests/pledges/test_pledge_*.py …)."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import pytest

from charter.models import CharterVersion
from charter.services import accept_charter
from charter.setup import setup_charter
from members.models import Cooperative, Member
from pledges.models.pledge import Commitment, Pledge

MINIMUMS = {
    "pass_rate": Decimal("90.0"),
    "response_days": Decimal(7),
    "resolution_days": Decimal(30),
    "rectification_days": Decimal(60),
}
STRICT = {
    "pass_rate": Decimal("95.0"),
    "response_days": Decimal(3),
    "resolution_days": Decimal(15),
    "rectification_days": Decimal(30),
}


def charter_for(cooperative: Cooperative) -> CharterVersion:
    """The default charter in force from 2000-01-01 with SCORING.md's policy."""
    return setup_charter(cooperative)


def accept(member: Member) -> None:
    version = charter_for(member.cooperative)
    accept_charter(member, version, signatory_name="王经理", by=None)


def make_pledge(
    member: Member,
    version: int = 1,
    *,
    status: str = Pledge.Status.DRAFT,
    published_on: datetime.date | None = None,
    withdrawn_on: datetime.date | None = None,
    targets: dict[str, Decimal] | None = None,
    signatory_name: str = "王经理",
) -> Pledge:
    pledge = Pledge.objects.create(
        member=member,
        version=version,
        statement="我们承诺按标准生产。",
        promises="七天无理由退货。",
        signatory_name=signatory_name,
    )
    Commitment.objects.bulk_create(
        Commitment(pledge=pledge, kind=kind, target=target)
        for kind, target in (targets or MINIMUMS).items()
    )
    if status != Pledge.Status.DRAFT or published_on or withdrawn_on:
        pledge.status = status
        pledge.published_on = published_on
        pledge.withdrawn_on = withdrawn_on
        pledge.save()
    return pledge


def published(
    member: Member,
    version: int = 1,
    on: datetime.date = datetime.date(2024, 1, 1),
    **kwargs: object,
) -> Pledge:
    return make_pledge(
        member,
        version,
        status=Pledge.Status.PUBLISHED,
        published_on=on,
        **kwargs,  # type: ignore[arg-type]
    )


@pytest.fixture(autouse=True)
def fast_passwords(settings: Any) -> None:
    """A fast password hasher for these tests: the personas' passwords are hashed per test.

    Imported into each test module of the pledges, portal and accounts tests (autouse there).
    """
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
