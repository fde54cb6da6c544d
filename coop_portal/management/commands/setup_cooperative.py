from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.utils.text import slugify
from django.utils.translation import gettext as _

from charter.setup import setup_charter
from inspections.setup import INDUSTRY_CATALOGUES, setup_catalogue
from members.setup import setup_cooperative


class Command(BaseCommand):
    help = "Create a cooperative with a charter in force and, for a known industry, its test catalogue."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("slug")
        parser.add_argument("--name", required=True)
        parser.add_argument("--industry", default="")

    def handle(self, *args: Any, slug: str, name: str, industry: str, **options: Any) -> None:
        if slugify(slug) != slug:
            raise CommandError(
                _(
                    "“%(slug)s” is not a valid short name: use lower-case letters, digits and hyphens."
                )
                % {"slug": slug}
            )
        if not name.strip():
            raise CommandError(_("The cooperative needs a name (--name)."))
        with transaction.atomic():
            cooperative, created = setup_cooperative(slug, name=name.strip(), industry=industry)
            if not created:
                self.stdout.write(
                    _("Cooperative %(slug)s exists already; left as it is.") % {"slug": slug}
                )
                return
            setup_charter(cooperative)
            categories = (
                setup_catalogue(cooperative, industry) if industry in INDUSTRY_CATALOGUES else 0
            )
        self.stdout.write(
            _(
                "Created cooperative %(slug)s with its charter in force and %(count)d test categories."
            )
            % {"slug": slug, "count": categories}
        )
