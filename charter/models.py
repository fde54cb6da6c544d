from __future__ import annotations

import datetime
import re
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.safestring import SafeString
from django.utils.text import capfirst
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from coop_portal.models import EvidenceFile, FinalOnceLoaded
from coop_portal.workdays import Deadline, working_deadline
from members.models import Cooperative, Member, localised

from .rendering import render_markdown
from .sources import source_label

# The sections of every charter version, in the order the charter shows them.
SECTIONS: list[tuple[str, Any]] = [
    ("purpose", _("Purpose")),
    ("principles", _("Principles")),
    ("duties", _("Duties and obligations of members")),
    ("conditions", _("Basic conditions for members")),
    ("mechanism", _("Entry, exit and supervision mechanism")),
]

# A Markdown list item: "- text", "* text", "+ text" or "1. text".
LIST_ITEM = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s+(?P<text>.+?)\s*$")


def published_charter_error() -> ValidationError:
    return ValidationError(
        gettext(
            "A published charter version never changes. Draft the next version and publish it "
            "with a later effective date instead."
        ),
        code="published_charter_is_final",
    )


class CharterVersionQuerySet(models.QuerySet["CharterVersion"]):
    def published(self) -> CharterVersionQuerySet:
        return self.filter(status=CharterVersion.Status.PUBLISHED)

    def in_force(self, cooperative: Cooperative, on: datetime.date) -> CharterVersion | None:
        """The published version with the latest effective date on or before the day."""
        return (
            self.published()
            .filter(cooperative=cooperative, effective_from__lte=on)
            .order_by("-effective_from", "-number")
            .first()
        )


