from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand
from django.db import transaction
from django.test.utils import override_settings
from django.utils.translation import gettext as _

from charter import demo as charter_demo
from charter.setup import setup_charter
from complaints import demo as complaints_demo
from inspections import demo as inspections_demo
from inspections.setup import setup_catalogue
from members import demo as members_demo
from members.models import Cooperative, Role, User
from pledges import demo as pledges_demo
from pledges.assessment import demo as assessment_demo

ADMIN_EMAIL = "admin@example.cn"
ADMIN_PASSWORD = "coop-demo-admin"  # noqa: S105 - the documented demo login of `make run`


class Command(BaseCommand):
    help = "Load the demo cooperative (safe to run again: existing data is kept)."

    def handle(self, *args: Any, **options: Any) -> None:
        # The demo's notifications (receipts, decisions) are not for anyone's mailbox, and
        # printed they would bury the logins below.
        with override_settings(EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend"):
            cooperative = self.load()
        self.stdout.write(
            _("Demo loaded: %(name)s. Log in at /accounts/login/ as:") % {"name": cooperative.name}
        )
        for who, email, password in self.logins(cooperative):
            line = _("%(who)s: %(email)s / %(password)s")
            self.stdout.write("  " + line % {"who": who, "email": email, "password": password})

    def load(self) -> Cooperative:
        with transaction.atomic():
            cooperative = members_demo.load()
            setup_charter(cooperative)
            setup_catalogue(cooperative, "home-textiles")
            # Each app adds its part, in the order the apps stand on each other.
            charter_demo.load(cooperative)
            inspections_demo.load(cooperative)
            complaints_demo.load(cooperative)
            pledges_demo.load(cooperative)
            assessment_demo.load(cooperative)
            admin = User.objects.filter(email=ADMIN_EMAIL).first()
            if admin is None:
                admin = User.objects.create_superuser(
                    ADMIN_EMAIL, ADMIN_PASSWORD, first_name="Admin"
                )
            Role.objects.get_or_create(
                user=admin, cooperative=cooperative, kind=Role.Kind.ADMINISTRATOR
            )
        return cooperative

    def logins(self, cooperative: Cooperative) -> list[tuple[str, str, str]]:
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
                who = _("member %(name)s") % {"name": role.member.display_name}
                logins.append((who, role.user.email, pledges_demo.MEMBER_PASSWORD))
        return logins
