from __future__ import annotations

import datetime
import hashlib
import hmac
import re
import secrets
from typing import TYPE_CHECKING, Any

from django.db import models
from django.db.models import Count, F, Q, Value
from django.db.models.functions import Replace, Upper
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from charter.deadlines import pledged_days
from coop_portal.models import EvidenceFile

# Named by the migration that created the evidence table.
from coop_portal.models import evidence_path as evidence_path
from coop_portal.percent import percent
from coop_portal.workdays import (
    ACCEPTANCE_DECISION_WORKING_DAYS,
    Deadline,
    calendar_deadline,
    working_deadline,
)
from members.models import Cooperative, Member, Role, ShadowVisit, User

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

# What people write between the digits of a phone number.
PHONE_SEPARATORS = (" ", "-", "(", ")", ".", "\u3000")
CHINA_PREFIX = re.compile(r"^(?:\+86|0086|86(?=1[0-9]{10}$))")


def national_phone(text: str) -> str:
    """A phone number's digits without separators or the country code (+86, 0086, or 86
    before a mobile number): the form in which a desk search compares numbers."""
    for separator in PHONE_SEPARATORS:
        text = text.replace(separator, "")
    return CHINA_PREFIX.sub("", text.strip())


# Tracking codes avoid letters and digits that are easy to confuse when read aloud or typed.
TRACKING_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
TRACKING_LENGTH = 12
# How the names of several staff sent on a visit are written down: "张三、李四", "Li Lei, Han Mei".
STAFF_NAME_SEPARATORS = re.compile(r"[,，、;；/]+|\s+and\s+|和|及")


def new_tracking_code() -> str:
    """A random code such as ``K7QM-2XPA-9RTE`` (60 bits), shown to the consumer once."""
    raw = "".join(secrets.choice(TRACKING_ALPHABET) for _ in range(TRACKING_LENGTH))
    return "-".join(raw[i : i + 4] for i in range(0, TRACKING_LENGTH, 4))


def tracking_code_from(digest: bytes) -> str:
    """The tracking code spelled by a secret digest (its first 60 bits)."""
    number = int.from_bytes(digest[:8], "big")
    raw = "".join(
        TRACKING_ALPHABET[(number >> (5 * position)) & 31] for position in range(TRACKING_LENGTH)
    )
    return "-".join(raw[i : i + 4] for i in range(0, TRACKING_LENGTH, 4))


def normalise_tracking_code(code: str) -> str:
    return "".join(character for character in code.upper() if character.isalnum())


def hash_tracking_code(code: str, salt: str | None = None) -> str:
    # The code is long and random, so a salted SHA-256 resists guessing as well as a slow hash
    # would; the per-IP rate limit on attempts does the rest.
    salt = salt or secrets.token_hex(8)
    digest = hashlib.sha256(f"{salt}:{normalise_tracking_code(code)}".encode()).hexdigest()
    return f"{salt}${digest}"


class ClosingCode(models.TextChoices):
    OUT_OF_SCOPE = "out_of_scope", _("out of scope")
    DUPLICATE = "duplicate", _("duplicate")
    INSUFFICIENT_INFORMATION = "insufficient_information", _("insufficient information")
    RELIEF_GIVEN = "relief_given", _("relief given (refund, repair or replacement)")
    EXPLAINED = "explained", _("explained to the consumer's satisfaction")
    NOT_SUBSTANTIATED = "not_substantiated", _("not substantiated")
    WITHDRAWN = "withdrawn", _("withdrawn by the consumer")
    NO_AGREEMENT = "no_agreement", _("no agreement reached in mediation")
    CONSUMER_UNREACHABLE = "consumer_unreachable", _("consumer unreachable")


REJECTION_CODES = [
    ClosingCode.OUT_OF_SCOPE,
    ClosingCode.DUPLICATE,
    ClosingCode.INSUFFICIENT_INFORMATION,
]
RESOLUTION_CODES = [
    ClosingCode.RELIEF_GIVEN,
    ClosingCode.EXPLAINED,
    ClosingCode.NOT_SUBSTANTIATED,
    ClosingCode.WITHDRAWN,
]
UNRESOLVED_CODES = [ClosingCode.NO_AGREEMENT, ClosingCode.CONSUMER_UNREACHABLE]