class CharterVersion(FinalOnceLoaded):
    """One version of a cooperative's charter (公约). A published version never changes."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("draft")
        PUBLISHED = "published", _("published")

    cooperative = models.ForeignKey(
        Cooperative,
        on_delete=models.PROTECT,
        related_name="charter_versions",
        verbose_name=_("cooperative"),
    )
    number = models.PositiveIntegerField(_("version number"))
    effective_from = models.DateField(_("in force from"))
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.DRAFT
    )
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    title_zh = models.CharField(_("title (Chinese)"), max_length=200, blank=True)
    title_en = models.CharField(_("title (English)"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("published by"),
    )
    purpose_zh = models.TextField(_("purpose (Chinese)"), blank=True, default="")
    purpose_en = models.TextField(_("purpose (English)"), blank=True, default="")
    principles_zh = models.TextField(_("principles (Chinese)"), blank=True, default="")
    principles_en = models.TextField(_("principles (English)"), blank=True, default="")
    duties_zh = models.TextField(_("duties and obligations (Chinese)"), blank=True, default="")
    duties_en = models.TextField(_("duties and obligations (English)"), blank=True, default="")
    conditions_zh = models.TextField(
        _("basic conditions for members (Chinese)"),
        blank=True,
        default="",
        help_text=_("One condition per Markdown list item: each becomes a line of the checklist."),
    )
    conditions_en = models.TextField(
        _("basic conditions for members (English)"), blank=True, default=""
    )
    mechanism_zh = models.TextField(
        _("entry, exit and supervision mechanism (Chinese)"), blank=True, default=""
    )
    mechanism_en = models.TextField(
        _("entry, exit and supervision mechanism (English)"), blank=True, default=""
    )
    change_note_zh = models.TextField(_("what changed (Chinese)"), blank=True, default="")
    change_note_en = models.TextField(_("what changed (English)"), blank=True, default="")

    objects = CharterVersionQuerySet.as_manager()
    history = HistoricalRecords()
    remembered = ("status",)

    class Meta:
        verbose_name = _("charter version")
        verbose_name_plural = _("charter versions")
        ordering = ["cooperative", "-effective_from", "-number"]
        constraints = [
            models.UniqueConstraint(
                fields=["cooperative", "number"], name="charter_version_unique_number"
            ),
            # So that exactly one version is in force on any day.
            models.UniqueConstraint(
                fields=["cooperative", "effective_from"],
                condition=Q(status="published"),
                name="charter_version_unique_published_day",
            ),
        ]

    def __str__(self) -> str:
        # In words wherever a version stands for itself (the admin's lists, breadcrumbs and
        # titles, messages): the cooperative's name in the reader's language, never its slug.
        return _("%(cooperative)s charter, version %(number)s") % {
            "cooperative": self.cooperative.name,
            "number": self.number,
        }

    def is_final(self) -> bool:
        return self.stored.get("status") == self.Status.PUBLISHED

    def final_error(self) -> Exception:
        return published_charter_error()

    @property
    def is_published(self) -> bool:
        return self.status == self.Status.PUBLISHED

    @property
    def title(self) -> str:
        return localised(self.title_zh, self.title_en) or gettext("Charter")

    def section_text(self, key: str, language: str | None = None) -> str:
        """The Markdown of a section, in a language ("zh" or "en") or the active one."""
        if language is None:
            return localised(getattr(self, f"{key}_zh"), getattr(self, f"{key}_en"))
        return str(getattr(self, f"{key}_{language}"))

    def sections(self) -> list[tuple[str, str, SafeString]]:
        """(key, heading, sanitised HTML) of each section, in the active language."""
        return [
            (key, str(heading), render_markdown(self.section_text(key)))
            for key, heading in SECTIONS
        ]

    @property
    def change_note(self) -> str:
        return localised(self.change_note_zh, self.change_note_en)

    def basic_conditions(self, language: str | None = None) -> list[str]:
        """The list items of the basic-conditions section: the reviewer's checklist.

        In a language ("zh" or "en") or the active one; an item is identified by its position.
        """
        items = []
        for line in self.section_text("conditions", language).splitlines():
            match = LIST_ITEM.match(line)
            if match:
                items.append(match.group("text"))
        return items

    def members_not_accepted(self) -> models.QuerySet[Member]:
        """Current members of the cooperative that have not accepted this version."""
        return (
            Member.objects.filter(
                cooperative_id=self.cooperative_id,
                status__in=[Member.Status.ACTIVE, Member.Status.WARNED, Member.Status.SUSPENDED],
            )
            .exclude(charter_acceptances__version=self)
            .order_by("name")
        )

    def missing_sections(self) -> list[str]:
        """Headings of the sections still empty in either language (publication needs all)."""
        missing = []
        for key, heading in SECTIONS:
            for language, name in (("zh", gettext("Chinese")), ("en", gettext("English"))):
                if not getattr(self, f"{key}_{language}").strip():
                    missing.append(f"{heading} ({name})")
        return missing


class CommitmentKind(models.TextChoices):
    """The measurable commitments of the methodology, in the order SCORING.md lists them: the
    policy names the ones every pledge must hold, pledges hold their targets."""

    PASS_RATE = "pass_rate", _("spot-check pass rate")
    RESPONSE_DAYS = "response_days", _("complaint response time")
    RESOLUTION_DAYS = "resolution_days", _("complaint resolution time")
    RECTIFICATION_DAYS = "rectification_days", _("rectification time")


COMMITMENT_KINDS = tuple(CommitmentKind.values)
DAY_FIELDS = (
    "max_response_days",
    "max_resolution_days",
    "max_rectification_days",
    "rectification_period_days",
    "notice_period_days",
    "appeal_window_days",
    "objection_window_days",
)
COUNT_FIELDS = (
    "suspension_after_consecutive_d",
    "suspension_critical_failures",
    "trademark_after_consecutive_a",
)


class ScoringPolicy(FinalOnceLoaded):
    """The figures marked (policy) in SCORING.md, fixed with each charter version."""

    charter_version = models.OneToOneField(
        CharterVersion,
        on_delete=models.CASCADE,
        related_name="policy",
        verbose_name=_("charter version"),
    )
    # Commitment minimums: a pledge may be stricter, never weaker.
    min_pass_rate = models.DecimalField(
        _("minimum spot-check pass rate (%)"),
        max_digits=4,
        decimal_places=1,
        default=Decimal("90.0"),
        validators=[MinValueValidator(Decimal(0)), MaxValueValidator(Decimal(100))],
    )
    max_response_days = models.PositiveSmallIntegerField(
        _("longest complaint response time (days)"), default=7
    )
    max_resolution_days = models.PositiveSmallIntegerField(
        _("longest complaint resolution time (days)"), default=30
    )
    max_rectification_days = models.PositiveSmallIntegerField(
        _("longest rectification time (days)"), default=60
    )
    # Which commitment kinds every pledge must hold.
    required_kinds = models.JSONField(
        _("required commitment kinds"),
        default=list,
        blank=True,
        help_text=_("Empty means all four kinds."),
    )
    weight_pass_rate = models.PositiveSmallIntegerField(_("weight of the pass rate"), default=50)
    weight_response_days = models.PositiveSmallIntegerField(
        _("weight of response time"), default=20
    )
    weight_resolution_days = models.PositiveSmallIntegerField(
        _("weight of resolution time"), default=20
    )
    weight_rectification_days = models.PositiveSmallIntegerField(
        _("weight of rectification time"), default=10
    )
    critical_penalty = models.DecimalField(
        _("points deducted per critical failure"),
        max_digits=5,
        decimal_places=1,
        default=Decimal("15.0"),
    )
    upheld_penalty = models.DecimalField(
        _("points deducted per upheld complaint"),
        max_digits=5,
        decimal_places=1,
        default=Decimal("2.0"),
    )
    upheld_cap = models.DecimalField(
        _("most points deducted for upheld complaints"),
        max_digits=5,
        decimal_places=1,
        default=Decimal("20.0"),
    )
    grade_a_min = models.DecimalField(
        _("lowest score for grade A"), max_digits=4, decimal_places=1, default=Decimal("90.0")
    )
    grade_b_min = models.DecimalField(
        _("lowest score for grade B"), max_digits=4, decimal_places=1, default=Decimal("75.0")
    )
    grade_c_min = models.DecimalField(
        _("lowest score for grade C"), max_digits=4, decimal_places=1, default=Decimal("60.0")
    )
    rectification_period_days = models.PositiveSmallIntegerField(
        _("rectification period after a warning (days)"), default=90
    )
    notice_period_days = models.PositiveSmallIntegerField(
        _("public notice period (days)"), default=7
    )
    appeal_window_days = models.PositiveSmallIntegerField(_("appeal window (days)"), default=15)
    objection_window_days = models.PositiveSmallIntegerField(
        _("window for objecting to an inspection result (days)"), default=15
    )
    # Lab reports dated inside a period may arrive after it ends: a period is published only
    # once this many days have passed after its last day, so that late data is in.
    late_data_grace_days = models.PositiveSmallIntegerField(
        _("days to wait for late lab data before publishing a period"), default=15
    )
    # A member admitted, re-admitted or converted this late in a period has had no time to
    # publish a pledge or build a record: the period proposes no warning or suspension for it.
    new_member_grace_days = models.PositiveSmallIntegerField(
        _("grace period for members that joined late in a period (days)"), default=60
    )
    cooling_off_days = models.PositiveSmallIntegerField(
        _("cooling-off period before re-admission (days)"), default=365
    )
    suspension_after_consecutive_d = models.PositiveSmallIntegerField(
        _("consecutive D grades that propose a suspension"), default=2
    )
    suspension_critical_failures = models.PositiveSmallIntegerField(
        _("critical failures in one period that propose a suspension"), default=2
    )
    trademark_after_consecutive_a = models.PositiveSmallIntegerField(
        _("consecutive A grades that make a member eligible for the collective trademark"),
        default=2,
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("scoring policy")
        verbose_name_plural = _("scoring policies")

    def __str__(self) -> str:
        return str(self.charter_version)

    def is_final(self) -> bool:
        # A policy is part of its charter version: once that is published it is final.
        return (
            not self._state.adding
            and CharterVersion.objects.published().filter(pk=self.charter_version_id).exists()
        )

    def final_error(self) -> Exception:
        return published_charter_error()

    @property
    def weights(self) -> dict[str, int]:
        return {kind: int(getattr(self, f"weight_{kind}")) for kind in COMMITMENT_KINDS}

    @property
    def kinds_required(self) -> list[str]:
        """The commitment kinds every pledge must hold (an empty list means all four)."""
        return list(self.required_kinds) or list(COMMITMENT_KINDS)

    def clean(self) -> None:
        errors: dict[str, list[str]] = {}

        def refuse(field: str, message: str) -> None:
            errors.setdefault(field, []).append(message)

        for kind in COMMITMENT_KINDS:
            weight = getattr(self, f"weight_{kind}")
            if weight is not None and weight <= 0:
                refuse(f"weight_{kind}", gettext("A weight must be a positive whole number."))
        if self.min_pass_rate is not None and not 0 <= self.min_pass_rate <= 100:
            refuse("min_pass_rate", gettext("The pass rate is a percentage from 0 to 100."))
        for field in DAY_FIELDS:
            value = getattr(self, field)
            if value is not None and value < 1:
                refuse(field, gettext("Give at least 1 day."))
        for field in COUNT_FIELDS:
            value = getattr(self, field)
            if value is not None and value < 1:
                refuse(field, gettext("Give at least 1."))
        for field in ("critical_penalty", "upheld_penalty", "upheld_cap"):
            value = getattr(self, field)
            if value is not None and value < 0:
                refuse(field, gettext("A deduction cannot be negative."))
        grades = {"a": self.grade_a_min, "b": self.grade_b_min, "c": self.grade_c_min}
        for letter, value in grades.items():
            if value is not None and not 0 <= value <= 100:
                refuse(f"grade_{letter}_min", gettext("A grade threshold lies from 0 to 100."))
        if None not in grades.values() and not (
            grades["a"] > grades["b"] > grades["c"]  # type: ignore[operator]
        ):
            refuse(
                "grade_b_min",
                gettext(
                    "Grade thresholds must be ordered: A above B above C (now A %(a)s, B %(b)s, "
                    "C %(c)s)."
                )
                % {"a": grades["a"], "b": grades["b"], "c": grades["c"]},
            )
        kinds = self.required_kinds
        if not isinstance(kinds, list) or not all(isinstance(kind, str) for kind in kinds):
            refuse("required_kinds", gettext("List the required commitment kinds."))
        else:
            unknown = [kind for kind in kinds if kind not in COMMITMENT_KINDS]
            if unknown:
                refuse(
                    "required_kinds",
                    gettext("Unknown commitment kind(s): %(kinds)s. Choose from %(choices)s.")
                    % {"kinds": ", ".join(unknown), "choices": ", ".join(COMMITMENT_KINDS)},
                )
            elif len(set(kinds)) != len(kinds):
                refuse("required_kinds", gettext("Each commitment kind may appear once only."))
        if errors:
            raise ValidationError(errors)


class CharterAcceptanceQuerySet(models.QuerySet["CharterAcceptance"]):
    def has_accepted(self, member: Member, version: CharterVersion) -> bool:
        return self.filter(member=member, version=version).exists()


class CharterAcceptance(models.Model):
    """A member's acceptance of one charter version: who signed for the firm, and when."""

    member = models.ForeignKey(
        Member,
        on_delete=models.CASCADE,
        related_name="charter_acceptances",
        verbose_name=_("member"),
    )
    version = models.ForeignKey(
        CharterVersion,
        on_delete=models.PROTECT,
        related_name="acceptances",
        verbose_name=_("charter version"),
    )
    signatory_name = models.CharField(_("signed for the member by"), max_length=100)
    accepted_at = models.DateTimeField(_("accepted at"), default=timezone.now)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("recorded by"),
    )

    objects = CharterAcceptanceQuerySet.as_manager()

    class Meta:
        verbose_name = _("charter acceptance")
        verbose_name_plural = _("charter acceptances")
        ordering = ["-accepted_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["member", "version"], name="charter_acceptance_once_per_version"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.member} · {self.version}"


class ApplicationQuerySet(models.QuerySet["Application"]):
    def pending(self) -> ApplicationQuerySet:
        return self.filter(status=Application.Status.PENDING)


class Application(models.Model):
    """An application to join a cooperative, filed on the public site."""

    class Status(models.TextChoices):
        PENDING = "pending", _("awaiting review")
        APPROVED = "approved", _("approved")
        REJECTED = "rejected", _("rejected")

    cooperative = models.ForeignKey(
        Cooperative,
        on_delete=models.PROTECT,
        related_name="applications",
        verbose_name=_("cooperative"),
    )
    credit_code = models.CharField(_("unified social credit code"), max_length=18)
    name = models.CharField(_("registered name"), max_length=200)
    name_en = models.CharField(_("name in English"), max_length=200, blank=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Member.Kind.choices)
    scale = models.CharField(_("scale"), max_length=20, choices=Member.Scale.choices, blank=True)
    address = models.CharField(_("address"), max_length=300)
    contact_person = models.CharField(_("contact person"), max_length=100)
    phone = models.CharField(_("phone"), max_length=40)
    email = models.EmailField(_("e-mail"))
    charter_version = models.ForeignKey(
        CharterVersion,
        on_delete=models.PROTECT,
        related_name="applications",
        verbose_name=_("charter version accepted"),
    )
    signatory_name = models.CharField(_("signed for the applicant by"), max_length=100)
    language = models.CharField(_("language"), max_length=10, default="zh-hans")
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.PENDING
    )
    submitted_at = models.DateTimeField(_("submitted at"), default=timezone.now)
    checklist = models.JSONField(_("basic conditions confirmed"), default=list, blank=True)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decided by"),
    )
    decision_reason = models.TextField(_("reason for the decision"), blank=True)
    member = models.ForeignKey(
        Member,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="applications",
        verbose_name=_("member admitted"),
    )

    objects = ApplicationQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("application to join")
        verbose_name_plural = _("applications to join")
        ordering = ["-submitted_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["cooperative", "credit_code"],
                condition=Q(status="pending"),
                name="application_one_pending_per_code",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.credit_code})"


