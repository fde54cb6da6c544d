import pytest

from complaints import demo
from complaints.models import Complaint, ComplaintEvent, Evidence, SatisfactionFeedback
from tests.factories import MemberFactory

pytestmark = pytest.mark.django_db


def test_the_demo_holds_complaints_at_every_stage_and_loads_twice_without_change(coop):
    MemberFactory.create_batch(5, cooperative=coop)
    demo.load(coop)
    counts = (
        Complaint.objects.count(),
        ComplaintEvent.objects.count(),
        Evidence.objects.count(),
        SatisfactionFeedback.objects.count(),
    )
    demo.load(coop)
    assert counts == (
        Complaint.objects.count(),
        ComplaintEvent.objects.count(),
        Evidence.objects.count(),
        SatisfactionFeedback.objects.count(),
    )
    assert set(Complaint.objects.values_list("status", flat=True)) == set(Complaint.Status.values)
    assert Complaint.objects.filter(upheld_on__isnull=False).exists()
    late = [
        c for c in Complaint.objects.all() if c.responded_on and c.answer_is_late(c.responded_on)
    ]
    assert late
    closed = Complaint.objects.filter(closed_on__isnull=False).exclude(received_on__year=2026)
    assert {c.received_on.year for c in closed} == {2024, 2025}
    assert Evidence.objects.count() == 1
    assert SatisfactionFeedback.objects.exists()
    complaint = Complaint.objects.first()
    assert complaint.check_tracking_code(demo.DEMO_TRACKING_CODE)


def test_the_demo_does_nothing_without_members(coop):
    demo.load(coop)
    assert not Complaint.objects.exists()
