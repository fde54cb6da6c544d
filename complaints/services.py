"""Every state change of a complaint: one atomic function each, with its timeline event and
its e-mail (queued in the same transaction, sent after commit, never lost)."""

from __future__ import annotations

import datetime
import hashlib
import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _

from charter.deadlines import commitment_days
from coop_portal.evidence import CheckedFile, store_evidence
from coop_portal.links import absolute_url
from coop_portal.mail import queue_mail, queue_mail_in_their_languages
from coop_portal.models import OutboxEmail
from coop_portal.refusal import Refused
from members.models import Cooperative, FactsChange, Member, User
from members.notices import queue_member_mail

from .masking import mask_personal_data
from .models import (
    REJECTION_CODES,
    RESOLUTION_CODES,
    UNRESOLVED_CODES,
    Complaint,
    ComplaintEvent,
    DataRequest,
    Evidence,
    PersonalDataAccess,
    PublicAccount,
    SatisfactionFeedback,
    new_tracking_code,
    tracking_code_from,
)
from .references import next_reference

Event = ComplaintEvent
# Members are reminded this many days before a deadline (and again on no other day).
REMINDER_DAYS_BEFORE = 2
TRACKING_CODE_PATTERN = re.compile(r"\b[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}\b")
OPEN_FOR_MEMBER = (
    Complaint.Status.FORWARDED,
    Complaint.Status.ANSWERED,
    Complaint.Status.MEDIATION,
)
CLOSABLE = (Complaint.Status.ACCEPTED, *OPEN_FOR_MEMBER)


def _not_possible() -> Refused:
    return Refused(
        _("This step is not possible for the complaint as it stands."), code="not_possible"
    )


class AlreadyFiled(Exception):
    """The same form was sent again: the complaint it filed is in ``complaint``."""

    def __init__(self, complaint: Complaint) -> None:
        super().__init__(complaint.reference)
        self.complaint = complaint


@dataclass(frozen=True)
class Submission:
    member: Member
    product: str
    description: str
    desired_outcome: str
    contact_name: str
    contact_phone: str = ""
    contact_email: str = ""
    share_contact: bool = False
    publish_consent: bool = False
    language: str = ""
    evidence: list[CheckedFile] = field(default_factory=list)
    # From bind_submission for a complaint filed through the form; empty otherwise (a random
    # tracking code, and no de-duplication).
    submission_key: str = ""
    tracking_code: str = ""


@dataclass(frozen=True)
class BoundSubmission:
    """What a complaint form sent from one browser stands for."""

    # Stored with the complaint: the same form from the same browser finds it again.
    key: str
    # The complaint's tracking code, the same each time that browser sends that form.
    tracking_code: str


def bind_submission(form_key: str, browser_secret: str) -> BoundSubmission:
    """Bind the one-time key of a complaint form to the browser that sent it.

    ``browser_secret`` is a secret only that browser holds (its CSRF cookie). The key stored
    with the complaint and the tracking code are both keyed hashes of the form's key, the
    browser's secret and SECRET_KEY: neither the form's key nor the database reveals either,
    another browser sending the same form key finds nothing, and the browser that filed the
    complaint is shown the same code again when it sends the form again (a reload after an
    error) — the consumer never loses the only copy of the code.
    """
    value = f"{browser_secret}:{form_key}"
    key = salted_hmac("complaints.submission-key", value, algorithm="sha256").hexdigest()
    digest = salted_hmac("complaints.tracking-code", value, algorithm="sha256").digest()
    return BoundSubmission(key=key, tracking_code=tracking_code_from(digest))


def tracking_url(complaint: Complaint) -> str:
    """The tracking page with the complaint's reference filled in: the consumer types only
    the code, which no e-mail sent after the first one carries."""
    page = reverse("complaints:track", args=[complaint.cooperative.slug])
    return absolute_url(f"{page}?{urlencode({'reference': complaint.reference})}")


def _store_evidence(complaint: Complaint, event: ComplaintEvent, files: list[CheckedFile]) -> None:
    store_evidence(Evidence, files, complaint=complaint, event=event)