class ExitCaseQuerySet(models.QuerySet["ExitCase"]):
    def open(self) -> ExitCaseQuerySet:
        return self.filter(closed_on__isnull=True)

    def of_cooperative(self, cooperative: Cooperative) -> ExitCaseQuerySet:
        return self.filter(member__cooperative=cooperative)


class ExitCase(models.Model):
    """A member's case under the exit mechanism: its steps, their appeals, and its close."""

    member = models.ForeignKey(
        Member, on_delete=models.PROTECT, related_name="exit_cases", verbose_name=_("member")
    )
    opened_at = models.DateTimeField(_("opened at"), default=timezone.now)
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("opened by"),
        help_text=_("Empty when the assessment engine proposed it."),
    )
    closed_on = models.DateField(_("closed on"), null=True, blank=True)
    closing_reason = models.TextField(_("why it was closed"), blank=True)

    objects = ExitCaseQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("exit case")
        verbose_name_plural = _("exit cases")
        ordering = ["-opened_at"]

    def __str__(self) -> str:
        # People know a case by whose it is and when it was opened, never by its database id.
        return gettext("Case of %(member)s, opened %(date)s") % {
            "member": self.member.display_name,
            "date": date_format(timezone.localtime(self.opened_at).date()),
        }

    @property
    def is_open(self) -> bool:
        return self.closed_on is None

    def current_step(self) -> ExitStep | None:
        """The last step in effect (confirmed and not revoked on appeal)."""
        return self.steps.filter(status=ExitStep.Status.CONFIRMED).order_by("-decided_at").first()


