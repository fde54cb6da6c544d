"""Members and administrators are told: a published period (with the objection deadline), a
decided objection, a one-stop service request that moves, and the daily digest of proposals,
each through the outbox in the recipient's language, once."""

from __future__ import annotations

import datetime

from charter.models import ExitCase, ExitStep
from charter.services import send_proposal_digest
from charter.tasks import send_proposal_digests
from coop_portal.models import OutboxEmail
from inspections.services import request_service, update_service
from pledges.assessment import notifications, services
from pledges.models.assessment import MemberObjection

from .conftest import publish
from .test_publication import rated_member

D = datetime.date


def mail_to(address: str) -> list[OutboxEmail]:
    return [email for email in OutboxEmail.objects.order_by("pk") if address in email.to]


def test_publication_tells_each_member_its_result_and_objection_deadline_in_its_language(
    coop, charter, member_a, member_user_a, freeze_today, django_capture_on_commit_callbacks
):
    member_user_a.language = "en"
    member_user_a.save(update_fields=["language"])
    freeze_today(D(2026, 2, 1))
    rated_member(coop, grade="D")
    with django_capture_on_commit_callbacks(execute=True):
        run = publish(coop, "2025")
    english = mail_to(member_user_a.email)
    assert len(english) == 1
    assert "year 2025" in english[0].subject
    # Seven working days after Sunday 1 February 2026.
    assert "10 February 2026" in english[0].body
    assert f"/objection/{run.pk}/" in english[0].body
    # The member's own address belongs to no user: the e-mail to it is in Chinese.
    chinese = mail_to(member_a.email)
    assert len(chinese) == 1
    assert member_user_a.email not in chinese[0].to
    assert "2025年度" in chinese[0].subject
    before = OutboxEmail.objects.count()
    assert notifications.notify_publication(run.pk) == 0
    assert OutboxEmail.objects.count() == before


def test_a_draft_notifies_nobody(coop, charter, member_a):
    from .conftest import compute

    assert notifications.notify_publication(compute(coop, "2025").pk) == 0
    assert not OutboxEmail.objects.exists()


def test_a_decided_objection_is_told_to_the_member(
    coop, charter, member_a, member_user_a, regulator, freeze_today
):
    freeze_today(D(2026, 2, 1))
    run = publish(coop, "2025")
    objection = services.lodge_objection(run, member_a, text="Report R1 is not ours.", by=None)
    OutboxEmail.objects.all().delete()
    services.decide_objection(objection, decision="dismissed", note="It is yours.", by=regulator)
    (email,) = mail_to(member_user_a.email)
    assert "It is yours." in email.body
    assert MemberObjection.objects.get().decision == "dismissed"


def test_a_service_request_that_moves_is_told_to_the_member_once(
    coop, lab, member_a, member_user_a, lab_user
):
    service = request_service(member_a, lab=lab, product="枕芯", question="?", by=lab_user)
    update_service(service, note="Noted.", advance=False, by=lab_user)
    assert mail_to(member_user_a.email) == []
    update_service(service, note="Plan agreed.", advance=True, by=lab_user)
    (email,) = mail_to(member_user_a.email)
    assert "枕芯" in email.subject
    assert "Plan agreed." in email.body


def test_the_daily_digest_tells_administrators_of_waiting_proposals_once_a_day(
    coop, charter, member_a, administrator, other_administrator
):
    assert send_proposal_digests.delay().get() == 0
    case = ExitCase.objects.create(member=member_a)
    ExitStep.objects.create(case=case, kind="warning", reason="Grade D in 2025.")
    ExitStep.objects.create(case=case, kind="suspension", reason="Two critical failures.")
    assert send_proposal_digests.delay().get() == 1
    (email,) = mail_to(administrator.email)
    assert "2" in email.subject
    assert mail_to(other_administrator.email) == []
    # The same day, nothing more.
    assert send_proposal_digest(coop) == 0
    assert send_proposal_digest(coop, on=coop.today() + datetime.timedelta(days=1)) == 1