def _event(
    complaint: Complaint,
    kind: str,
    on: datetime.date,
    *,
    actor: str = Event.Actor.COOPERATIVE,
    by: User | None = None,
    text: str = "",
    internal: bool = False,
    visibility: str | None = None,
) -> ComplaintEvent:
    if visibility is None:
        visibility = Event.Visibility.INTERNAL if internal else Event.Visibility.PUBLIC
    return ComplaintEvent.objects.create(
        complaint=complaint,
        kind=kind,
        on=on,
        actor=actor,
        by=by,
        text=text,
        visibility=visibility,
    )


def _dates_changed(complaint: Complaint, on: datetime.date) -> None:
    """Record that a date of the complaint changed (as of ``on``): a published assessment of
    the period in which it was accepted (or received) shows that its facts changed."""
    FactsChange.objects.note(
        complaint.cooperative_id,
        kind=FactsChange.Kind.COMPLAINT_DATES,
        subject=complaint.reference,
        anchors=[complaint.accepted_on or complaint.received_on],
        effective=[on],
    )


def _tell_consumer(
    complaint: Complaint,
    template: str,
    key: str,
    *,
    redact: list[str] | None = None,
    **context: Any,
) -> None:
    if complaint.contact_email:
        queue_mail(
            [complaint.contact_email],
            f"email/complaints/{template}",
            {"complaint": complaint, "tracking_url": tracking_url(complaint), **context},
            language=complaint.language or settings.LANGUAGE_CODE,
            key=key,
            redact=redact or [],
        )


def _locked(complaint: Complaint, *statuses: str) -> Complaint:
    # Only the complaint row is locked, not its cooperative and member.
    locked = Complaint.objects.select_for_update(of=("self",)).select_related(
        "cooperative", "member"
    )
    fresh = locked.get(pk=complaint.pk)
    if statuses and fresh.status not in statuses:
        raise _not_possible()
    return fresh


def submit_complaint(cooperative: Cooperative, submission: Submission) -> tuple[Complaint, str]:
    """File a consumer's complaint. Returns it with its tracking code (kept only as a hash).

    Raises AlreadyFiled when a complaint was filed with the same submission key.
    """
    if submission.member.cooperative_id != cooperative.pk:
        raise _not_possible()
    _raise_if_filed(cooperative, submission.submission_key)
    on = cooperative.today()
    code = submission.tracking_code or new_tracking_code()
    with transaction.atomic():
        complaint = Complaint(
            cooperative=cooperative,
            member=submission.member,
            received_on=on,
            product=submission.product,
            description=submission.description,
            desired_outcome=submission.desired_outcome,
            summary=submission.product,
            contact_name=submission.contact_name,
            contact_phone=submission.contact_phone,
            contact_email=submission.contact_email,
            share_contact=submission.share_contact,
            publish_consent=submission.publish_consent,
            language=submission.language,
            submission_key=submission.submission_key,
        )
        complaint.set_tracking_code(code)
        # The reference comes from the year's counter, whose row stays locked until this
        # transaction commits: concurrent submissions draw consecutive numbers, never the same.
        complaint.reference = next_reference(cooperative, on)
        try:
            with transaction.atomic():
                complaint.save()
        except IntegrityError:
            # The same form sent twice at once: the other request filed it.
            _raise_if_filed(cooperative, submission.submission_key)
            raise
        event = _event(complaint, Event.Kind.RECEIVED, on, actor=Event.Actor.CONSUMER)
        _store_evidence(complaint, event, submission.evidence)
        _tell_consumer(
            complaint, "received", f"complaint-received:{complaint.pk}", code=code, redact=[code]
        )
        queue_mail_in_their_languages(
            cooperative.administrator_emails(),
            "email/complaints/new_complaint",
            {"complaint": complaint},
            key=f"complaint-new:{complaint.pk}",
        )
    return complaint, code