class ExitStepQuerySet(models.QuerySet["ExitStep"]):
    def proposed(self) -> ExitStepQuerySet:
        return self.filter(status=ExitStep.Status.PROPOSED)

    def in_effect(self) -> ExitStepQuerySet:
        """Confirmed steps that a later step has not ended (nor an appeal revoked)."""
        return self.filter(status=ExitStep.Status.CONFIRMED, ended_on__isnull=True)

    def shown_to_member(self) -> ExitStepQuerySet:
        """The steps a member sees of its own cases: those an administrator took. Proposals
        awaiting a decision, and those dismissed or withdrawn, never concerned the member."""
        return self.exclude(status__in=(ExitStep.Status.PROPOSED, ExitStep.Status.DISMISSED))

    def public(self) -> ExitStepQuerySet:
        """Suspensions and removals in effect: the public ones. Warnings are never public."""
        return self.in_effect().filter(kind__in=ExitStep.PUBLIC_KINDS)

    def for_member(self, member: Member) -> ExitStepQuerySet:
        return self.filter(case__member=member)

    def of_cooperative(self, cooperative: Cooperative) -> ExitStepQuerySet:
        return self.filter(case__member__cooperative=cooperative)


class ExitStep(models.Model):
    """One step of an exit case: proposed, then confirmed or dismissed by an administrator."""

    class Kind(models.TextChoices):
        WARNING = "warning", _("warning")
        SUSPENSION = "suspension", _("suspension")
        REMOVAL = "removal", _("removal")
        WITHDRAWAL = "withdrawal", _("voluntary withdrawal")
        RESTORATION = "restoration", _("restored after rectification")
        TRADEMARK_ELIGIBLE = "trademark_eligible", _("eligible for the collective trademark")

    class Status(models.TextChoices):
        PROPOSED = "proposed", _("proposed, awaiting decision")
        CONFIRMED = "confirmed", _("in effect")
        DISMISSED = "dismissed", _("dismissed")
        REVOKED = "revoked", _("revoked on appeal")

    PUBLIC_KINDS = (Kind.SUSPENSION, Kind.REMOVAL)
    APPEALABLE_KINDS = (Kind.WARNING, Kind.SUSPENSION, Kind.REMOVAL)

    case = models.ForeignKey(
        ExitCase, on_delete=models.CASCADE, related_name="steps", verbose_name=_("case")
    )
    kind = models.CharField(_("step"), max_length=20, choices=Kind.choices)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.PROPOSED
    )
    reason = models.TextField(_("reason"))
    # A reason the portal wrote (an assessment's proposal) is kept in English too, so that
    # each reader reads it in their language (``reason_text``); an administrator's own words
    # are kept as typed, with this empty.
    reason_en = models.TextField(_("reason in English"), blank=True)
    evidence = models.TextField(
        _("evidence references"),
        blank=True,
        help_text=_("One reference per line: report numbers, complaint numbers, documents."),
    )
    source_ref = models.CharField(
        _("source"),
        max_length=200,
        blank=True,
        help_text=_("What proposed it, e.g. an assessment run; empty when opened by hand."),
    )
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("proposed by"),
    )
    proposed_at = models.DateTimeField(_("proposed at"), default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decided_on = models.DateField(_("effective on"), null=True, blank=True)
    decision_reason = models.TextField(_("reason for the decision"), blank=True)
    rectification_until = models.DateField(_("rectify by"), null=True, blank=True)
    status_before = models.CharField(
        _("member status before the step"),
        max_length=20,
        choices=Member.Status.choices,
        blank=True,
    )
    # A confirmed step stays in effect until the member's next change of status ends it: a
    # later step (``ended_by``), or a re-admission (no step: the application records it).
    ended_on = models.DateField(_("ended on"), null=True, blank=True)
    ended_by = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="ended_steps",
        verbose_name=_("ended by the step"),
    )

    objects = ExitStepQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("exit step")
        verbose_name_plural = _("exit steps")
        ordering = ["case", "proposed_at"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.case.member}"

    @property
    def reason_text(self) -> str:
        """The reason in the reader's language when the portal wrote it in both, else as
        typed."""
        return localised(self.reason, self.reason_en)

    @property
    def is_public(self) -> bool:
        return self.is_in_effect and self.kind in self.PUBLIC_KINDS

    @property
    def is_in_effect(self) -> bool:
        return self.status == self.Status.CONFIRMED and self.ended_on is None

    @property
    def state_label(self) -> str:
        """The step's status as a reader sees it, with the day a confirmed step ended."""
        if self.status == self.Status.CONFIRMED and self.ended_on is not None:
            return gettext("ended on %(day)s") % {"day": date_format(self.ended_on)}
        return str(self.get_status_display())

    @property
    def member_sentence(self) -> str:
        """The step in one sentence for the member it concerns: what it is, since when, until
        when and what the member must do ("Warning: in effect since 3 Mar 2025, rectify by
        1 Jun 2025.")."""
        days = {
            "kind": capfirst(self.get_kind_display()),
            "start": date_format(self.decided_on) if self.decided_on else "",
            "end": date_format(self.ended_on) if self.ended_on else "",
            "until": date_format(self.rectification_until) if self.rectification_until else "",
        }
        if self.status == self.Status.DISMISSED:
            return gettext("%(kind)s: proposed, then dismissed.") % days
        if self.status == self.Status.REVOKED:
            return gettext("%(kind)s: revoked on appeal.") % days
        if self.status == self.Status.PROPOSED:
            return gettext("%(kind)s: proposed, awaiting a decision.") % days
        if self.ended_on is not None:
            if self.decided_on is None:
                return gettext("%(kind)s: ended on %(end)s.") % days
            return gettext("%(kind)s: in effect from %(start)s until %(end)s.") % days
        if self.decided_on is None:
            return gettext("%(kind)s: in effect.") % days
        if self.rectification_until is not None:
            return gettext("%(kind)s: in effect since %(start)s, rectify by %(until)s.") % days
        return gettext("%(kind)s: in effect since %(start)s.") % days

    @property
    def source_label(self) -> str:
        """What proposed the step, in words: the reader never sees its source code."""
        return source_label(self.source_ref)

    def evidence_lines(self) -> list[str]:
        return [line.strip() for line in self.evidence.splitlines() if line.strip()]

    def appeal_window(self, appeal_window_days: int) -> Deadline | None:
        """The last day to appeal the step: an administrative procedure, counted in working
        days from the decision."""
        if self.decided_on is None:
            return None
        return working_deadline(
            self.decided_on,
            appeal_window_days,
            _("the member may appeal a warning, a suspension or a removal after its decision"),
        )

    def appeal_deadline(self, appeal_window_days: int) -> datetime.date | None:
        window = self.appeal_window(appeal_window_days)
        return None if window is None else window.due