class ComplaintQuerySet(models.QuerySet["Complaint"]):
    def forwarded(self) -> ComplaintQuerySet:
        """Complaints the cooperative has passed to the member: the member's portal lists them."""
        return self.filter(forwarded_on__isnull=False)

    def of_member_user(self, user: User | AnonymousUser) -> ComplaintQuerySet:
        """Forwarded complaints against the members the user works for."""
        if not user.is_authenticated:
            return self.none()
        return self.forwarded().filter(
            member__roles__user=user, member__roles__kind=Role.Kind.MEMBER_USER
        )

    def administered_by(self, user: User | AnonymousUser) -> ComplaintQuerySet:
        return self.filter(cooperative__in=Cooperative.objects.administered_by(user))

    def open(self) -> ComplaintQuerySet:
        return self.exclude(status__in=Complaint.CLOSED_STATUSES)

    def awaiting_answer(self) -> ComplaintQuerySet:
        return self.open().filter(
            accepted_on__isnull=False, responded_on__isnull=True, response_due_on__isnull=False
        )

    def awaiting_resolution(self) -> ComplaintQuerySet:
        return self.open().filter(
            accepted_on__isnull=False, resolved_on__isnull=True, resolution_due_on__isnull=False
        )

    def with_reference(self, reference: str) -> ComplaintQuerySet:
        """Complaints whose reference is this one, or holds this part of one (``000123``),
        whatever the case it was typed in."""
        text = reference.strip().upper()
        if not text:
            return self.none()
        return self.annotate(upper_reference=Upper("reference")).filter(
            upper_reference__contains=text
        )

    def with_phone(self, national: str) -> ComplaintQuerySet:
        """Complaints whose consumer gave this phone number (its national digits, see
        ``national_phone``), however it was written: with spaces, dashes, brackets or +86."""
        if not national:
            return self.none()
        digits: Any = F("contact_phone")
        for separator in PHONE_SEPARATORS:
            digits = Replace(digits, Value(separator), Value(""))
        return self.annotate(phone_digits=digits).filter(
            phone_digits__in=[national, f"+86{national}", f"86{national}", f"0086{national}"]
        )

    def overdue(self, on: datetime.date) -> ComplaintQuerySet:
        """Open complaints past the answer or the resolution deadline on a day."""
        return self.open().filter(answer_late(on) | resolution_late(on))

    def accepted(self) -> ComplaintQuerySet:
        """Complaints the cooperative accepted and did not reject: the ones with deadlines."""
        return self.filter(_accepted())

    def retention_ended(self, on: datetime.date, days: int) -> ComplaintQuerySet:
        """Closed complaints whose contact data and evidence are kept no longer (closed more
        than ``days`` days before ``on``) and not yet erased."""
        return self.filter(
            status__in=Complaint.CLOSED_STATUSES,
            closed_on__lt=on - datetime.timedelta(days=days),
            anonymised_on__isnull=True,
        )

    def publishable(self) -> ComplaintQuerySet:
        """Closed complaints whose consumer agreed to an anonymised public account."""
        return self.filter(
            publish_consent=True,
            status__in=[Complaint.Status.RESOLVED, Complaint.Status.CLOSED_UNRESOLVED],
        )

    def awaiting_account_decision(self) -> ComplaintQuerySet:
        """Publishable complaints whose account no administrator has read yet."""
        return self.publishable().filter(public_account__isnull=True)

    def with_published_account(self) -> ComplaintQuerySet:
        """Complaints whose anonymised account an administrator approved for the public."""
        return self.publishable().filter(public_account__status=PublicAccount.Status.PUBLISHED)

    def statistics(self, on: datetime.date) -> dict[str, Any]:
        """Counts for the public statistics: one aggregate over the queryset."""
        return self.aggregate(**_statistics_aggregates(on))

    def statistics_by_member(self, on: datetime.date) -> list[dict[str, Any]]:
        rows = (
            self.values("member_id", "member__name", "member__name_en")
            .annotate(**_statistics_aggregates(on))
            .order_by("member__name")
        )
        return [with_rates(row) for row in rows]


# "On time" for a complaint, everywhere: the member's answer (or the resolution) came on or
# before the deadline stored when the complaint was accepted, which is the acceptance day
# plus the days of the member's pledge in force that day (charter.deadlines.commitment_days),
# as SCORING.md's clocks count them.