def _raise_if_filed(cooperative: Cooperative, submission_key: str) -> None:
    if submission_key:
        filed = Complaint.objects.filter(
            cooperative=cooperative, submission_key=submission_key
        ).first()
        if filed is not None:
            raise AlreadyFiled(filed)


@transaction.atomic
def accept_complaint(
    complaint: Complaint, by: User | None, *, on: datetime.date | None = None, text: str = ""
) -> Complaint:
    complaint = _locked(complaint, Complaint.Status.RECEIVED)
    on = on or complaint.cooperative.today()
    complaint.status = Complaint.Status.ACCEPTED
    complaint.accepted_on = on
    complaint.response_due_on = on + datetime.timedelta(
        days=commitment_days(complaint.member, "response_days", on)
    )
    complaint.resolution_due_on = on + datetime.timedelta(
        days=commitment_days(complaint.member, "resolution_days", on)
    )
    complaint.save()
    _dates_changed(complaint, on)
    _event(complaint, Event.Kind.ACCEPTED, on, by=by, text=text)
    _tell_consumer(complaint, "accepted", f"complaint-accepted:{complaint.pk}")
    return complaint


@transaction.atomic
def reject_complaint(
    complaint: Complaint, by: User | None, closing_code: str, *, text: str = ""
) -> Complaint:
    if closing_code not in REJECTION_CODES:
        raise _not_possible()
    complaint = _locked(complaint, Complaint.Status.RECEIVED)
    on = complaint.cooperative.today()
    complaint.status = Complaint.Status.REJECTED
    complaint.closing_code = closing_code
    complaint.closed_on = on
    complaint.save()
    _dates_changed(complaint, on)
    _event(complaint, Event.Kind.REJECTED, on, by=by, text=text)
    _tell_consumer(complaint, "rejected", f"complaint-rejected:{complaint.pk}", text=text)
    return complaint


@transaction.atomic
def forward_complaint(
    complaint: Complaint, by: User | None, *, text: str = "", shown_to_consumer: bool = False
) -> Complaint:
    """Forward an accepted complaint to its member. The text is the cooperative's message to
    the member, which the consumer sees too only when ``shown_to_consumer``."""
    complaint = _locked(complaint, Complaint.Status.ACCEPTED)
    on = complaint.cooperative.today()
    complaint.status = Complaint.Status.FORWARDED
    complaint.forwarded_on = on
    complaint.save()
    _dates_changed(complaint, on)
    visibility = Event.Visibility.PUBLIC if shown_to_consumer else Event.Visibility.MEMBER
    _event(complaint, Event.Kind.FORWARDED, on, by=by, text=text, visibility=visibility)
    queue_member_mail(
        complaint.member,
        "email/complaints/forwarded",
        {"complaint": complaint, "message": text},
        key=f"complaint-forwarded:{complaint.pk}",
    )
    return complaint


@transaction.atomic
def answer_complaint(complaint: Complaint, by: User, text: str) -> ComplaintEvent:
    """The member's answer. The first one stops the answer clock (``responded_on``)."""
    complaint = _locked(complaint, *OPEN_FOR_MEMBER)
    on = complaint.cooperative.today()
    if complaint.responded_on is None:
        complaint.responded_on = on
        if complaint.status == Complaint.Status.FORWARDED:
            complaint.status = Complaint.Status.ANSWERED
        complaint.save()
        _dates_changed(complaint, on)
    event = _event(complaint, Event.Kind.ANSWERED, on, actor=Event.Actor.MEMBER, by=by, text=text)
    _tell_consumer(complaint, "answered", f"complaint-answer:{event.pk}", text=text)
    queue_mail_in_their_languages(
        complaint.cooperative.administrator_emails(),
        "email/complaints/answered_for_administrators",
        {"complaint": complaint},
        key=f"complaint-answer-admin:{event.pk}",
    )
    return event