class Appeal(models.Model):
    """A member's appeal against a step, decided by an administrator who took no part in it."""

    class Status(models.TextChoices):
        PENDING = "pending", _("awaiting decision")
        UPHELD = "upheld", _("upheld: the step is revoked")
        REJECTED = "rejected", _("rejected: the step stands")

    step = models.OneToOneField(
        ExitStep, on_delete=models.CASCADE, related_name="appeal", verbose_name=_("step")
    )
    grounds = models.TextField(_("grounds of the appeal"))
    lodged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("lodged by"),
    )
    lodged_on = models.DateField(_("lodged on"))
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.PENDING
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_reason = models.TextField(_("reason for the decision"), blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("appeal")
        verbose_name_plural = _("appeals")
        ordering = ["-lodged_on"]

    def __str__(self) -> str:
        return gettext("Appeal against %(step)s") % {"step": self.step}


class AppealEvidence(EvidenceFile):
    """A photo or PDF the member sent with its appeal; the member's users and the
    cooperative's administrators read it, nobody else."""

    appeal = models.ForeignKey(
        Appeal, on_delete=models.CASCADE, related_name="evidence", verbose_name=_("appeal")
    )

    class Meta:
        verbose_name = _("evidence of an appeal")
        verbose_name_plural = _("evidence of appeals")
        ordering = ["appeal", "uploaded_at", "pk"]

    def evidence_folder(self) -> str:
        return f"charter/appeals/{self.appeal_id}"
