"""The demo's member logins each have something open to do, a different thing for each: a
complaint to answer, a spot-check result to object to, a warning to appeal, a returned pledge
to revise. Each is made through the services real users go through, dated by the day the demo
is loaded, open by the portal's own deadlines, shown on the member's pages (where the member
can act on it) and told in the printed login list."""

from __future__ import annotations

import datetime
import re
from io import StringIO

import pytest
from django.conf import settings
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.html import escape
from django.utils.translation import gettext

from charter.deadlines import commitment_days, pledged_days
from charter.models import Appeal, AppealEvidence, ExitCase, ExitStep
from charter.services import appeal_deadline
from complaints.models import Complaint
from conftest import logged_in
from coop_portal.models import OutboxEmail
from inspections.models import Inspection, Objection, ObjectionEvidence
from inspections.services import objection_window_days
from members.models import Cooperative, Member, MemberNotice, User
from pledges.demo import OWNER_EMAIL, TEAMS
from pledges.models.assessment import AssessmentRun
from pledges.models.pledge import Pledge
from tests.complaints.factories import PDF, image_bytes, upload

pytestmark = pytest.mark.django_db

LOGIN = re.compile(r"^  (.+)[:：] ?(\S+@\S+) / (\S+)$", re.MULTILINE)


def load() -> dict[str, str]:
    """Load the demo; the printed logins, e-mail → who (with what the login has to do)."""
    out = StringIO()
    # As `make run` prints them: in the default language (a test's requests leave theirs active).
    with translation.override(settings.LANGUAGE_CODE):
        call_command("demo", stdout=out)
    return {email: who for who, email, _password in LOGIN.findall(out.getvalue())}


def owner(number: int) -> tuple[User, Member]:
    user = User.objects.get(email=OWNER_EMAIL.format(number=number))
    return user, user.roles.get(is_owner=True).member


def notified(member: Member, key: str, page: str) -> bool:
    """The member's notices hold the e-mail sent with this key, and its notifications page
    lists it."""
    notice = MemberNotice.objects.filter(member=member, group=key).select_related("email").get()
    return escape(notice.email.redacted_subject()) in page


def plain(member: Member) -> str:
    """How a member login without work to do is printed (in the default language, as load()
    reads the logins)."""
    with translation.override(settings.LANGUAGE_CODE):
        return gettext("member %(name)s") % {"name": member.display_name}


def has_work(who: str, member: Member) -> bool:
    return who.startswith(plain(member)) and who != plain(member)


def files() -> list:
    return [upload("现场照片.jpg", image_bytes("JPEG")), upload("检测报告.pdf", PDF)]


def local_day(moment: datetime.datetime) -> datetime.date:
    return timezone.localtime(moment).date()


def check_the_story_holds_together(cooperative: Cooperative, loaded_from: datetime.datetime):
    """What the demo records says agrees with itself and with the portal's rules."""
    today = cooperative.today()
    # Every exit case was opened on or before its first step, each step proposed on or before
    # it took effect, and appealed on or after that.
    for case in ExitCase.objects.filter(member__cooperative=cooperative).prefetch_related("steps"):
        steps = list(case.steps.all())
        assert steps
        assert local_day(case.opened_at) <= min(local_day(step.proposed_at) for step in steps)
        for step in steps:
            if step.decided_on is not None:
                assert local_day(step.proposed_at) <= step.decided_on
    for appeal in Appeal.objects.filter(step__case__member__cooperative=cooperative):
        assert appeal.step.decided_on is not None
        assert appeal.lodged_on >= appeal.step.decided_on
    # No e-mail dated the day of loading invites an objection or an appeal whose time is up:
    # the demo's past events are told on their own days.
    for email in OutboxEmail.objects.filter(created_at__gte=loaded_from):
        kind, _sep, rest = email.key.partition(":")
        if kind == "assessment-published":
            run = AssessmentRun.objects.get(pk=rest.split(":")[0])
            assert run.notice_ends_on is not None
            assert run.notice_ends_on >= today, email.key
        if kind == "exit-step":
            step = ExitStep.objects.get(pk=rest.split(":")[0])
            until = appeal_deadline(step)
            assert until is None or until >= today, email.key
    # The past result's e-mails carry the day it was published; the past objection decision's,
    # the day it was decided.
    assert OutboxEmail.objects.filter(
        key__startswith="assessment-published:", created_at__lt=loaded_from
    ).exists()
    decided = OutboxEmail.objects.filter(key__startswith="objection-decided:")
    assert decided.exists()
    assert not decided.filter(created_at__gte=loaded_from).exists()
    # Every demo complaint's deadlines are what the rule gives on its day of acceptance, and
    # say "pledged" exactly when the member pledged them.
    for complaint in Complaint.objects.filter(
        cooperative=cooperative, accepted_on__isnull=False
    ).select_related("member"):
        accepted = complaint.accepted_on
        assert accepted is not None
        for kind, due in (
            ("response_days", complaint.response_due_on),
            ("resolution_days", complaint.resolution_due_on),
        ):
            assert due is not None
            assert due == accepted + datetime.timedelta(
                days=commitment_days(complaint.member, kind, accepted)
            ), (complaint.reference, kind)
        deadline = complaint.response_deadline
        assert deadline is not None
        says_pledged = "pledged" in str(deadline.basis)
        is_pledged = pledged_days(complaint.member, "response_days", accepted) is not None
        assert says_pledged == is_pledged, (complaint.reference, deadline.basis)
    # owner1's open complaints answer to the days it pledged, the one the demo made and the
    # one filed through the form alike.
    _user, first = owner(1)
    pledged = pledged_days(first, "response_days", today)
    assert pledged is not None
    recent = Complaint.objects.filter(member=first, accepted_on__gte=today - datetime.timedelta(7))
    assert recent.count() >= 2
    assert {c.response_deadline.days for c in recent if c.response_deadline} == {pledged}