@transaction.atomic
def start_mediation(complaint: Complaint, by: User | None, *, text: str = "") -> Complaint:
    complaint = _locked(complaint, Complaint.Status.FORWARDED, Complaint.Status.ANSWERED)
    on = complaint.cooperative.today()
    complaint.status = Complaint.Status.MEDIATION
    complaint.save()
    _event(complaint, Event.Kind.MEDIATION, on, by=by, text=text)
    _tell_consumer(complaint, "mediation", f"complaint-mediation:{complaint.pk}", text=text)
    return complaint


@transaction.atomic
def resolve_complaint(
    complaint: Complaint,
    by: User | None,
    closing_code: str,
    *,
    on: datetime.date | None = None,
    text: str = "",
) -> Complaint:
    if closing_code not in RESOLUTION_CODES:
        raise _not_possible()
    complaint = _locked(complaint, *CLOSABLE)
    on = on or complaint.cooperative.today()
    complaint.status = Complaint.Status.RESOLVED
    complaint.resolved_on = on
    complaint.closed_on = on
    complaint.closing_code = closing_code
    complaint.save()
    _dates_changed(complaint, on)
    _event(complaint, Event.Kind.RESOLVED, on, by=by, text=text)
    _tell_consumer(complaint, "closed", f"complaint-closed:{complaint.pk}", text=text)
    return complaint


@transaction.atomic
def close_unresolved(
    complaint: Complaint, by: User | None, closing_code: str, *, text: str = ""
) -> Complaint:
    if closing_code not in UNRESOLVED_CODES:
        raise _not_possible()
    complaint = _locked(complaint, *CLOSABLE)
    on = complaint.cooperative.today()
    complaint.status = Complaint.Status.CLOSED_UNRESOLVED
    complaint.closed_on = on
    complaint.closing_code = closing_code
    complaint.save()
    _dates_changed(complaint, on)
    _event(complaint, Event.Kind.CLOSED_UNRESOLVED, on, by=by, text=text)
    _tell_consumer(complaint, "closed", f"complaint-closed:{complaint.pk}", text=text)
    return complaint


@transaction.atomic
def uphold_complaint(
    complaint: Complaint, by: User | None, on: datetime.date, *, text: str = ""
) -> Complaint:
    """Record that the cooperative found the complaint justified (it counts in assessments)."""
    complaint = _locked(complaint)
    if complaint.accepted_on is None or complaint.rejected or complaint.upheld_on is not None:
        raise _not_possible()
    if on < complaint.accepted_on or on > complaint.cooperative.today():
        raise _not_possible()
    complaint.upheld_on = on
    complaint.save()
    _dates_changed(complaint, on)
    _event(complaint, Event.Kind.UPHELD, on, by=by, text=text)
    return complaint


def proposed_account(complaint: Complaint) -> tuple[str, str]:
    """The product and the account of a complaint as proposed for publication: the
    consumer's words with every piece of personal data the portal recognises masked, the
    names of the consumer and of the member's staff included."""
    names = complaint.personal_names()
    return (
        mask_personal_data(complaint.product, names),
        mask_personal_data(complaint.description, names),
    )


def _decide_account(complaint: Complaint, by: User, status: str, **values: str) -> PublicAccount:
    complaint = _locked(complaint, Complaint.Status.RESOLVED, Complaint.Status.CLOSED_UNRESOLVED)
    if not complaint.awaits_account_decision():
        raise _not_possible()
    account = PublicAccount.objects.create(
        complaint=complaint, status=status, decided_by=by, **values
    )
    kind = (
        Event.Kind.ACCOUNT_PUBLISHED
        if status == PublicAccount.Status.PUBLISHED
        else Event.Kind.ACCOUNT_WITHHELD
    )
    _event(
        complaint,
        kind,
        complaint.cooperative.today(),
        by=by,
        text=values.get("reason", ""),
        internal=True,
    )
    return account


@transaction.atomic
def publish_account(complaint: Complaint, by: User, *, product: str, text: str) -> PublicAccount:
    """Publish the anonymised account of a closed complaint, as the administrator read it."""
    return _decide_account(
        complaint, by, PublicAccount.Status.PUBLISHED, product=product, text=text
    )


