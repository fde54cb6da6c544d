"""Every change to inspections, whichever page, file or API it comes from."""

from __future__ import annotations

import datetime
import hashlib
import hmac
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import IO

from django.core.files.base import ContentFile
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from charter.deadlines import commitment_days, commitment_days_for
from charter.models import CharterVersion
from coop_portal.csvimport import ImportReport, problems_found, run_import
from coop_portal.evidence import CheckedFile, store_evidence
from coop_portal.links import absolute_url
from coop_portal.public_cache import data_changed
from coop_portal.refusal import Refused
from members.models import Cooperative, FactsChange, Lab, Member, User
from members.notices import queue_member_mail

from .corrections import (
    correction_problems,
    history_reason,
    item_flips,
    justified_passes,
    keep_history,
    stored_items,
    write_item_results,
)
from .importers import InspectionImporter, ItemResultsImporter
from .models import (
    CorrectiveAction,
    Inspection,
    ItemResult,
    LabApiToken,
    LabUpload,
    Objection,
    ObjectionEvidence,
    Rectification,
    ServiceRequest,
    ServiceUpdate,
    TestCategory,
    TestItem,
)
from .validation import (
    Problems,
    check_agreement,
    check_item_limit,
    check_result,
    check_retest,
    parse_measured_value,
)

DEFAULT_OBJECTION_WINDOW_DAYS = 15


class InspectionRefused(Refused):
    """The inspection breaks rules; ``problems`` lists each as (field, message), the field
    named as the lab API names it."""

    def __init__(self, problems: Problems) -> None:
        super().__init__([message for _field, message in problems], code="inspection_refused")
        self.problems = problems


def note_result_change(
    inspection: Inspection, kind: str, *, before: tuple[datetime.date, ...] = ()
) -> None:
    """Record that a result dated in its sampling period changed (added, corrected, voided,
    rectified): a published assessment of that period shows it. ``before`` holds the dates
    the result had before the change (sampled on, reported on)."""
    FactsChange.objects.note(
        inspection.cooperative_id,
        anchors=[inspection.sampled_on, *before[:1]],
        effective=[inspection.reported_on, *before[1:2]],
        kind=kind,
        subject=inspection.report_no,
    )


# Rectification -----------------------------------------------------------------------------


def rectification_deadline(inspection: Inspection) -> datetime.date:
    """The report date plus the member's pledged rectification time (else the charter's)."""
    days = commitment_days(inspection.member, "rectification_days", inspection.reported_on)
    return inspection.reported_on + datetime.timedelta(days=days)


def _announce_rectification(rectification: Rectification) -> None:
    inspection = rectification.inspection
    # Only a rectification that can still be met is news; imported history sends no mail.
    if rectification.deadline < inspection.cooperative.today():
        return
    queue_member_mail(
        inspection.member,
        "email/inspections/failed",
        {"inspection": inspection, "rectification": rectification},
        key=f"inspection-failed:{inspection.pk}",
    )


def settle_inspection(inspection: Inspection) -> Rectification | None:
    """Apply what a saved result means: a failure opens its rectification (or moves its
    deadline with the report date); a passing re-test rectifies the failure it re-tests."""
    rectification = None
    if inspection.failed:
        deadline = rectification_deadline(inspection)
        rectification, created = Rectification.objects.get_or_create(
            inspection=inspection, defaults={"deadline": deadline}
        )
        if created:
            _announce_rectification(rectification)
        elif rectification.deadline != deadline:
            rectification.deadline = deadline
            rectification.save(update_fields=["deadline"])
    failed = inspection.retest_of
    if (
        failed is not None
        and inspection.verdict == Inspection.Verdict.PASS
        and not inspection.voided
        and not inspection.retest_awaits_acceptance
        and (failed.rectified_on is None or failed.rectified_on > inspection.reported_on)
    ):
        failed.rectified_on = inspection.reported_on
        keep_history(
            failed,
            by=getattr(inspection, "_history_user", None),
            reason=_("Re-test %(report)s passed.") % {"report": inspection.report_no},
        )
        failed.save(update_fields=["rectified_on"])
        FactsChange.objects.note(
            failed.cooperative_id,
            anchors=[failed.sampled_on],
            effective=[failed.rectified_on],
            kind=FactsChange.Kind.RESULT_RECTIFIED,
            subject=failed.report_no,
        )
    return rectification


