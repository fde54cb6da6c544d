"""complaints.csv (DATA_FORMATS.md): complaints kept before the portal, keyed on reference."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

from charter.deadlines import commitment_days_for
from coop_portal import csvimport
from coop_portal.csvimport import Column, Importer, RowErrors
from members.credit_code import normalise
from members.models import Cooperative, Member

from .models import Complaint, ComplaintEvent
from .references import note_used

DATE_COLUMNS = ["accepted_on", "responded_on", "resolved_on", "upheld_on"]
# The fields a file sets; a re-import compares exactly these.
FIELDS = [
    "member_id",
    "received_on",
    "accepted_on",
    "responded_on",
    "resolved_on",
    "upheld_on",
    "summary",
    "status",
    "closed_on",
    "response_due_on",
    "resolution_due_on",
]


@dataclass
class ComplaintRow:
    reference: str
    member_id: int
    received_on: datetime.date
    accepted_on: datetime.date | None
    responded_on: datetime.date | None
    resolved_on: datetime.date | None
    upheld_on: datetime.date | None
    rejected: bool
    summary: str

    @property
    def status(self) -> str:
        """The status the dates imply."""
        if self.rejected:
            return Complaint.Status.REJECTED
        if self.resolved_on:
            return Complaint.Status.RESOLVED
        if self.responded_on:
            return Complaint.Status.ANSWERED
        if self.accepted_on:
            return Complaint.Status.ACCEPTED
        return Complaint.Status.RECEIVED


class ComplaintImporter(Importer[ComplaintRow]):
    key_column = "reference"
    columns = [
        Column("reference", required=True, parse=csvimport.text(40)),
        Column("credit_code", required=True, parse=csvimport.text(18)),
        Column("received_on", required=True, parse=csvimport.date),
        Column("accepted_on", parse=csvimport.date),
        Column("rejected", parse=csvimport.boolean),
        Column("responded_on", parse=csvimport.date),
        Column("resolved_on", parse=csvimport.date),
        Column("upheld_on", parse=csvimport.date),
        Column("summary", parse=csvimport.text(2000)),
    ]

    def __init__(self, cooperative: Cooperative) -> None:
        self.cooperative = cooperative
        # Member ids by credit code.
        self.members: dict[str, int] = {}
        self._days: dict[tuple[int, str, datetime.date], int] = {}

    def prepare(self) -> None:
        self.members = dict(
            Member.objects.filter(cooperative=self.cooperative).values_list("credit_code", "pk")
        )

    def clean_row(self, values: dict[str, Any], line: int) -> ComplaintRow:
        problems: list[tuple[str, str]] = []
        member_id = self.members.get(normalise(values["credit_code"]))
        if member_id is None:
            problems.append(
                ("credit_code", _("No member of this cooperative has this credit code."))
            )
        received_on = values["received_on"]
        for column in DATE_COLUMNS:
            if values[column] is not None and values[column] < received_on:
                problems.append((column, _("This date is before received_on.")))
        rejected = bool(values["rejected"])
        if rejected and values["accepted_on"] is not None:
            problems.append(("accepted_on", _("A rejected complaint has no acceptance date.")))
        if problems or member_id is None:
            raise RowErrors(problems)
        return ComplaintRow(
            reference=values["reference"],
            member_id=member_id,
            received_on=received_on,
            accepted_on=values["accepted_on"],
            responded_on=values["responded_on"],
            resolved_on=values["resolved_on"],
            upheld_on=values["upheld_on"],
            rejected=rejected,
            summary=values["summary"] or "",
        )

    def key_of(self, row: ComplaintRow) -> str:
        return row.reference

    @staticmethod
    def _keeps_deadlines(row: ComplaintRow, existing: Complaint | None) -> bool:
        """Deadlines depend on the member and the acceptance date only: unchanged, kept."""
        return (
            existing is not None
            and existing.accepted_on == row.accepted_on
            and existing.member_id == row.member_id
        )

    def _look_up_deadlines(self, rows: list[ComplaintRow], existing: dict[str, Complaint]) -> None:
        """The pledge or charter days of every (member, acceptance day) the batch needs, for
        both deadlines at once, in a few queries whatever the number of rows."""
        pairs = {
            (row.member_id, row.accepted_on)
            for row in rows
            if row.accepted_on is not None
            and not self._keeps_deadlines(row, existing.get(row.reference))
        }
        for kind in ("response_days", "resolution_days"):
            wanted = {pair for pair in pairs if (pair[0], kind, pair[1]) not in self._days}
            for (member_id, day), days in commitment_days_for(wanted, kind).items():
                self._days[(member_id, kind, day)] = days

    def _due(
        self, member_id: int, kind: str, accepted_on: datetime.date | None
    ) -> datetime.date | None:
        if accepted_on is None:
            return None
        return accepted_on + datetime.timedelta(days=self._days[(member_id, kind, accepted_on)])

    def _values(self, row: ComplaintRow, existing: Complaint | None) -> dict[str, Any]:
        values: dict[str, Any] = {
            "member_id": row.member_id,
            "received_on": row.received_on,
            "accepted_on": row.accepted_on,
            "responded_on": row.responded_on,
            "resolved_on": row.resolved_on,
            "upheld_on": row.upheld_on,
            "summary": row.summary,
            "status": row.status,
            "closed_on": row.resolved_on,
        }
        # Deadlines need the pledge in force: looked up only when acceptance changed.
        if existing is not None and self._keeps_deadlines(row, existing):
            values["response_due_on"] = existing.response_due_on
            values["resolution_due_on"] = existing.resolution_due_on
        else:
            values["response_due_on"] = self._due(row.member_id, "response_days", row.accepted_on)
            values["resolution_due_on"] = self._due(
                row.member_id, "resolution_days", row.accepted_on
            )
        if existing is not None and existing.closing_code and row.status == existing.status:
            values["closed_on"] = existing.closed_on
        return values

    def write_batch(self, rows: list[ComplaintRow]) -> list[str]:
        existing = {
            complaint.reference: complaint
            for complaint in Complaint.objects.filter(
                cooperative=self.cooperative, reference__in=[row.reference for row in rows]
            )
        }
        self._look_up_deadlines(rows, existing)
        created: list[Complaint] = []
        changed: list[Complaint] = []
        actions: list[str] = []
        for row in rows:
            complaint = existing.get(row.reference)
            values = self._values(row, complaint)
            if complaint is None:
                created.append(
                    Complaint(cooperative=self.cooperative, reference=row.reference, **values)
                )
                actions.append("create")
                continue
            differences = {
                name: value for name, value in values.items() if getattr(complaint, name) != value
            }
            if differences:
                for name, value in differences.items():
                    setattr(complaint, name, value)
                changed.append(complaint)
                actions.append("update")
            else:
                actions.append("unchanged")
        if created:
            Complaint.objects.bulk_create(created)
            # Filed complaints draw their numbers after the imported ones.
            note_used(self.cooperative, (complaint.reference for complaint in created))
            today = self.cooperative.today()
            ComplaintEvent.objects.bulk_create(
                ComplaintEvent(
                    complaint=complaint,
                    kind=ComplaintEvent.Kind.IMPORTED,
                    visibility=ComplaintEvent.Visibility.INTERNAL,
                    actor=ComplaintEvent.Actor.SYSTEM,
                    on=today,
                )
                for complaint in created
            )
        if changed:
            Complaint.objects.bulk_update(changed, FIELDS)
        return actions
