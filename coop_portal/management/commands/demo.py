from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils.translation import gettext as _

from charter import demo as charter_demo
from charter.setup import setup_charter
from complaints import demo as complaints_demo
from inspections import demo as inspections_demo
from inspections.setup import setup_catalogue
from members import demo as members_demo
from members.models import Role, User
from pledges import demo as pledges_demo
from pledges.assessment import demo as assessment_demo

ADMIN_EMAIL = "admin@example.cn"
ADMIN_PASSWORD = "coop-demo-admin"  # noqa: S105 - the documented demo login of `make run`


class Command(BaseCommand):
    help = "Load the demo cooperative (safe to run again: existing data is kept)."

    def handle(self, *args: Any, **options: Any) -> None:
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
        self.stdout.write(
            _("Demo loaded: %(slug)s. Administrator: %(email)s / %(password)s")
            % {"slug": cooperative.slug, "email": ADMIN_EMAIL, "password": ADMIN_PASSWORD}
        )