def open_missing_rectifications(cooperative: Cooperative) -> int:
    """Open every rectification the cooperative's failed results lack (the background sweep)."""
    ids = (
        Inspection.objects.filter(cooperative=cooperative, rectification__isnull=True)
        .final()
        .failed()
        .values_list("pk", flat=True)
    )
    return open_rectifications(ids.iterator(chunk_size=5000))


def open_rectifications(inspection_ids: Iterable[int], *, chunk: int = 5000) -> int:
    """Open the missing rectifications of many failed results at once (after an import).

    Each chunk of results costs the same few queries however large it is: the results, the
    deadlines of all their members on all their report dates, the insert, and the mail
    of those whose deadline is still ahead.
    """
    ids = sorted(set(inspection_ids))
    opened = 0
    now = timezone.now()
    for start in range(0, len(ids), chunk):
        failures = list(
            Inspection.objects.filter(pk__in=ids[start : start + chunk], rectification__isnull=True)
            .final()
            .failed()
            .values_list("pk", "member_id", "reported_on", "cooperative_id")
        )
        days = commitment_days_for(
            {(member_id, reported_on) for _pk, member_id, reported_on, _coop in failures},
            "rectification_days",
        )
        rectifications = [
            Rectification(
                inspection_id=pk,
                deadline=reported_on + datetime.timedelta(days=days[(member_id, reported_on)]),
                opened_at=now,
            )
            for pk, member_id, reported_on, _coop in failures
        ]
        # A concurrent sweep may have opened some already: those are left as they are.
        Rectification.objects.bulk_create(rectifications, ignore_conflicts=True)
        # bulk_create sends no signal
        for cooperative_id in {coop for *_row, coop in failures}:
            data_changed(cooperative_id)
        _announce_rectifications(rectifications)
        opened += len(rectifications)
    return opened


def _announce_rectifications(rectifications: list[Rectification]) -> None:
    """``_announce_rectification`` for many: only those that can still be met are loaded."""
    # No time zone is more than a day away from UTC's date, so this lets through every
    # deadline that is today or later in its cooperative's zone; each is checked exactly below.
    earliest = timezone.now().date() - datetime.timedelta(days=1)
    ahead = {r.inspection_id: r for r in rectifications if r.deadline >= earliest}
    if not ahead:
        return
    for inspection in Inspection.objects.filter(pk__in=ahead).select_related(
        "cooperative", "member"
    ):
        rectification = ahead[inspection.pk]
        rectification.inspection = inspection
        _announce_rectification(rectification)


@transaction.atomic
def accept_retest(retest: Inspection, *, by: User, reason: str = "") -> Inspection:
    """The regulator accepts another lab's re-test: only now does it rectify the failure."""
    retest = (
        Inspection.objects.select_for_update(of=("self",))
        .select_related("retest_of")
        .get(pk=retest.pk)
    )
    if not retest.retest_awaits_acceptance:
        return retest
    retest.retest_accepted_at = timezone.now()
    retest.retest_accepted_by = by
    keep_history(
        retest,
        by=by,
        reason=_("Re-test accepted by the regulator: %(reason)s") % {"reason": reason}
        if reason
        else _("Re-test accepted by the regulator."),
    )
    retest.save(update_fields=["retest_accepted_at", "retest_accepted_by"])
    settle_inspection(retest)
    return retest


@transaction.atomic
def record_corrective_action(
    rectification: Rectification, *, taken_on: datetime.date, description: str, by: User
) -> CorrectiveAction:
    return CorrectiveAction.objects.create(
        rectification=rectification, taken_on=taken_on, description=description, recorded_by=by
    )


# One inspection (admin, API) -----------------------------------------------------------------


@dataclass
class ItemInput:
    item: TestItem
    measured_value: str
    result: str
    limit: str = ""