@transaction.atomic
def withhold_account(complaint: Complaint, by: User, *, reason: str = "") -> PublicAccount:
    """Decide that the complaint's account is not published (it could identify someone)."""
    return _decide_account(complaint, by, PublicAccount.Status.WITHHELD, reason=reason)


@transaction.atomic
def add_note(complaint: Complaint, by: User, text: str, *, public: bool) -> ComplaintEvent:
    complaint = _locked(complaint)
    return _event(
        complaint,
        Event.Kind.NOTE,
        complaint.cooperative.today(),
        by=by,
        text=text,
        internal=not public,
    )


@transaction.atomic
def add_consumer_information(
    complaint: Complaint, text: str, evidence: list[CheckedFile]
) -> ComplaintEvent:
    complaint = _locked(complaint)
    if complaint.is_closed:
        raise _not_possible()
    event = _event(
        complaint,
        Event.Kind.INFORMATION,
        complaint.cooperative.today(),
        actor=Event.Actor.CONSUMER,
        text=text,
    )
    _store_evidence(complaint, event, evidence)
    queue_mail_in_their_languages(
        complaint.cooperative.administrator_emails(),
        "email/complaints/information_added",
        {"complaint": complaint},
        key=f"complaint-information:{event.pk}",
    )
    return event


@transaction.atomic
def record_feedback(complaint: Complaint, rating: int, comment: str) -> SatisfactionFeedback:
    complaint = _locked(complaint)
    if not complaint.may_leave_feedback():
        raise _not_possible()
    feedback = SatisfactionFeedback.objects.create(
        complaint=complaint, rating=rating, comment=comment
    )
    _event(
        complaint,
        Event.Kind.FEEDBACK,
        complaint.cooperative.today(),
        actor=Event.Actor.CONSUMER,
        text=f"{feedback.get_rating_display()}",
        internal=True,
    )
    return feedback


@dataclass
class ReminderReport:
    reminders: int = 0
    overdue_reported: int = 0
    codes_redacted: int = 0


def remind_and_escalate(cooperative: Cooperative) -> ReminderReport:
    """Remind members of deadlines coming up and report new overdue complaints, once each.

    Reminders are keyed on the complaint and its deadline in the outbox, and an overdue
    complaint remembers the deadline it was reported for, so running this any number of
    times sends each notice once.
    """
    report = ReminderReport()
    today = cooperative.today()
    soon = today + datetime.timedelta(days=REMINDER_DAYS_BEFORE)
    with transaction.atomic():
        complaints = Complaint.objects.filter(cooperative=cooperative).select_related("member")
        upcoming: list[tuple[Complaint, str, datetime.date]] = []
        for complaint in complaints.awaiting_answer().filter(
            forwarded_on__isnull=False, response_due_on__range=(today, soon)
        ):
            if complaint.response_due_on is not None:
                upcoming.append((complaint, "response", complaint.response_due_on))
        for complaint in complaints.awaiting_resolution().filter(
            forwarded_on__isnull=False, resolution_due_on__range=(today, soon)
        ):
            if complaint.resolution_due_on is not None:
                upcoming.append((complaint, "resolution", complaint.resolution_due_on))
        events: list[ComplaintEvent] = []
        emails_of: dict[int, list[str]] = {}
        for complaint, deadline, due in upcoming:
            if complaint.member_id not in emails_of:
                emails_of[complaint.member_id] = complaint.member.email_recipients()
            queued = queue_member_mail(
                complaint.member,
                "email/complaints/reminder",
                {
                    "complaint": complaint,
                    "deadline": deadline,
                    "due": due,
                },
                key=f"complaint-reminder:{complaint.pk}:{deadline}:{due.isoformat()}",
                recipients=emails_of[complaint.member_id],
            )
            if queued:
                report.reminders += 1
                events.append(_unsaved_event(complaint, Event.Kind.REMINDER, today, deadline, due))

        overdue: list[tuple[Complaint, str, datetime.date]] = []
        changed: list[Complaint] = []
        for complaint in complaints.overdue(today).select_for_update(of=("self",)):
            newly = False
            answer_due = complaint.response_due_on
            if (
                complaint.responded_on is None
                and answer_due is not None
                and answer_due < today
                and complaint.response_escalated_for != answer_due
            ):
                complaint.response_escalated_for = answer_due
                overdue.append((complaint, "response", answer_due))
                newly = True
            resolution_due = complaint.resolution_due_on
            if (
                complaint.resolved_on is None
                and resolution_due is not None
                and resolution_due < today
                and complaint.resolution_escalated_for != resolution_due
            ):
                complaint.resolution_escalated_for = resolution_due
                overdue.append((complaint, "resolution", resolution_due))
                newly = True
            if newly:
                changed.append(complaint)
        if overdue:
            Complaint.objects.bulk_update(
                changed, ["response_escalated_for", "resolution_escalated_for"]
            )
            fingerprint = hashlib.sha256(
                "|".join(f"{c.pk}:{kind}:{due}" for c, kind, due in overdue).encode()
            ).hexdigest()[:24]
            queue_mail_in_their_languages(
                cooperative.administrator_emails(),
                "email/complaints/overdue",
                {
                    "cooperative": cooperative,
                    "overdue": [
                        {"complaint": c, "deadline": kind, "due": due} for c, kind, due in overdue
                    ],
                },
                key=f"complaint-overdue:{cooperative.pk}:{fingerprint}",
            )
            report.overdue_reported = len(overdue)
            events += [
                _unsaved_event(c, Event.Kind.ESCALATED, today, kind, due)
                for c, kind, due in overdue
            ]
        ComplaintEvent.objects.bulk_create(events)
    return report