def test_each_member_login_has_open_work_of_its_own_that_its_pages_let_it_do():
    loaded_from = timezone.now()
    logins = load()
    cooperative = Cooperative.objects.get(slug="nantong-home-textiles")
    today = cooperative.today()
    with translation.override("en"):
        check_the_story_holds_together(cooperative, loaded_from)
    owners = [owner(number) for number in range(1, TEAMS + 1)]
    assert len({member.pk for _user, member in owners}) == TEAMS
    # Every member login printed says what it has to do, each something else.
    said = [logins[user.email] for user, _member in owners]
    assert all(has_work(who, member) for who, (_user, member) in zip(said, owners, strict=True))
    work = {
        who.removeprefix(plain(member)) for who, (_user, member) in zip(said, owners, strict=True)
    }
    assert len(work) == TEAMS

    # owner1: a complaint forwarded to it, waiting for its answer, due after today.
    user, member = owners[0]
    complaint = Complaint.objects.forwarded().awaiting_answer().get(member=member)
    assert complaint.status == Complaint.Status.FORWARDED
    assert not complaint.answer_is_late(today)
    assert complaint.response_due_on >= today
    assert complaint.reference in logins[user.email]
    assert complaint.evidence.exists()
    client = logged_in(user)
    detail = reverse("complaints:member_detail", args=[complaint.pk])
    dashboard = client.get(reverse("portal:dashboard", args=[member.pk])).content.decode()
    assert detail in dashboard
    listed = client.get(reverse("complaints:member_list") + f"?member={member.pk}")
    assert listed.status_code == 200
    assert detail in listed.content.decode()
    page = client.get(detail)
    assert page.status_code == 200
    assert 'name="text"' in page.content.decode()
    notices = client.get(reverse("portal:notifications", args=[member.pk])).content.decode()
    assert notified(member, f"complaint-forwarded:{complaint.pk}", notices)
    assert client.post(detail, {"text": "已安排更换，请留意快递。"}).status_code == 302
    complaint.refresh_from_db()
    assert complaint.status == Complaint.Status.ANSWERED

    # owner2: a failed spot check still within its objection window.
    user, member = owners[1]
    inspection = Inspection.objects.filter(member=member, verdict="fail").latest("reported_on")
    deadline = inspection.objection_deadline(objection_window_days(inspection))
    assert inspection.reported_on <= today
    assert not deadline.is_past(today)
    assert not inspection.objections.exists()
    assert inspection.rectification.deadline >= today
    assert inspection.report_no in logins[user.email]
    client = logged_in(user)
    page_url = reverse("inspections:member_inspection", args=[inspection.pk])
    dashboard = client.get(reverse("portal:dashboard", args=[member.pk])).content.decode()
    assert page_url in dashboard
    page = client.get(page_url)
    assert page.status_code == 200
    objection_url = reverse("inspections:object", args=[inspection.pk])
    assert f'action="{objection_url}' in page.content.decode()
    notices = client.get(reverse("portal:notifications", args=[member.pk])).content.decode()
    assert notified(member, f"inspection-failed:{inspection.pk}", notices)
    response = client.post(objection_url, {"reason": "样品并非本企业批次。", "evidence": files()})
    assert response.status_code == 302
    objection = Objection.objects.get(inspection=inspection)
    assert objection.status == Objection.Status.PENDING
    assert ObjectionEvidence.objects.filter(objection=objection).count() == 2

    # owner3: a warning in effect that it may still appeal.
    user, member = owners[2]
    step = ExitStep.objects.for_member(member).in_effect().get(kind="warning")
    member.refresh_from_db()
    assert member.status == Member.Status.WARNED
    until = appeal_deadline(step)
    assert until is not None
    assert until >= today
    assert not Appeal.objects.filter(step=step).exists()
    client = logged_in(user)
    cases_url = reverse("charter:member_cases") + f"?member={member.pk}"
    dashboard = client.get(reverse("portal:dashboard", args=[member.pk])).content.decode()
    assert reverse("charter:member_cases") in dashboard
    assert step.member_sentence in dashboard
    page = client.get(cases_url)
    assert page.status_code == 200
    appeal_url = reverse("charter:appeal", args=[step.pk])
    assert appeal_url in page.content.decode()
    notices = client.get(reverse("portal:notifications", args=[member.pk])).content.decode()
    assert notified(member, f"exit-step:{step.pk}:confirmed", notices)
    response = client.post(appeal_url, {"grounds": "承诺已提交审核。", "evidence": files()})
    assert response.status_code == 302
    appeal = Appeal.objects.get(step=step)
    assert appeal.status == Appeal.Status.PENDING
    assert AppealEvidence.objects.filter(appeal=appeal).count() == 2

    # owner4: a pledge returned with comments, to revise and submit again.
    user, member = owners[3]
    pledge = Pledge.objects.get(member=member, status=Pledge.Status.RETURNED)
    assert pledge.review_comments
    client = logged_in(user)
    dashboard = client.get(reverse("portal:dashboard", args=[member.pk])).content.decode()
    assert reverse("portal:pledge", args=[member.pk, pledge.pk]) in dashboard
    assert client.get(reverse("portal:pledge_edit", args=[member.pk, pledge.pk])).status_code == 200
    notices = client.get(reverse("portal:notifications", args=[member.pk])).content.decode()
    assert pledge.reviewed_at is not None
    key = f"pledge-returned:{pledge.pk}:{pledge.reviewed_at.isoformat()}"
    assert notified(member, key, notices)

    # Loaded again, the demo adds nothing, and no longer prints work that was done.
    counts = (Complaint.objects.count(), Inspection.objects.count(), ExitStep.objects.count())
    again = load()
    assert (Complaint.objects.count(), Inspection.objects.count(), ExitStep.objects.count()) == (
        counts
    )
    assert all(again[user.email] == plain(member) for user, member in owners[:3])
    assert again[owners[3][0].email] == logins[owners[3][0].email]


@pytest.mark.parametrize(
    "today",
    [
        # The eve of the National Day holiday: the working-day windows stretch across it.
        datetime.date(2026, 9, 30),
        # A year whose holiday calendar is not announced: counted Monday to Friday.
        datetime.date(2031, 3, 10),
    ],
)
def test_the_member_work_is_open_on_whatever_day_the_demo_is_loaded(monkeypatch, today):
    monkeypatch.setattr(Cooperative, "today", lambda self: today)
    load()
    members = [owner(number)[1] for number in range(1, TEAMS + 1)]
    complaint = Complaint.objects.forwarded().awaiting_answer().get(member=members[0])
    assert complaint.received_on == today
    assert complaint.response_due_on > today
    inspection = Inspection.objects.filter(member=members[1], verdict="fail").latest("reported_on")
    assert inspection.reported_on < today
    assert not inspection.objection_deadline(objection_window_days(inspection)).is_past(today)
    assert inspection.rectification.deadline > today
    step = ExitStep.objects.for_member(members[2]).in_effect().get(kind="warning")
    assert step.decided_on == today
    assert appeal_deadline(step) > today
    assert not Complaint.objects.filter(received_on__gt=today).exists()
    assert not Inspection.objects.filter(reported_on__gt=today).exists()