@dataclass
class InspectionInput:
    report_no: str
    member: Member
    product: str
    category: TestCategory
    sampled_on: datetime.date
    reported_on: datetime.date
    verdict: str
    severity: str = ""
    kind: str = Inspection.Kind.SUPERVISION
    lab_name: str = ""
    rectified_on: datetime.date | None = None
    retest_of: Inspection | None = None
    items: list[ItemInput] | None = field(default=None)


def validate_inspection(
    cooperative: Cooperative, data: InspectionInput, *, lab: Lab | None = None
) -> Problems:
    """Every rule of a single inspection; (field, message) pairs, field names as in the API."""
    problems = check_result(
        sampled_on=data.sampled_on,
        reported_on=data.reported_on,
        verdict=data.verdict,
        severity=data.severity,
        rectified_on=data.rectified_on,
        today=cooperative.today(),
    )
    if data.member.cooperative_id != cooperative.pk:
        problems.append(("credit_code", _("This member is not a member of the cooperative.")))
    if data.category.cooperative_id != cooperative.pk:
        problems.append(("category", _("This category is not in the cooperative's catalogue.")))
    problems += check_retest(
        data.retest_of,
        member_id=data.member.pk,
        reported_on=data.reported_on,
        report_no=data.report_no,
    )
    if data.items is not None:
        seen: set[int] = set()
        for index, item in enumerate(data.items):
            if item.item.category_id != data.category.pk:
                problems.append(
                    (
                        f"items.{index}.item",
                        _("“%(code)s” is not a test item of this category.")
                        % {"code": item.item.code},
                    )
                )
            if item.item.pk in seen:
                problems.append(
                    (f"items.{index}.item", _("This item appears twice in the report."))
                )
            seen.add(item.item.pk)
            try:
                measured = parse_measured_value(item.item, item.measured_value)
            except ValueError as error:
                problems.append((f"items.{index}.measured_value", str(error)))
                continue
            problems += [
                (f"items.{index}.{name}", message)
                for name, message in check_item_limit(item.item, measured, item.limit, item.result)
            ]
        problems += check_agreement(
            data.verdict, [(item.item.code, item.result) for item in data.items]
        )
    if lab is not None:
        problems += check_owner(cooperative, data.report_no, lab)
    return problems


def check_owner(cooperative: Cooperative, report_no: str, lab: Lab) -> Problems:
    """A lab changes only the reports it created: not another lab's, nor one stored without
    a lab (imported or entered by the cooperative)."""
    stored = Inspection.objects.filter(cooperative=cooperative, report_no=report_no)
    if stored.exclude(lab=lab).exists():
        return [("report_no", _("This report number belongs to a report of another lab."))]
    return []