def _accepted() -> Q:
    return Q(accepted_on__isnull=False) & ~Q(status=Complaint.Status.REJECTED)


def answer_late(on: datetime.date) -> Q:
    """Not answered, and the answer deadline passed before the day."""
    return Q(responded_on__isnull=True, response_due_on__lt=on)


def resolution_late(on: datetime.date) -> Q:
    """Not resolved, and the resolution deadline passed before the day."""
    return Q(resolved_on__isnull=True, resolution_due_on__lt=on)


def timeliness_counts(on: datetime.date) -> dict[str, Count]:
    """Aggregates of accepted complaints as known on a day: answers and resolutions due
    (given, or late) and those given by their deadline. A percentage of each pair is the
    "answered on time" and "resolved on time" rate of every page."""
    accepted = _accepted()
    answered = Q(responded_on__isnull=False, response_due_on__isnull=False)
    resolved = Q(resolved_on__isnull=False, resolution_due_on__isnull=False)
    return {
        "answer_due": Count("pk", filter=accepted & (answered | answer_late(on))),
        "answered_on_time": Count(
            "pk", filter=accepted & answered & Q(responded_on__lte=F("response_due_on"))
        ),
        "resolution_due": Count("pk", filter=accepted & (resolved | resolution_late(on))),
        "resolved_on_time": Count(
            "pk", filter=accepted & resolved & Q(resolved_on__lte=F("resolution_due_on"))
        ),
    }


def _statistics_aggregates(on: datetime.date) -> dict[str, Any]:
    accepted = _accepted()
    return {
        "received": Count("pk"),
        "accepted": Count("pk", filter=accepted),
        **timeliness_counts(on),
        "resolved": Count("pk", filter=accepted & Q(resolved_on__isnull=False)),
    }


def with_rates(row: dict[str, Any]) -> dict[str, Any]:
    """Add the on-time and resolved percentages (None when nothing is counted yet)."""
    due, accepted = row["answer_due"], row["accepted"]
    row["on_time_rate"] = percent(row["answered_on_time"], due)
    row["resolved_rate"] = percent(row["resolved"], accepted)
    return row


