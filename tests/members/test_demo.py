import pytest

from members import demo
from members.credit_code import problem
from members.models import (
    Conversion,
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
    StatusChange,
    QualityOfficer,
    TrainingRecord,
    Pairing,
    ShadowVisit,
    Conversion,
    TrademarkLicence,
    Initiator,
]


def test_the_demo_is_a_realistic_cooperative_and_can_be_loaded_twice():
    cooperative = demo.load()
    members = Member.objects.filter(cooperative=cooperative)
    assert members.count() >= 30
    assert set(members.values_list("status", flat=True)) == set(Member.Status.values)
    assert set(members.values_list("kind", flat=True)) == set(Member.Kind.values)
    assert set(members.values_list("scale", flat=True)) == {"", "sme", "above_scale"}
    assert set(cooperative.initiators.values_list("kind", flat=True)) == set(Initiator.Kind.values)
    assert all(problem(code) is None for code in members.values_list("credit_code", flat=True))
    left = members.exclude(status__in=["active", "applicant"])
    assert all(member.status_changes.exists() for member in left)
    counts = [model.objects.count() for model in MODELS]
    assert all(counts)
    demo.load()
    assert [model.objects.count() for model in MODELS] == counts