@transaction.atomic
def record_inspection(
    cooperative: Cooperative,
    data: InspectionInput,
    *,
    lab: Lab | None = None,
    source: str = Inspection.Source.API,
    reason: str = "",
    by: User | None = None,
    via: str = "",
) -> tuple[Inspection, str]:
    """Create or update the report with this number; says "create", "update" or "unchanged".

    Sending the same report twice leaves one record, unchanged the second time. A correction
    of a stored report is kept in its history with ``reason``, which a change of verdict
    requires (inspections/corrections.py), ``by`` and ``via`` (the lab system, for the API).
    """
    problems = validate_inspection(cooperative, data, lab=lab)
    if problems:
        raise InspectionRefused(problems)
    values = {
        "member": data.member,
        "product": data.product,
        "category": data.category,
        "sampled_on": data.sampled_on,
        "reported_on": data.reported_on,
        "verdict": data.verdict,
        "severity": data.severity,
        "kind": data.kind,
        "rectified_on": data.rectified_on,
        "retest_of": data.retest_of,
        "lab": lab,
        "lab_name": data.lab_name or (lab.name_zh if lab else ""),
    }
    inspection = (
        Inspection.objects.select_for_update()
        .filter(cooperative=cooperative, report_no=data.report_no)
        .first()
    )
    items = None
    if data.items is not None:
        items = [
            ItemResult(
                item=item.item,
                measured_value=item.measured_value.strip(),
                measured_number=parse_measured_value(item.item, item.measured_value),
                limit=item.limit or item.item.limit_text,
                result=item.result,
            )
            for item in data.items
        ]
    stored = stored_items([inspection.pk]) if inspection is not None and items else {}
    if inspection is not None:
        codes = {item.item.pk: item.item.code for item in data.items or []}
        flips = item_flips(stored.get(inspection.pk, {}), items or [], codes)
        problems = correction_problems(
            inspection.report_no,
            old_verdict=inspection.verdict,
            new_verdict=data.verdict,
            flips=flips,
            reason=reason,
            justified=inspection.pk in justified_passes([inspection.pk]),
        )
        if problems:
            raise InspectionRefused(problems)
    why = history_reason(source, reason, via)
    # The report and its items share the moment of the change in their history.
    now = timezone.now()
    if inspection is None:
        inspection = Inspection(
            cooperative=cooperative, report_no=data.report_no, source=source, **values
        )
        keep_history(inspection, by=by, reason=why, at=now)
        inspection.save()
        action = "create"
        before: tuple[datetime.date, ...] = ()
    else:
        before = (inspection.sampled_on, inspection.reported_on)
        changed = [name for name, value in values.items() if getattr(inspection, name) != value]
        for name in changed:
            setattr(inspection, name, values[name])
        if changed:
            keep_history(inspection, by=by, reason=why, at=now)
            inspection.save(update_fields=changed)
        action = "update" if changed else "unchanged"
    if items is not None:
        touched = write_item_results({inspection.pk: items}, stored, user=by, reason=why, when=now)
        if touched:
            data_changed(inspection.cooperative_id)  # bulk writes send no signal
            action = "update" if action == "unchanged" else action
    if action != "unchanged":
        added = action == "create"
        kind = FactsChange.Kind.RESULT_ADDED if added else FactsChange.Kind.RESULT_CHANGED
        note_result_change(inspection, kind, before=before)
    settle_inspection(inspection)
    return inspection, action


# Files (lab page, command line) --------------------------------------------------------------


@dataclass
class ImportOutcome:
    report: ImportReport
    items_report: ImportReport | None = None
    item_rows: int = 0
    rectifications_opened: int = 0

    @property
    def ok(self) -> bool:
        return self.report.ok and (self.items_report is None or self.items_report.ok)

    @property
    def written(self) -> bool:
        return self.report.written

    def problems(self) -> list[str]:
        lines = [str(problem) for problem in self.report.errors]
        if self.items_report is not None:
            lines += [
                _("Item-results file: %(problem)s") % {"problem": problem}
                for problem in self.items_report.errors
            ]
        return lines

    def summary(self) -> str:
        if not self.ok:
            count = self.report.error_count + (
                self.items_report.error_count if self.items_report else 0
            )
            return problems_found(count)
        text = self.report.summary()
        if self.items_report is not None:
            rows = self.items_report.rows
            text += " " + ngettext("%(count)d item result.", "%(count)d item results.", rows) % {
                "count": rows
            }
        return text


def import_inspections(
    cooperative: Cooperative,
    stream: IO[bytes],
    *,
    items_stream: IO[bytes] | None = None,
    lab: Lab | None = None,
    source: str = Inspection.Source.IMPORT,
    reason: str = "",
    by: User | None = None,
    dry_run: bool = False,
    max_bytes: int | None | bool = True,
    keep_preview: bool = False,
) -> ImportOutcome:
    """Check and (unless a dry run) write an inspections file and its optional item results.

    All or nothing across both files. Failed results written open their rectifications.
    ``reason`` says why reports already stored change (a change of verdict needs one); it
    and ``by`` go into each written result's history.
    """
    with transaction.atomic():
        items_report = None
        items_by_report = None
        if items_stream is not None:
            items_importer = ItemResultsImporter()
            items_report = run_import(
                items_importer, items_stream, dry_run=True, max_bytes=max_bytes
            )
            items_by_report = items_importer.by_report
        importer = InspectionImporter(
            cooperative,
            lab=lab,
            items_by_report=items_by_report,
            items_report=items_report,
            source=source,
            reason=reason,
            by=by,
        )
        report = run_import(
            importer,
            stream,
            dry_run=dry_run or (items_report is not None and not items_report.ok),
            max_bytes=max_bytes,
            keep_preview=keep_preview,
        )
        # Item rows of a report not in the file were reported by the importer (rows_read).
        outcome = ImportOutcome(report, items_report)
        if report.written and not outcome.ok:
            transaction.set_rollback(True)
            report.written = False
        if report.written:
            outcome.item_rows = importer.item_rows_written
            # In the same transaction: a written file always comes with its rectifications.
            outcome.rectifications_opened = open_rectifications(importer.failed_ids)
    return outcome