class Complaint(models.Model):
    """A consumer's complaint about a member's product. Dates drive the assessment."""

    class Status(models.TextChoices):
        RECEIVED = "received", _("received")
        ACCEPTED = "accepted", _("accepted")
        REJECTED = "rejected", pgettext_lazy("complaint", "rejected")
        FORWARDED = "forwarded", _("forwarded to the member")
        ANSWERED = "answered", _("answered by the member")
        MEDIATION = "mediation", _("in mediation")
        RESOLVED = "resolved", _("resolved")
        CLOSED_UNRESOLVED = "closed_unresolved", _("closed unresolved")

    CLOSED_STATUSES = (Status.REJECTED, Status.RESOLVED, Status.CLOSED_UNRESOLVED)

    cooperative = models.ForeignKey(
        Cooperative,
        on_delete=models.PROTECT,
        related_name="complaints",
        verbose_name=_("cooperative"),
    )
    reference = models.CharField(_("reference"), max_length=40)
    member = models.ForeignKey(
        Member, on_delete=models.PROTECT, related_name="complaints", verbose_name=_("member")
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.RECEIVED
    )
    received_on = models.DateField(_("received on"))
    accepted_on = models.DateField(_("accepted on"), null=True, blank=True)
    responded_on = models.DateField(_("answered on"), null=True, blank=True)
    resolved_on = models.DateField(_("resolved on"), null=True, blank=True)
    upheld_on = models.DateField(_("upheld on"), null=True, blank=True)
    summary = models.TextField(_("summary"), blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    # What the consumer told us.
    product = models.CharField(_("product"), max_length=200, blank=True, default="")
    description = models.TextField(_("what happened"), blank=True, default="")
    desired_outcome = models.TextField(_("what the consumer wants"), blank=True, default="")
    # Personal data: administrators see it; the member only with the consumer's consent.
    contact_name = models.CharField(_("contact name"), max_length=100, blank=True, default="")
    contact_phone = models.CharField(_("contact phone"), max_length=40, blank=True, default="")
    contact_email = models.EmailField(_("contact e-mail"), blank=True, default="")
    share_contact = models.BooleanField(_("the member may see the contact details"), default=False)
    publish_consent = models.BooleanField(
        _("an anonymised account may be published"), default=False
    )
    language = models.CharField(_("consumer's language"), max_length=10, blank=True, default="")
    tracking_code_hash = models.CharField(
        _("tracking code (hashed)"), max_length=100, blank=True, default="", editable=False
    )
    # The form that filed the complaint, bound to the browser that sent it (services.
    # bind_submission): the same form sent twice from that browser (a reload, a double click)
    # files one complaint; the form's key alone, sent from elsewhere, finds nothing.
    submission_key = models.CharField(max_length=64, blank=True, default="", editable=False)

    # The workflow.
    closing_code = models.CharField(
        _("closing code"), max_length=30, choices=ClosingCode.choices, blank=True, default=""
    )
    forwarded_on = models.DateField(_("forwarded on"), null=True, blank=True)
    closed_on = models.DateField(_("closed on"), null=True, blank=True)
    # Deadlines fixed on acceptance from the member's pledge (else the charter minimum).
    response_due_on = models.DateField(_("answer due on"), null=True, blank=True)
    resolution_due_on = models.DateField(_("resolution due on"), null=True, blank=True)
    # The deadline last reported overdue to the administrators, so each is reported once.
    response_escalated_for = models.DateField(null=True, blank=True, editable=False)
    resolution_escalated_for = models.DateField(null=True, blank=True, editable=False)
    # The day the consumer's contact data and evidence were erased (the retention schedule,
    # or a deletion the consumer asked for).
    anonymised_on = models.DateField(_("personal data erased on"), null=True, blank=True)

    objects = ComplaintQuerySet.as_manager()

    class Meta:
        verbose_name = _("complaint")
        verbose_name_plural = _("complaints")
        ordering = ["-received_on", "reference"]
        constraints = [
            models.UniqueConstraint(
                fields=["cooperative", "reference"], name="complaint_unique_reference"
            ),
            models.UniqueConstraint(
                fields=["cooperative", "submission_key"],
                condition=~Q(submission_key=""),
                name="complaint_unique_submission_key",
            ),
        ]
        indexes = [
            # Covering what an assessment counts (pledges/assessment/gather.py): a chunk of
            # members is an index-only range scan (INCLUDE is PostgreSQL's).
            models.Index(
                fields=["member", "accepted_on"],
                include=["status", "responded_on", "resolved_on", "upheld_on"],
                name="complaint_member_accepted",
            ),
            models.Index(fields=["cooperative", "status"]),
        ]

    def __str__(self) -> str:
        return self.reference

    @property
    def rejected(self) -> bool:
        return self.status == self.Status.REJECTED

    @property
    def is_closed(self) -> bool:
        return self.status in self.CLOSED_STATUSES

    @property
    def is_open(self) -> bool:
        return not self.is_closed

    def set_tracking_code(self, code: str) -> None:
        self.tracking_code_hash = hash_tracking_code(code)

    def check_tracking_code(self, code: str) -> bool:
        if not self.tracking_code_hash or "$" not in self.tracking_code_hash:
            return False
        salt = self.tracking_code_hash.split("$", 1)[0]
        return hmac.compare_digest(self.tracking_code_hash, hash_tracking_code(code, salt))

    @property
    def acceptance_deadline(self) -> Deadline:
        """The day by which the cooperative decides whether to accept the complaint: an
        administrative procedure, counted in working days from receipt."""
        return working_deadline(
            self.received_on,
            ACCEPTANCE_DECISION_WORKING_DAYS,
            _("the cooperative decides whether to accept a complaint after receiving it"),
        )

    @property
    def response_deadline(self) -> Deadline | None:
        """The answer deadline fixed on acceptance: the member's pledged days, in calendar
        days as the methodology counts them."""
        if self.accepted_on is None or self.response_due_on is None:
            return None
        days = (self.response_due_on - self.accepted_on).days
        return calendar_deadline(
            self.accepted_on,
            days,
            _("the answer time the member pledged, from acceptance")
            if self._pledged(days, "response_days")
            else _("the answer time the charter allows, from acceptance"),
            due=self.response_due_on,
        )

    @property
    def resolution_deadline(self) -> Deadline | None:
        if self.accepted_on is None or self.resolution_due_on is None:
            return None
        days = (self.resolution_due_on - self.accepted_on).days
        return calendar_deadline(
            self.accepted_on,
            days,
            _("the resolution time the member pledged, from acceptance")
            if self._pledged(days, "resolution_days")
            else _("the resolution time the charter allows, from acceptance"),
            due=self.resolution_due_on,
        )

    def _pledged(self, days: int, kind: str) -> bool:
        """Whether ``days`` are what the member's pledge in force on acceptance allowed (not
        the charter's, for a member that pledged none), so the deadline may say so."""
        if self.accepted_on is None:
            return False
        return pledged_days(self.member, kind, self.accepted_on) == days

    def answer_is_late(self, on: datetime.date) -> bool:
        """Whether the answer came, or is still missing, after its deadline."""
        if self.response_due_on is None:
            return False
        return (self.responded_on or on) > self.response_due_on

    def resolution_is_late(self, on: datetime.date) -> bool:
        if self.resolution_due_on is None:
            return False
        return (self.resolved_on or on) > self.resolution_due_on

    def member_may_see_contact(self) -> bool:
        return self.share_contact

    @property
    def has_contact_details(self) -> bool:
        """Whether there are contact details to show: an imported complaint has none, an
        anonymised one none any more. A page without them opens no personal data."""
        return bool(self.contact_name or self.contact_phone or self.contact_email)

    def may_leave_feedback(self) -> bool:
        return self.is_closed and not self.rejected and not hasattr(self, "feedback")

    def awaits_account_decision(self) -> bool:
        """Closed, with consent to an anonymised account that no administrator has read yet."""
        closed = self.status in (self.Status.RESOLVED, self.Status.CLOSED_UNRESOLVED)
        return self.publish_consent and closed and not hasattr(self, "public_account")

    def personal_names(self) -> list[str]:
        """Names of persons an account of the complaint must not show: the consumer's, and the
        member's staff — its contact person, quality officers, users and the staff it sent on
        shadowing visits."""
        member = self.member
        names = [self.contact_name, member.contact_person]
        names += member.quality_officers.values_list("name", flat=True)
        for first, last in User.objects.filter(roles__member=member).values_list(
            "first_name", "last_name"
        ):
            names += [f"{last}{first}", f"{first} {last}"]
        for listed in ShadowVisit.objects.filter(pairing__member=member).values_list(
            "staff_names", flat=True
        ):
            names += STAFF_NAME_SEPARATORS.split(listed)
        return sorted({name.strip() for name in names if name and name.strip()}, key=len)

    def next_steps(self) -> list[str]:
        """The workflow steps an administrator may take now (names of the staff actions)."""
        steps: list[str] = []
        if self.status == self.Status.RECEIVED:
            steps += ["accept", "reject"]
        if self.status == self.Status.ACCEPTED:
            steps.append("forward")
        if self.status in (self.Status.FORWARDED, self.Status.ANSWERED):
            steps.append("mediate")
        if self.status in (
            self.Status.ACCEPTED,
            self.Status.FORWARDED,
            self.Status.ANSWERED,
            self.Status.MEDIATION,
        ):
            steps += ["resolve", "close"]
        if self.accepted_on and not self.upheld_on and not self.rejected:
            steps.append("uphold")
        if self.awaits_account_decision():
            steps += ["publish_account", "withhold_account"]
        steps.append("note")
        return steps


class ComplaintEvent(models.Model):
    """One timestamped step of a complaint's timeline."""

    class Kind(models.TextChoices):
        RECEIVED = "received", _("complaint received")
        ACCEPTED = "accepted", _("accepted")
        REJECTED = "rejected", pgettext_lazy("complaint", "rejected")
        FORWARDED = "forwarded", _("forwarded to the member")
        ANSWERED = "answered", _("answer from the member")
        MEDIATION = "mediation", _("mediation started")
        RESOLVED = "resolved", _("resolved")
        CLOSED_UNRESOLVED = "closed_unresolved", _("closed unresolved")
        UPHELD = "upheld", _("found justified (upheld)")
        INFORMATION = "information", _("more information from the consumer")
        NOTE = "note", _("internal note")
        REMINDER = "reminder", _("deadline reminder sent")
        ESCALATED = "escalated", _("reported overdue to the administrators")
        FEEDBACK = "feedback", _("satisfaction feedback")
        IMPORTED = "imported", _("imported from a file")
        ACCOUNT_PUBLISHED = "account_published", _("anonymised account published")
        ACCOUNT_WITHHELD = "account_withheld", _("anonymised account not published")

    class Visibility(models.TextChoices):
        PUBLIC = "public", _("consumer, member and cooperative")
        MEMBER = "member", _("member and cooperative")
        INTERNAL = "internal", _("cooperative only")

    # What each party's pages show of the timeline (the cooperative's desk shows everything).
    SHOWN_TO_CONSUMER = (Visibility.PUBLIC,)
    SHOWN_TO_MEMBER = (Visibility.PUBLIC, Visibility.MEMBER)

    class Actor(models.TextChoices):
        CONSUMER = "consumer", _("consumer")
        MEMBER = "member", _("member")
        COOPERATIVE = "cooperative", _("cooperative")
        SYSTEM = "system", _("system")

    complaint = models.ForeignKey(
        Complaint, on_delete=models.CASCADE, related_name="events", verbose_name=_("complaint")
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    visibility = models.CharField(
        _("visible to"), max_length=10, choices=Visibility.choices, default=Visibility.PUBLIC
    )
    actor = models.CharField(
        pgettext_lazy("a party to a complaint", "by"), max_length=12, choices=Actor.choices
    )
    by = models.ForeignKey(
        User,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("user"),
    )
    on = models.DateField(_("date"))
    at = models.DateTimeField(_("recorded at"), default=timezone.now)
    text = models.TextField(_("text"), blank=True, default="")

    class Meta:
        verbose_name = _("complaint event")
        verbose_name_plural = _("complaint events")
        ordering = ["complaint", "at", "pk"]

    def __str__(self) -> str:
        return f"{self.complaint} · {self.get_kind_display()}"

    @property
    def is_public(self) -> bool:
        return self.visibility == self.Visibility.PUBLIC

    @property
    def is_member_only(self) -> bool:
        return self.visibility == self.Visibility.MEMBER


class Evidence(EvidenceFile):
    """A photo or PDF the consumer sent, checked by content and re-encoded on the way in."""

    complaint = models.ForeignKey(
        Complaint, on_delete=models.CASCADE, related_name="evidence", verbose_name=_("complaint")
    )
    event = models.ForeignKey(
        ComplaintEvent,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="evidence",
        verbose_name=_("sent with"),
    )

    class Meta:
        verbose_name = _("evidence")
        verbose_name_plural = _("evidence")
        ordering = ["complaint", "uploaded_at", "pk"]

    def evidence_folder(self) -> str:
        return f"complaints/{self.complaint_id}"


class SatisfactionFeedback(models.Model):
    """The consumer's rating of how the complaint was handled, given once after closure."""

    class Rating(models.IntegerChoices):
        VERY_UNSATISFIED = 1, _("very unsatisfied")
        UNSATISFIED = 2, _("unsatisfied")
        NEUTRAL = 3, _("neutral")
        SATISFIED = 4, _("satisfied")
        VERY_SATISFIED = 5, _("very satisfied")

    complaint = models.OneToOneField(
        Complaint, on_delete=models.CASCADE, related_name="feedback", verbose_name=_("complaint")
    )
    rating = models.PositiveSmallIntegerField(_("rating"), choices=Rating.choices)
    comment = models.TextField(_("comment"), blank=True, default="")
    created_at = models.DateTimeField(_("given at"), default=timezone.now)

    class Meta:
        verbose_name = _("satisfaction feedback")
        verbose_name_plural = _("satisfaction feedback")
        constraints = [
            models.CheckConstraint(
                condition=Q(rating__gte=1, rating__lte=5), name="feedback_rating_1_to_5"
            )
        ]

    def __str__(self) -> str:
        return f"{self.complaint}: {self.rating}"


class PublicAccountQuerySet(models.QuerySet["PublicAccount"]):
    def published(self) -> PublicAccountQuerySet:
        return self.filter(status=PublicAccount.Status.PUBLISHED)


class PublicAccount(models.Model):
    """The anonymised account of a closed complaint, as an administrator decided it.

    The consumer's consent is not enough: the account goes public only once an administrator
    has read the text (proposed with the personal data the portal found masked, and edited if
    something still identifies a person) and approved it — or decided not to publish it.
    """

    class Status(models.TextChoices):
        PUBLISHED = "published", pgettext_lazy("anonymised account", "published")
        WITHHELD = "withheld", pgettext_lazy("anonymised account", "not published")

    complaint = models.OneToOneField(
        Complaint,
        on_delete=models.CASCADE,
        related_name="public_account",
        verbose_name=_("complaint"),
    )
    status = models.CharField(_("decision"), max_length=10, choices=Status.choices)
    product = models.CharField(_("product"), max_length=200, blank=True)
    text = models.TextField(_("account"), blank=True)
    reason = models.TextField(_("why it is not published"), blank=True)
    decided_by = models.ForeignKey(
        User,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(_("decided at"), default=timezone.now)

    objects = PublicAccountQuerySet.as_manager()

    class Meta:
        verbose_name = _("anonymised account")
        verbose_name_plural = _("anonymised accounts")

    def __str__(self) -> str:
        return f"{self.complaint}: {self.get_status_display()}"


class ReferenceCounter(models.Model):
    """The last reference number drawn for a cooperative's complaints of one year.

    Drawing a number updates this one row, so it costs the same whatever the number of
    complaints, and concurrent submissions queue on the row instead of drawing the same number.
    """

    cooperative = models.ForeignKey(
        Cooperative, on_delete=models.CASCADE, related_name="+", verbose_name=_("cooperative")
    )
    year = models.PositiveIntegerField(_("year"))
    last = models.PositiveIntegerField(_("last number drawn"), default=0)

    class Meta:
        verbose_name = _("complaint reference counter")
        verbose_name_plural = _("complaint reference counters")
        constraints = [
            models.UniqueConstraint(
                fields=["cooperative", "year"], name="complaint_reference_counter_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.cooperative_id} {self.year}: {self.last}"


class PersonalDataAccess(models.Model):
    """One opening of a complaint's personal data (the contact details) or evidence, by an
    administrator, a member's user or the consumer; the cooperative's administrators read
    the log (PIPL)."""

    class What(models.TextChoices):
        CONTACT = "contact", _("contact details")
        EVIDENCE = "evidence", _("evidence")
        COPY = "copy", _("copy of the personal data")
        PHONE_SEARCH = "phone_search", _("found by a search for the consumer's phone")

    complaint = models.ForeignKey(
        Complaint,
        on_delete=models.CASCADE,
        related_name="personal_data_accesses",
        verbose_name=_("complaint"),
    )
    # Empty: the consumer, with the reference and the tracking code.
    user = models.ForeignKey(
        User,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=pgettext_lazy("personal data access", "opened by"),
    )
    what = models.CharField(_("what was opened"), max_length=20, choices=What.choices)
    evidence_name = models.CharField(_("file"), max_length=120, blank=True, default="")
    at = models.DateTimeField(
        pgettext_lazy("personal data access", "opened at"), default=timezone.now
    )

    class Meta:
        verbose_name = _("opening of personal data")
        verbose_name_plural = _("openings of personal data")
        ordering = ["-at", "-pk"]

    def __str__(self) -> str:
        return f"{self.complaint} · {self.get_what_display()}"


class DataRequest(models.Model):
    """A consumer's request, made with the reference and tracking code, for a copy of the
    personal data the portal holds about them or for its deletion, and the administrator's
    decision (PIPL articles 45 and 47)."""

    class Kind(models.TextChoices):
        COPY = "copy", _("a copy of the personal data")
        DELETION = "deletion", _("deletion of the personal data")

    class Status(models.TextChoices):
        PENDING = "pending", _("awaiting a decision")
        GRANTED = "granted", _("granted")
        REFUSED = "refused", _("refused")

    complaint = models.ForeignKey(
        Complaint,
        on_delete=models.CASCADE,
        related_name="data_requests",
        verbose_name=_("complaint"),
    )
    kind = models.CharField(_("request"), max_length=20, choices=Kind.choices)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.PENDING
    )
    asked_at = models.DateTimeField(_("asked at"), default=timezone.now)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decided_by = models.ForeignKey(
        User,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decided by"),
    )
    reason = models.TextField(_("reason given to the consumer"), blank=True, default="")

    class Meta:
        verbose_name = _("personal data request")
        verbose_name_plural = _("personal data requests")
        ordering = ["-asked_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["complaint", "kind"],
                condition=Q(status="pending"),
                name="data_request_one_pending_per_kind",
            )
        ]

    def __str__(self) -> str:
        return f"{self.complaint} · {self.get_kind_display()}"

    @property
    def is_pending(self) -> bool:
        return self.status == self.Status.PENDING
