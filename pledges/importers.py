"""pledges.csv (DATA_FORMATS.md): pledges signed on paper, brought in as published versions."""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _

from charter.models import CharterVersion, ScoringPolicy
from coop_portal import csvimport
from coop_portal.csvimport import Column, Importer, RowErrors
from members.credit_code import normalise
from members.credit_code import problem as credit_code_problem
from members.models import Cooperative, Member

from .models.pledge import KINDS, Commitment, Pledge, target_problem


@dataclass
class PledgeRow:
    member: Member
    version: int
    published_on: datetime.date
    withdrawn_on: datetime.date | None
    targets: dict[str, Decimal]
    statement: str


@dataclass
class Known:
    """What the database holds of one version already."""

    pk: int
    status: str
    published_on: datetime.date | None
    withdrawn_on: datetime.date | None
    statement: str
    targets: dict[str, Decimal]


class PledgeImporter(Importer[PledgeRow]):
    columns = [
        Column("credit_code", required=True, parse=csvimport.text(40)),
        Column("version", required=True, parse=csvimport.integer(minimum=1)),
        Column("published_on", required=True, parse=csvimport.date),
        Column("withdrawn_on", parse=csvimport.date),
        Column(
            "pass_rate",
            required=True,
            parse=csvimport.decimal(1, minimum=Decimal(0), maximum=Decimal(100)),
        ),
        Column("response_days", required=True, parse=csvimport.integer(minimum=0)),
        Column("resolution_days", required=True, parse=csvimport.integer(minimum=0)),
        Column("rectification_days", required=True, parse=csvimport.integer(minimum=0)),
        Column("statement", parse=csvimport.text(5000)),
    ]

    def __init__(self, cooperative: Cooperative) -> None:
        self.cooperative = cooperative

    def prepare(self) -> None:
        self.members = {
            member.credit_code: member
            for member in Member.objects.filter(cooperative=self.cooperative)
        }
        self.known: dict[tuple[int, int], Known] = {}
        targets: dict[int, dict[str, Decimal]] = defaultdict(dict)
        for pledge_id, kind, target in Commitment.objects.filter(
            pledge__member__cooperative=self.cooperative
        ).values_list("pledge_id", "kind", "target"):
            targets[pledge_id][kind] = target
        for pledge in Pledge.objects.filter(member__cooperative=self.cooperative):
            self.known[(pledge.member_id, pledge.version)] = Known(
                pledge.pk,
                pledge.status,
                pledge.published_on,
                pledge.withdrawn_on,
                pledge.statement,
                targets[pledge.pk],
            )
        # Published dates by member and version: the file's rows and the database's versions.
        self.dates: dict[int, dict[int, datetime.date]] = defaultdict(dict)
        for (member_id, version), known in self.known.items():
            if known.published_on is not None:
                self.dates[member_id][version] = known.published_on
        versions = CharterVersion.objects.published().filter(cooperative=self.cooperative)
        self.charters = sorted(
            (
                (version.effective_from, version.number, version.policy)
                for version in versions.select_related("policy")
                if hasattr(version, "policy")
            ),
            key=lambda item: (item[0], item[1]),
        )

    def policy_on(self, day: datetime.date) -> ScoringPolicy:
        in_force = [policy for effective, _number, policy in self.charters if effective <= day]
        return in_force[-1] if in_force else ScoringPolicy()

    def clean_row(self, values: dict[str, Any], line: int) -> PledgeRow:
        problems: list[tuple[str, str]] = []
        code = normalise(values["credit_code"])
        wrong = credit_code_problem(code)
        if wrong:
            raise RowErrors([("credit_code", wrong)])
        member = self.members.get(code)
        if member is None:
            raise RowErrors(
                [
                    (
                        "credit_code",
                        _("No member of this cooperative has the credit code %(code)s.")
                        % {"code": code},
                    )
                ]
            )
        version: int = values["version"]
        published_on: datetime.date = values["published_on"]
        withdrawn_on: datetime.date | None = values["withdrawn_on"]
        if withdrawn_on is not None and withdrawn_on < published_on:
            problems.append(
                ("withdrawn_on", _("A pledge cannot be withdrawn before it was published."))
            )
        policy = self.policy_on(published_on)
        targets = {kind: Decimal(values[kind]) for kind in KINDS}
        for kind in KINDS:
            problem = target_problem(policy, kind, targets[kind])
            if problem:
                problems.append((kind, problem))
        statement = values["statement"] or ""
        known = self.known.get((member.pk, version))
        if known is not None:
            if known.published_on is None:
                problems.append(
                    (
                        "version",
                        _(
                            "Version %(version)d of this member is being written in the portal; "
                            "give the paper pledge another version number."
                        )
                        % {"version": version},
                    )
                )
            elif (
                known.published_on != published_on
                or known.statement != statement
                or known.targets != targets
            ):
                problems.append(
                    (
                        "version",
                        _(
                            "Version %(version)d is already published with other content, and a "
                            "published pledge never changes: give the new text a new version number."
                        )
                        % {"version": version},
                    )
                )
        # Versions rise with their published dates: a later version is never published earlier.
        for other, day in self.dates[member.pk].items():
            if other == version:
                continue
            if (other < version and day > published_on) or (other > version and day < published_on):
                problems.append(
                    (
                        "published_on",
                        _(
                            "Versions must rise with their dates: version %(other)d was published on "
                            "%(day)s."
                        )
                        % {"other": other, "day": day.isoformat()},
                    )
                )
                break
        if problems:
            raise RowErrors(problems)
        self.dates[member.pk][version] = published_on
        return PledgeRow(member, version, published_on, withdrawn_on, targets, statement)

    def key_of(self, row: PledgeRow) -> str:
        return f"{row.member.credit_code} v{row.version}"

    def write_batch(self, rows: list[PledgeRow]) -> list[str]:
        actions: list[str] = []
        new: list[tuple[Pledge, PledgeRow]] = []
        changed: list[Pledge] = []
        for row in rows:
            known = self.known.get((row.member.pk, row.version))
            status = Pledge.Status.WITHDRAWN if row.withdrawn_on else Pledge.Status.PUBLISHED
            if known is None:
                pledge = Pledge(
                    member=row.member,
                    version=row.version,
                    status=status,
                    published_on=row.published_on,
                    withdrawn_on=row.withdrawn_on,
                    statement=row.statement,
                )
                new.append((pledge, row))
                actions.append("create")
            elif known.withdrawn_on != row.withdrawn_on or known.status != status:
                # Only the withdrawal of a published version may change.
                changed.append(Pledge(pk=known.pk, withdrawn_on=row.withdrawn_on, status=status))
                actions.append("update")
            else:
                actions.append("unchanged")
        if new:
            created = Pledge.objects.bulk_create([pledge for pledge, _row in new])
            Commitment.objects.bulk_create(
                Commitment(pledge=pledge, kind=kind, target=target)
                for pledge, (_unused, row) in zip(created, new, strict=True)
                for kind, target in row.targets.items()
            )
        if changed:
            Pledge.objects.bulk_update(changed, ["withdrawn_on", "status"])
        return actions