def _read(upload: LabUpload, name: str) -> IO[bytes] | None:
    stored = getattr(upload, name)
    if not stored:
        return None
    stored.open("rb")
    return stored


@transaction.atomic
def preview_lab_upload(
    cooperative: Cooperative,
    lab: Lab,
    user: User,
    *,
    file_name: str,
    content: bytes,
    items_file_name: str = "",
    items_content: bytes | None = None,
    change_reason: str = "",
) -> tuple[LabUpload, ImportOutcome]:
    """Keep the lab's files and check them without writing: the preview before confirming."""
    upload = LabUpload(
        cooperative=cooperative,
        lab=lab,
        user=user,
        file_name=file_name[:200],
        items_file_name=items_file_name[:200] if items_content is not None else "",
        change_reason=change_reason.strip(),
    )
    upload.file.save(file_name, ContentFile(content), save=False)
    if items_content is not None:
        upload.items_file.save(
            items_file_name or "items.csv", ContentFile(items_content), save=False
        )
    outcome = _run_upload(upload, dry_run=True)
    upload.status = LabUpload.Status.PREVIEWED if outcome.ok else LabUpload.Status.REFUSED
    upload.save()
    return upload, outcome


def _run_upload(upload: LabUpload, *, dry_run: bool, by: User | None = None) -> ImportOutcome:
    stream = _read(upload, "file")
    items = _read(upload, "items_file")
    if stream is None:
        raise ValueError("A lab upload always has its inspections file.")
    try:
        outcome = import_inspections(
            upload.cooperative,
            stream,
            items_stream=items,
            lab=upload.lab,
            source=Inspection.Source.UPLOAD,
            reason=upload.change_reason,
            by=by or upload.user,
            dry_run=dry_run,
            keep_preview=True,
        )
    finally:
        stream.close()
        if items is not None:
            items.close()
    upload.count(outcome.report)
    if outcome.items_report is not None:
        upload.item_rows = outcome.items_report.rows
        upload.errors += outcome.items_report.error_count
    return outcome


@transaction.atomic
def confirm_lab_upload(upload: LabUpload, *, by: User | None = None) -> ImportOutcome:
    """Import a previewed upload, all or nothing; the files are checked again first. ``by``
    confirms it (the uploader when not given): the results' history names them."""
    upload = LabUpload.objects.select_for_update().get(pk=upload.pk)
    if upload.status != LabUpload.Status.PREVIEWED:
        raise ValueError("Only a previewed upload is confirmed.")
    outcome = _run_upload(upload, dry_run=False, by=by)
    if outcome.written:
        upload.status = LabUpload.Status.IMPORTED
        upload.confirmed_at = timezone.now()
    else:
        upload.status = LabUpload.Status.REFUSED
    upload.save()
    return outcome


# Objections ----------------------------------------------------------------------------------


def objection_window_days(inspection: Inspection) -> int:
    """The charter's objection window, as in force on the report date."""
    version = CharterVersion.objects.in_force(inspection.cooperative, inspection.reported_on)
    if version is None:
        return DEFAULT_OBJECTION_WINDOW_DAYS
    return int(version.policy.objection_window_days)


