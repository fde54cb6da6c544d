"""members.csv (DATA_FORMATS.md): the registry of a cooperative's members, key ``credit_code``.

A row is the member's registry facts: name, kind, scale, joined and left dates are taken as
the file says them. An empty ``address`` or ``chief_quality_officer`` cell gives no
information and leaves what the portal holds. A new member is withdrawn when the file gives
a leaving date, else active. A member the portal holds keeps its status: the file may correct
its dates, never end or restart its membership, because every withdrawal, removal and
re-admission goes through the charter's exit mechanism (its case, its appeal window, the
cooling-off period before re-admission), so a row that would is refused.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from coop_portal import csvimport
from coop_portal.csvimport import CellError, Column, Importer, RowErrors
from coop_portal.history import record_history

from .credit_code import normalise, problem
from .models import Cooperative, Member, QualityOfficer, User

Status = Member.Status
LEFT = {Status.REMOVED, Status.WITHDRAWN}
# Fields of a member the file decides; compared to tell an update from an unchanged row.
FILE_FIELDS = ("name", "kind", "scale", "joined_on", "left_on", "address")


def credit_code(value: str) -> str:
    code = normalise(value)
    message = problem(code)
    if message:
        raise CellError(message)
    return code


@dataclass
class MemberRow:
    credit_code: str
    name: str
    kind: str
    scale: str
    joined_on: datetime.date
    left_on: datetime.date | None
    address: str
    chief_quality_officer: str


class MembersImporter(Importer[MemberRow]):
    key_column = "credit_code"
    columns = [
        Column("credit_code", required=True, parse=credit_code),
        Column("name", required=True, parse=csvimport.text(200)),
        Column("kind", required=True, parse=csvimport.choice(*Member.Kind.values)),
        Column("scale", parse=csvimport.choice(*Member.Scale.values)),
        Column("joined_on", required=True, parse=csvimport.date),
        Column("address", parse=csvimport.text(300)),
        Column("chief_quality_officer", parse=csvimport.text(100)),
        Column("left_on", parse=csvimport.date),
    ]
    batch_size = 2000
    max_bytes = 20 * 1024 * 1024

    def __init__(self, cooperative: Cooperative, *, by: User | None = None) -> None:
        self.cooperative = cooperative
        self.by = by
        self.today = cooperative.today()
        self.reason = _("Imported from members.csv.")

    def prepare(self) -> None:
        # The status of each member the portal holds: the file may not change it.
        self.statuses: dict[str, str] = dict(
            Member.objects.filter(cooperative=self.cooperative).values_list("credit_code", "status")
        )

    def clean_row(self, values: dict[str, Any], line: int) -> MemberRow:
        problems: list[tuple[str, str]] = []
        joined_on: datetime.date = values["joined_on"]
        left_on: datetime.date | None = values["left_on"]
        for column, day in (("joined_on", joined_on), ("left_on", left_on)):
            if day is not None and day > self.today:
                problems.append((column, _("%(day)s is in the future.") % {"day": day.isoformat()}))
        if left_on is not None and left_on < joined_on:
            problems.append(("left_on", _("A member cannot leave before it joined.")))
        kind = values["kind"]
        scale = values["scale"] or ""
        if kind == Member.Kind.SOLE_PROPRIETOR and scale:
            problems.append(("scale", _("A sole proprietor has no scale: leave it empty.")))
        status = self.statuses.get(values["credit_code"])
        if status is not None:
            ends_membership = left_on is not None and status not in LEFT
            restarts_membership = left_on is None and status in LEFT
            if ends_membership or restarts_membership:
                problems.append(("left_on", self.status_problem(status, left_on)))
        if problems:
            raise RowErrors(problems)
        return MemberRow(
            credit_code=values["credit_code"],
            name=values["name"],
            kind=kind,
            scale=scale,
            joined_on=joined_on,
            left_on=left_on,
            address=values["address"] or "",
            chief_quality_officer=values["chief_quality_officer"] or "",
        )

    def key_of(self, row: MemberRow) -> str:
        return row.credit_code

    def status_problem(self, status: str, left_on: datetime.date | None) -> str:
        if left_on is not None:
            return _(
                "This member is %(status)s in the portal: record its withdrawal or removal as a "
                "step of its exit case (Charter → Steps by hand), not in the file."
            ) % {"status": Status(status).label}
        return _(
            "This member has left (%(status)s): it can be re-admitted only on an application "
            "to join, after the charter's cooling-off period. Keep its left_on date in the file."
        ) % {"status": Status(status).label}

    def write_batch(self, rows: list[MemberRow]) -> list[str]:
        existing = {
            member.credit_code: member
            for member in Member.objects.filter(
                cooperative=self.cooperative, credit_code__in=[row.credit_code for row in rows]
            )
        }
        officers = {
            officer.member_id: officer
            for officer in QualityOfficer.objects.current().filter(
                member__in=[member.pk for member in existing.values()]
            )
        }
        now = timezone.now()
        actions: list[str] = []
        created: list[Member] = []
        updated: list[Member] = []
        closed_officers: list[QualityOfficer] = []
        # Officers to appoint, by the member's row (new members have no key yet).
        appointments: list[tuple[Member, str]] = []
        for row in rows:
            member = existing.get(row.credit_code)
            if member is None:
                member = Member(
                    cooperative=self.cooperative,
                    credit_code=row.credit_code,
                    name=row.name,
                    kind=row.kind,
                    scale=row.scale,
                    joined_on=row.joined_on,
                    left_on=row.left_on,
                    address=row.address,
                    status=Status.WITHDRAWN if row.left_on else Status.ACTIVE,
                    created_at=now,
                    updated_at=now,
                )
                created.append(member)
                if row.chief_quality_officer:
                    appointments.append((member, row.chief_quality_officer))
                actions.append("create")
                continue
            wanted: dict[str, Any] = {
                "name": row.name,
                "kind": row.kind,
                "scale": row.scale,
                "joined_on": row.joined_on,
                "left_on": row.left_on,
                "address": row.address or member.address,
            }
            changed = False
            for field, value in wanted.items():
                if getattr(member, field) != value:
                    setattr(member, field, value)
                    changed = True
            if changed:
                member.updated_at = now
                updated.append(member)
            officer = officers.get(member.pk)
            if row.chief_quality_officer and (
                officer is None or officer.name != row.chief_quality_officer
            ):
                if officer is not None:
                    officer.replaced_on = self.today
                    closed_officers.append(officer)
                appointments.append((member, row.chief_quality_officer))
                changed = True
            actions.append("update" if changed else "unchanged")
        history: dict[str, Any] = {"user": self.by, "reason": self.reason, "when": now}
        if created:
            Member.objects.bulk_create(created, batch_size=self.batch_size)
            record_history(Member, [m.pk for m in created], history_type="+", **history)
        if updated:
            Member.objects.bulk_update(
                updated, [*FILE_FIELDS, "updated_at"], batch_size=self.batch_size
            )
            record_history(Member, [m.pk for m in updated], history_type="~", **history)
        # The officer in office is replaced before the new one is appointed: one at a time.
        if closed_officers:
            QualityOfficer.objects.bulk_update(
                closed_officers, ["replaced_on"], batch_size=self.batch_size
            )
            record_history(
                QualityOfficer, [o.pk for o in closed_officers], history_type="~", **history
            )
        if appointments:
            appointed = QualityOfficer.objects.bulk_create(
                [QualityOfficer(member=member, name=name) for member, name in appointments],
                batch_size=self.batch_size,
            )
            record_history(QualityOfficer, [o.pk for o in appointed], history_type="+", **history)
        return actions