def _unsaved_event(
    complaint: Complaint, kind: str, on: datetime.date, deadline: str, due: datetime.date
) -> ComplaintEvent:
    return ComplaintEvent(
        complaint=complaint,
        kind=kind,
        on=on,
        actor=Event.Actor.SYSTEM,
        visibility=Event.Visibility.INTERNAL,
        text=f"{deadline} {due.isoformat()}",
    )


def redact_sent_tracking_codes() -> int:
    """Blank the tracking codes in confirmation e-mails already sent.

    The outbox must hold the code until the e-mail has gone out (it may wait for the broker);
    afterwards the portal keeps only the code's hash.
    """
    sent = OutboxEmail.objects.filter(
        key__startswith="complaint-received:",
        sent_at__isnull=False,
        body__regex=r"[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}",
    )
    redacted = 0
    for email in sent:
        body = TRACKING_CODE_PATTERN.sub("****-****-****", email.body)
        if body != email.body:
            email.body = body
            email.save(update_fields=["body"])
            redacted += 1
    return redacted


# Personal data (PIPL): who opened it, how long it is kept, what the consumer may ask.


def record_access(
    complaint: Complaint, user: Any, what: str, *, evidence: Evidence | None = None
) -> None:
    """Log that someone opened the complaint's contact details or evidence. An anonymous
    ``user`` is the consumer, who opened it with the reference and the tracking code."""
    PersonalDataAccess.objects.create(
        complaint=complaint,
        user=user if getattr(user, "is_authenticated", False) else None,
        what=what,
        evidence_name=evidence.original_name if evidence is not None else "",
    )


@transaction.atomic
def anonymise_complaint(complaint: Complaint, on: datetime.date) -> Complaint:
    """Erase the consumer's contact details and evidence; their name is masked where they
    wrote it. The complaint's dates, member and status stay: assessments count them."""
    complaint = _locked(complaint)
    if complaint.anonymised_on is not None:
        return complaint
    names = [complaint.contact_name]
    complaint.description = mask_personal_data(complaint.description, names)
    complaint.desired_outcome = mask_personal_data(complaint.desired_outcome, names)
    for event in complaint.events.filter(actor=Event.Actor.CONSUMER):
        masked = mask_personal_data(event.text, names)
        if masked != event.text:
            event.text = masked
            event.save(update_fields=["text"])
    names = [evidence.file.name for evidence in complaint.evidence.all()]
    complaint.evidence.all().delete()
    # The files go once the rows are gone for good.
    transaction.on_commit(lambda: _delete_files(names))
    complaint.contact_name = complaint.contact_phone = complaint.contact_email = ""
    complaint.share_contact = False
    complaint.anonymised_on = on
    complaint.save()
    return complaint