@transaction.atomic
def raise_objection(
    inspection: Inspection,
    *,
    reason: str,
    by: User | None,
    on: datetime.date | None = None,
    evidence: Sequence[CheckedFile] = (),
) -> Objection:
    """The member objects to a result within the charter's window, with the photos and
    documents that support it (checked already: coop_portal.evidence)."""
    inspection = Inspection.objects.select_for_update().get(pk=inspection.pk)
    on = on or inspection.cooperative.today()
    if inspection.voided:
        raise Refused(_("This result has been voided already."))
    if inspection.objections.filter(status=Objection.Status.PENDING).exists():
        raise Refused(_("An objection to this result is waiting for a decision."))
    deadline = inspection.objection_deadline(objection_window_days(inspection))
    if deadline.is_past(on):
        raise Refused(
            _(
                "The window for objecting to this result closed on %(date)s, "
                "%(length)s after the report date."
            )
            % {"date": date_format(deadline.due), "length": deadline.length}
        )
    objection = Objection.objects.create(
        inspection=inspection, raised_on=on, reason=reason, raised_by=by
    )
    store_evidence(ObjectionEvidence, evidence, objection=objection)
    return objection


@transaction.atomic
def decide_objection(
    objection: Objection, *, upheld: bool, note: str, by: User, on: datetime.date | None = None
) -> Objection:
    """A regulator's decision. An upheld objection voids the result, with the note shown."""
    objection = (
        Objection.objects.select_for_update().select_related("inspection").get(pk=objection.pk)
    )
    if objection.status != Objection.Status.PENDING:
        raise Refused(_("This objection has been decided already."))
    inspection = objection.inspection
    objection.status = Objection.Status.UPHELD if upheld else Objection.Status.REJECTED
    objection.decided_on = on or inspection.cooperative.today()
    objection.decision_note = note
    objection.decided_by = by
    objection.save()
    if upheld:
        inspection.status = Inspection.Status.VOIDED
        inspection.void_note = note
        keep_history(
            inspection,
            by=by,
            reason=_("Objection upheld by the regulator: %(note)s") % {"note": note},
        )
        inspection.save(update_fields=["status", "void_note"])
        note_result_change(inspection, FactsChange.Kind.RESULT_VOIDED)
    queue_member_mail(
        inspection.member,
        "email/inspections/objection_decided",
        {"objection": objection, "inspection": inspection},
        key=f"objection-decided:{objection.pk}",
    )
    return objection


# One-stop service ----------------------------------------------------------------------------


@transaction.atomic
def request_service(
    member: Member, *, lab: Lab, product: str, question: str, by: User
) -> ServiceRequest:
    request = ServiceRequest.objects.create(
        cooperative=member.cooperative,
        member=member,
        lab=lab,
        product=product,
        question=question,
        requested_by=by,
    )
    ServiceUpdate.objects.create(request=request, step=request.step, note=question, by=by)
    return request


@transaction.atomic
def update_service(request: ServiceRequest, *, note: str, advance: bool, by: User) -> ServiceUpdate:
    """The lab's progress note; with ``advance`` the request moves on to its next step."""
    request = ServiceRequest.objects.select_for_update().get(pk=request.pk)
    if advance:
        following = request.next_step()
        if following is None:
            raise ValueError("A completed request has no next step.")
        request.step = following
    request.updated_at = timezone.now()
    request.save(update_fields=["step", "updated_at"])
    update = ServiceUpdate.objects.create(request=request, step=request.step, note=note, by=by)
    if advance:
        path = reverse("inspections:member_service", kwargs={"pk": request.pk})
        queue_member_mail(
            request.member,
            "email/inspections/service_moved",
            {"service": request, "update": update, "url": absolute_url(path)},
            key=f"service-moved:{update.pk}",
        )
    return update


# Lab API tokens ------------------------------------------------------------------------------

TOKEN_PREFIX_LENGTH = 12


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def issue_api_token(token: LabApiToken) -> str:
    """Give an unsaved token its secret and save it; the secret is returned once, never kept."""
    secret = "lab_" + secrets.token_urlsafe(32)
    token.prefix = secret[:TOKEN_PREFIX_LENGTH]
    token.secret_hash = _hash(secret)
    token.save()
    return secret


def token_for(secret: str) -> LabApiToken | None:
    """The usable token whose secret this is, or None."""
    token = (
        LabApiToken.objects.usable()
        .select_related("lab", "cooperative")
        .filter(prefix=secret[:TOKEN_PREFIX_LENGTH])
        .first()
    )
    if token is None or not hmac.compare_digest(token.secret_hash, _hash(secret)):
        return None
    LabApiToken.objects.filter(pk=token.pk).update(last_used_at=timezone.now())
    return token
