import pytest

from members import demo
from members.credit_code import problem
from members.models import (
    Initiator,
    Member,
    Pairing,
    QualityOfficer,
    ShadowVisit,
    StatusChange,
    TrademarkLicence,
    TrainingRecord,
)

pytestmark = pytest.mark.django_db

MODELS = [
    Member,
    QualityOfficer,
    TrainingRecord,
    Pairing,
    ShadowVisit,
    TrademarkLicence,
    Initiator,
]


def test_the_demo_is_a_realistic_cooperative_and_can_be_loaded_twice():
    cooperative = demo.load()
    members = Member.objects.filter(cooperative=cooperative)
    assert members.count() >= 30
    # Warnings, suspensions, removals, withdrawals and the conversion are the charter's demo
    # (tests/charter/test_demo.py): they are steps of the exit mechanism.
    assert set(members.values_list("status", flat=True)) == {"active", "applicant"}
    assert not StatusChange.objects.exists()
    assert set(members.values_list("kind", flat=True)) == set(Member.Kind.values)
    assert set(members.values_list("scale", flat=True)) == {"", "sme", "above_scale"}
    assert set(cooperative.initiators.values_list("kind", flat=True)) == set(Initiator.Kind.values)
    assert all(problem(code) is None for code in members.values_list("credit_code", flat=True))
    counts = [model.objects.count() for model in MODELS]
    assert all(counts)
    demo.load()
    assert [model.objects.count() for model in MODELS] == counts