def anonymise_closed_complaints_of(cooperative: Cooperative, days: int) -> int:
    """Apply the retention schedule: erase the personal data of the cooperative's complaints
    closed more than ``days`` days ago; returns how many."""
    today = cooperative.today()
    due = cooperative.complaints.retention_ended(today, days).values_list("pk", flat=True)
    for pk in list(due):
        anonymise_complaint(Complaint(pk=pk), today)
    return len(due)


class DataRequestError(ValueError):
    """A request the consumer may not make now (one of that kind already awaits)."""


@transaction.atomic
def ask_for_personal_data(complaint: Complaint, kind: str) -> DataRequest:
    """Record the consumer's request for a copy or the deletion of their personal data and
    tell the cooperative's administrators."""
    complaint = _locked(complaint)
    if complaint.data_requests.filter(kind=kind, status=DataRequest.Status.PENDING).exists():
        raise DataRequestError(kind)
    request = DataRequest.objects.create(complaint=complaint, kind=kind)
    queue_mail_in_their_languages(
        complaint.cooperative.administrator_emails(),
        "email/complaints/data_request",
        {"complaint": complaint, "request": request},
        key=f"data-request:{request.pk}",
    )
    return request


@transaction.atomic
def decide_data_request(
    request: DataRequest, by: User, *, grant: bool, reason: str = ""
) -> DataRequest:
    """Record the administrator's decision on a consumer's request and tell the consumer; a
    granted deletion erases the personal data at once, a granted copy is downloaded from the
    tracking page."""
    request = DataRequest.objects.select_for_update().select_related("complaint").get(pk=request.pk)
    if not request.is_pending:
        raise DataRequestError(request.kind)
    request.status = DataRequest.Status.GRANTED if grant else DataRequest.Status.REFUSED
    request.decided_by = by
    request.decided_at = timezone.now()
    request.reason = reason
    request.save()
    complaint = request.complaint
    # Told before a deletion erases the address.
    _tell_consumer(
        complaint, "data_request_decided", f"data-request-decided:{request.pk}", request=request
    )
    if grant and request.kind == DataRequest.Kind.DELETION:
        anonymise_complaint(complaint, complaint.cooperative.today())
    return request


def personal_data_copy(complaint: Complaint) -> dict[str, Any]:
    """What the portal holds about the consumer of a complaint, for the consumer."""
    return {
        "reference": complaint.reference,
        "cooperative": complaint.cooperative.name,
        "member": complaint.member.name,
        "received_on": complaint.received_on.isoformat(),
        "status": complaint.status,
        "product": complaint.product,
        "description": complaint.description,
        "desired_outcome": complaint.desired_outcome,
        "contact_name": complaint.contact_name,
        "contact_phone": complaint.contact_phone,
        "contact_email": complaint.contact_email,
        "share_contact": complaint.share_contact,
        "publish_consent": complaint.publish_consent,
        "language": complaint.language,
        "evidence": [
            {"name": e.original_name, "type": e.content_type, "size": e.size}
            for e in complaint.evidence.all()
        ],
        "events": [
            {"on": e.on.isoformat(), "kind": e.kind, "text": e.text}
            for e in complaint.events.filter(visibility__in=Event.SHOWN_TO_CONSUMER)
        ],
        "requests": [
            {"kind": r.kind, "status": r.status, "asked_at": r.asked_at.isoformat()}
            for r in complaint.data_requests.all()
        ],
    }


def _delete_files(names: list[str]) -> None:
    storage = Evidence._meta.get_field("file").storage  # type: ignore[attr-defined]
    for name in names:
        storage.delete(name)
