"""The admin's change forms never bypass the workflow: records are read-only there, or changed
with the same rules and history (who, when, old → new, why) as on the pages."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse

from complaints.models import Complaint, ComplaintEvent
from complaints.services import accept_complaint
from inspections.models import Inspection, Objection, Rectification
from inspections.services import raise_objection, settle_inspection
from tests.complaints.factories import ComplaintFactory
from tests.factories import MemberFactory
from tests.inspections.test_history import change, change_form, stored  # noqa: F401

pytestmark = pytest.mark.django_db


@pytest.fixture
def complaint(coop, member_a, administrator) -> Complaint:
    complaint = ComplaintFactory(cooperative=coop, member=member_a, received_on=coop.today())
    ComplaintEvent.objects.create(
        complaint=complaint, kind=ComplaintEvent.Kind.RECEIVED, on=coop.today()
    )
    return accept_complaint(complaint, administrator)


def test_a_complaint_cannot_be_resolved_moved_or_stripped_of_its_events_in_the_admin(
    personas, coop, complaint
):
    other = MemberFactory(cooperative=coop)
    events = list(complaint.events.values_list("pk", "kind"))
    url = reverse("admin:complaints_complaint_change", args=[complaint.pk])
    page = personas.administrator.get(url)
    assert page.status_code == 200
    assert 'name="status"' not in page.content.decode()
    response = personas.administrator.post(
        url,
        {
            "status": Complaint.Status.RESOLVED,
            "member": other.pk,
            "resolved_on": coop.today().isoformat(),
            "events-TOTAL_FORMS": "1",
            "events-INITIAL_FORMS": "1",
            "events-0-id": events[0][0],
            "events-0-complaint": complaint.pk,
            "events-0-DELETE": "on",
        },
    )
    assert response.status_code == 403
    stored_complaint = Complaint.objects.get(pk=complaint.pk)
    assert (stored_complaint.status, stored_complaint.member_id) == (
        complaint.status,
        complaint.member_id,
    )
    assert stored_complaint.resolved_on is None
    assert list(complaint.events.values_list("pk", "kind")) == events
    delete = reverse("admin:complaints_complaint_delete", args=[complaint.pk])
    assert personas.administrator.post(delete, {"post": "yes"}).status_code == 403
    assert Complaint.objects.filter(pk=complaint.pk).exists()


def test_rectified_on_is_not_changed_in_the_admin_without_a_reason(personas, stored):  # noqa: F811
    response = change(personas, stored, rectified_on="2025-04-01")
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["change_reason"]
    stored.refresh_from_db()
    assert stored.rectified_on is None


def test_a_severity_changed_in_the_admin_keeps_who_when_old_new_and_why(
    personas,
    stored,  # noqa: F811
    administrator,
):
    response = change(personas, stored, severity="minor", change_reason="复核降级")
    assert response.status_code == 302
    latest = stored.history.first()
    assert (latest.prev_record.severity, latest.severity) == ("major", "minor")
    assert latest.history_user == administrator
    assert latest.history_change_reason == "admin: 复核降级"


def test_a_changed_measured_value_in_the_admin_needs_a_reason(personas, stored):  # noqa: F811
    response = change(personas, stored, **{"items-0-measured_value": "113"})
    assert response.status_code == 200
    assert stored.items.get().measured_value == "112"


def test_an_inspection_cannot_be_deleted_in_the_admin(personas, stored):  # noqa: F811
    url = reverse("admin:inspections_inspection_delete", args=[stored.pk])
    assert personas.administrator.post(url, {"post": "yes"}).status_code == 403
    assert Inspection.objects.filter(pk=stored.pk).exists()


def test_a_rectification_deadline_is_not_edited_in_the_admin(personas, stored):  # noqa: F811
    rectification = settle_inspection(stored)
    assert rectification is not None
    url = reverse("admin:inspections_rectification_change", args=[rectification.pk])
    response = personas.administrator.post(
        url,
        {
            "deadline": "2030-01-01",
            "actions-TOTAL_FORMS": "0",
            "actions-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 403
    assert Rectification.objects.get().deadline == rectification.deadline


def test_an_objection_is_not_deleted_or_decided_in_the_admin(
    personas,
    stored,  # noqa: F811
    member_user_a,
):
    objection = raise_objection(
        stored, reason="样品封存不当", by=member_user_a, on=datetime.date(2025, 3, 12)
    )
    change_url = reverse("admin:inspections_objection_change", args=[objection.pk])
    assert personas.administrator.post(change_url, {"status": "upheld"}).status_code == 403
    delete = reverse("admin:inspections_objection_delete", args=[objection.pk])
    assert personas.administrator.post(delete, {"post": "yes"}).status_code == 403
    assert Objection.objects.get().status == Objection.Status.PENDING
