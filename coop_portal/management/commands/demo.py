from __future__ import annotations

import datetime
from typing import Any

from django.core.management.base import BaseCommand
from django.db import transaction
from django.test.utils import override_settings
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from charter import demo as charter_demo
from charter.models import Appeal, ExitStep
from charter.services import appeal_deadline
from charter.setup import setup_charter
from complaints import demo as complaints_demo
from complaints.models import Complaint
from inspections import demo as inspections_demo
from inspections.models import Inspection
from inspections.services import objection_window_days
from inspections.setup import setup_catalogue
from members import demo as members_demo
from members.models import Cooperative, Member, Role, User
from pledges import demo as pledges_demo
from pledges.assessment import demo as assessment_demo
from pledges.models.pledge import Pledge

ADMIN_EMAIL = "admin@example.cn"
ADMIN_PASSWORD = "coop-demo-admin"  # noqa: S105 - the documented demo login of `make run`


class Command(BaseCommand):
    help = "Load the demo cooperative (safe to run again: existing data is kept)."

    def handle(self, *args: Any, **options: Any) -> None:
        # The demo's notifications (receipts, decisions) are not for anyone's mailbox, and
        # printed they would bury the logins below.
        with override_settings(EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend"):
            cooperative, work = self.load()
        self.stdout.write(
            _("Demo loaded: %(name)s. Log in at /accounts/login/ as:") % {"name": cooperative.name}
        )
        for who, email, password in self.logins(cooperative, work):
            line = _("%(who)s: %(email)s / %(password)s")
            self.stdout.write("  " + line % {"who": who, "email": email, "password": password})

    def load(self) -> tuple[Cooperative, dict[int, str]]:
        """The demo cooperative, and what each member login has to do (by member id)."""
        with transaction.atomic():
            cooperative = members_demo.load()
            setup_charter(cooperative)
            setup_catalogue(cooperative, "home-textiles")
            # Each app adds its part, in the order the apps stand on each other, except that
            # the pledges come before the inspections and complaints: their deadlines are fixed
            # by the days the member pledged (charter.deadlines), as for real ones, so the
            # pledges the story dates before them must exist when they are made. The charter's
            # part comes first, as it settles who is still a member.
            charter_demo.load(cooperative)
            pledges_demo.load(cooperative)
            inspections_demo.load(cooperative)
            complaints_demo.load(cooperative)
            assessment_demo.load(cooperative)
            admin = User.objects.filter(email=ADMIN_EMAIL).first()
            if admin is None:
                admin = User.objects.create_superuser(
                    ADMIN_EMAIL, ADMIN_PASSWORD, first_name="Admin"
                )
            Role.objects.get_or_create(
                user=admin, cooperative=cooperative, kind=Role.Kind.ADMINISTRATOR
            )
            work = self.member_work(cooperative, admin)
        return cooperative, work

    def member_work(self, cooperative: Cooperative, admin: User) -> dict[int, str]:
        """Something open for each member login to do, a different thing for each, made
        through the services real users go through (so each comes with its e-mail among the
        member's notifications) and dated by the day of loading. Returns what each login has
        to do, by member id, for as long as the item is open as the demo left it."""
        owners = pledges_demo.owner_members(cooperative)
        if len(owners) < pledges_demo.TEAMS:
            return {}
        answering, objecting, appealing, revising = owners
        today = cooperative.today()
        work = {
            answering.pk: answer_work(
                complaints_demo.forward_for_answer(answering, by=admin), today
            ),
            objecting.pk: objection_work(inspections_demo.report_recent_failure(objecting), today),
            appealing.pk: appeal_work(charter_demo.confirm_warning(appealing, by=admin), today),
            revising.pk: pledge_work(pledges_demo.return_for_revision(revising, by=admin)),
        }
        return {member_id: text for member_id, text in work.items() if text}

    def logins(self, cooperative: Cooperative, work: dict[int, str]) -> list[tuple[str, str, str]]:
        """Every demo login with a password, and what the person does."""
        logins = [
            (_("administrator"), ADMIN_EMAIL, ADMIN_PASSWORD),
            (
                _("second administrator, who decides appeals against the first's steps"),
                charter_demo.REVIEWER_EMAIL,
                charter_demo.REVIEWER_PASSWORD,
            ),
            (_("market regulator"), pledges_demo.REGULATOR_EMAIL, pledges_demo.REGULATOR_PASSWORD),
            (_("testing laboratory"), pledges_demo.LAB_EMAIL, pledges_demo.LAB_PASSWORD),
        ]
        owners = (
            Role.objects.filter(cooperative=cooperative, kind=Role.Kind.MEMBER_USER, is_owner=True)
            .select_related("user", "member")
            .order_by("user__email")
        )
        for role in owners:
            if role.user.has_usable_password() and role.member is not None:
                logins.append(
                    (member_login(role.member, work), role.user.email, pledges_demo.MEMBER_PASSWORD)
                )
        return logins


def member_login(member: Member, work: dict[int, str]) -> str:
    name = member.display_name
    if member.pk in work:
        return _("member %(name)s (%(work)s)") % {"name": name, "work": work[member.pk]}
    return _("member %(name)s") % {"name": name}


# What a member login has to do, in a few words; empty once it is done or its time is up.


def answer_work(complaint: Complaint, today: datetime.date) -> str:
    deadline = complaint.response_deadline
    if complaint.status != Complaint.Status.FORWARDED or deadline is None:
        return ""
    if deadline.is_past(today):
        return ""
    return _("answer complaint %(reference)s by %(date)s") % {
        "reference": complaint.reference,
        "date": date_format(deadline.due),
    }


def objection_work(inspection: Inspection | None, today: datetime.date) -> str:
    if inspection is None or inspection.voided or inspection.objections.exists():
        return ""
    deadline = inspection.objection_deadline(objection_window_days(inspection))
    if deadline.is_past(today):
        return ""
    return _("object to spot-check result %(report)s by %(date)s") % {
        "report": inspection.report_no,
        "date": date_format(deadline.due),
    }


def appeal_work(step: ExitStep, today: datetime.date) -> str:
    if not step.is_in_effect or Appeal.objects.filter(step=step).exists():
        return ""
    deadline = appeal_deadline(step)
    if deadline is None or today > deadline:
        return ""
    return _("appeal its warning by %(date)s") % {"date": date_format(deadline)}


def pledge_work(pledge: Pledge | None) -> str:
    if pledge is None:
        return ""
    pledge.refresh_from_db(fields=["status"])
    if pledge.status != Pledge.Status.RETURNED:
        return ""
    return _("revise its returned pledge and submit it again")
