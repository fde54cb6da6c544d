from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext, ngettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from charter.models import COMMITMENT_KINDS, CommitmentKind, ScoringPolicy
from coop_portal.models import FinalOnceLoaded
from members.models import Cooperative, Member, localised

# The commitment kinds of SCORING.md, in its order; day kinds name the policy field that caps them.
KINDS = COMMITMENT_KINDS
DAY_LIMIT_FIELD = {
    "response_days": "max_response_days",
    "resolution_days": "max_resolution_days",
    "rectification_days": "max_rectification_days",
}


def published_pledge_error() -> ValidationError:
    return ValidationError(
        gettext(
            "A published pledge never changes. Start a new version: it supersedes this one "
            "once it is published."
        ),
        code="published_pledge_is_final",
    )


def charter_minimum(policy: ScoringPolicy, kind: str) -> Decimal:
    """The weakest target the charter allows for a kind: a floor for pass_rate, a cap for days."""
    if kind == "pass_rate":
        return Decimal(policy.min_pass_rate)
    return Decimal(getattr(policy, DAY_LIMIT_FIELD[kind]))


def target_problem(policy: ScoringPolicy, kind: str, target: Decimal) -> str | None:
    """Why a target is not allowed under the charter's policy, naming the minimum; else None."""
    minimum = charter_minimum(policy, kind)
    if kind == "pass_rate":
        if not minimum <= target <= 100:
            return gettext(
                "The spot-check pass rate must be at least %(minimum)s%% (the charter's "
                "minimum) and at most 100%%."
            ) % {"minimum": minimum}
        return None
    if target != target.to_integral_value():
        return gettext("Give a whole number of days.")
    if not 1 <= target <= minimum:
        return gettext(
            "The charter allows at most %(maximum)d days: pledge between 1 and %(maximum)d days."
        ) % {"maximum": minimum}
    return None


def commitment_problems(
    policy: ScoringPolicy, targets: Mapping[str, Decimal | None]
) -> dict[str, str]:
    """Every refused or missing target of a pledge, by kind (an empty dict when all is well)."""
    problems: dict[str, str] = {}
    for kind in KINDS:
        target = targets.get(kind)
        if target is None:
            if kind in policy.kinds_required:
                problems[kind] = gettext("The charter requires this commitment.")
            continue
        problem = target_problem(policy, kind, target)
        if problem:
            problems[kind] = problem
    return problems


class Standard(models.Model):
    """A standard of the cooperative's catalogue (unified standards, 六统一) that pledges cite."""

    class Kind(models.TextChoices):
        NATIONAL = "national", _("national standard (GB)")
        INDUSTRY = "industry", _("industry standard")
        GROUP = "group", _("group standard of the chamber")
        ENTERPRISE = "enterprise", _("enterprise standard")

    cooperative = models.ForeignKey(
        Cooperative,
        on_delete=models.CASCADE,
        related_name="standards",
        verbose_name=_("cooperative"),
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    number = models.CharField(_("number"), max_length=60)
    title_zh = models.CharField(pgettext_lazy("standard", "title (Chinese)"), max_length=200)
    title_en = models.CharField(
        pgettext_lazy("standard", "title (English)"), max_length=200, blank=True
    )

    class Meta:
        verbose_name = _("standard")
        verbose_name_plural = _("standards")
        ordering = ["cooperative", "kind", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["cooperative", "number"], name="standard_unique_number"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

    @property
    def title(self) -> str:
        return localised(self.title_zh, self.title_en)


class PledgeQuerySet(models.QuerySet["Pledge"]):
    def published(self) -> PledgeQuerySet:
        """Versions that were published (withdrawn ones included: they stay on record)."""
        return self.filter(published_on__isnull=False)

    def open(self) -> PledgeQuerySet:
        """Versions still being written or reviewed."""
        return self.filter(
            status__in=[Pledge.Status.DRAFT, Pledge.Status.SUBMITTED, Pledge.Status.RETURNED]
        )

    def awaiting_review(self) -> PledgeQuerySet:
        return self.filter(status=Pledge.Status.SUBMITTED)


# How long a queued render of a pledge's PDF holds its claim (Pledge.claim_pdf_render).
PDF_CLAIM_LIFETIME = datetime.timedelta(minutes=30)


class Pledge(FinalOnceLoaded):
    """One version of a member's public quality guarantee pledge (质量保证承诺)."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("draft")
        SUBMITTED = "submitted", _("submitted")
        RETURNED = "returned", _("returned with comments")
        PUBLISHED = "published", _("published")
        WITHDRAWN = "withdrawn", pgettext_lazy("pledge status", "withdrawn")

    # What a published version fixes for good; status, withdrawal and its PDF may still change.
    CONTENT_FIELDS = remembered = (
        "member_id",
        "version",
        "published_on",
        "statement",
        "promises",
        "valid_from",
        "valid_until",
        "signatory_name",
        "signatory_title",
    )

    member = models.ForeignKey(
        Member, on_delete=models.PROTECT, related_name="pledges", verbose_name=_("member")
    )
    version = models.PositiveIntegerField(_("version"))
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.DRAFT
    )
    published_on = models.DateField(_("published on"), null=True, blank=True)
    withdrawn_on = models.DateField(_("withdrawn on"), null=True, blank=True)
    statement = models.TextField(_("statement"), blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    promises = models.TextField(
        _("further promises"),
        blank=True,
        default="",
        help_text=_("Returns, exchanges, after-sales service … in plain words."),
    )
    valid_from = models.DateField(_("valid from"), null=True, blank=True)
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    signatory_name = models.CharField(_("signed by"), max_length=100, blank=True, default="")
    signatory_title = models.CharField(
        _("position of the signatory"), max_length=100, blank=True, default=""
    )
    review_comments = models.TextField(_("reviewer's comments"), blank=True, default="")
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("submitted by"),
    )
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("reviewed by"),
    )
    pdf = models.FileField(_("PDF"), upload_to="pledges/pdf/", blank=True, default="")
    # When a render of the PDF was last queued: however often the PDF is asked for before it
    # exists, one render is queued per PDF_CLAIM_LIFETIME (claim_pdf_render).
    pdf_claimed_at = models.DateTimeField(_("PDF render queued"), null=True, blank=True)

    objects = PledgeQuerySet.as_manager()
    history = HistoricalRecords(excluded_fields=["pdf", "pdf_claimed_at"])

    class Meta:
        verbose_name = _("pledge")
        verbose_name_plural = _("pledges")
        ordering = ["member", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["member", "version"], name="pledge_unique_version"),
        ]

    def __str__(self) -> str:
        return f"{self.member} v{self.version}"

    def is_final(self) -> bool:
        return self.stored.get("published_on") is not None

    def may_save_final(self, update_fields: Any) -> bool:
        # Status, withdrawal and the PDF may still change; the content never does.
        return all(getattr(self, name) == self.stored[name] for name in self.CONTENT_FIELDS)

    def final_error(self) -> Exception:
        return published_pledge_error()

    def claim_pdf_render(self) -> bool:
        """Whether the caller is the one to queue the PDF's render: it is not drawn, and no
        render was queued within PDF_CLAIM_LIFETIME (one that died lets go then)."""
        now = timezone.now()
        claimed = (
            Pledge.objects.filter(pk=self.pk, pdf="")
            .filter(Q(pdf_claimed_at__isnull=True) | Q(pdf_claimed_at__lt=now - PDF_CLAIM_LIFETIME))
            .update(pdf_claimed_at=now)
        )
        return bool(claimed)

    @property
    def is_editable(self) -> bool:
        """Only a draft or a returned version may be changed by the member."""
        return self.status in (self.Status.DRAFT, self.Status.RETURNED)

    @property
    def was_published(self) -> bool:
        return self.published_on is not None

    def ensure_editable(self) -> None:
        if self.was_published:
            raise published_pledge_error()
        if not self.is_editable:
            raise ValidationError(
                gettext("This version is under review and cannot be changed now."),
                code="pledge_under_review",
            )

    def in_force_on(self, day: datetime.date) -> bool:
        """Whether this version, taken alone, was public on the day (see targets.pledge_in_force)."""
        return (
            self.published_on is not None
            and self.published_on <= day
            and (self.withdrawn_on is None or self.withdrawn_on > day)
        )

    def targets(self) -> dict[str, Decimal]:
        return {commitment.kind: commitment.target for commitment in self.commitments.all()}


def latest_in_force(pledges: Iterable[Pledge], on: datetime.date) -> Pledge | None:
    """pledge_in_force over versions already loaded: the latest published on or before the day,
    unless withdrawn by then (a withdrawn latest version does not bring an earlier one back)."""
    published = [p for p in pledges if p.published_on is not None and p.published_on <= on]
    if not published:
        return None
    latest = max(published, key=lambda p: (p.published_on, p.version))
    if latest.withdrawn_on is not None and latest.withdrawn_on <= on:
        return None
    return latest


class CommitmentQuerySet(models.QuerySet["Commitment"]):
    def in_order(self) -> CommitmentQuerySet:
        return self.order_by(
            models.Case(
                *[models.When(kind=kind, then=index) for index, kind in enumerate(KINDS)],
                output_field=models.IntegerField(),
            )
        )


class Commitment(FinalOnceLoaded):
    """A measurable promise of a pledge: a kind of SCORING.md and the member's own target."""

    Kind = CommitmentKind

    # Indexed by commitment_pledge_targets below.
    pledge = models.ForeignKey(
        Pledge,
        on_delete=models.CASCADE,
        related_name="commitments",
        verbose_name=_("pledge"),
        db_index=False,
    )
    kind = models.CharField(_("kind"), max_length=30, choices=Kind.choices)
    # A percentage for pass_rate, whole days for the others.
    target = models.DecimalField(_("target"), max_digits=5, decimal_places=1)

    objects = CommitmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("commitment")
        verbose_name_plural = _("commitments")
        constraints = [
            models.UniqueConstraint(fields=["pledge", "kind"], name="commitment_unique_kind"),
        ]
        indexes = [
            # The pledge's index, with the kind and the target: an assessment reads the
            # commitments of each pledge in force from the index alone (INCLUDE is
            # PostgreSQL's; other databases get the plain index on the pledge).
            models.Index(
                fields=["pledge"], include=["kind", "target"], name="commitment_pledge_targets"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.target}"

    def is_final(self) -> bool:
        return Pledge.objects.published().filter(pk=self.pledge_id).exists()

    def final_error(self) -> Exception:
        return published_pledge_error()

    def _rate(self) -> str:
        rate = (
            self.target.normalize()
            if self.target == self.target.to_integral_value()
            else self.target
        )
        return f"{rate:f}"

    def target_words(self) -> str:
        """The target alone, as people read it: “95%”, “3 days”."""
        if self.kind == self.Kind.PASS_RATE:
            return gettext("%(rate)s%%") % {"rate": self._rate()}
        days = int(self.target)
        return ngettext("%(days)d day", "%(days)d days", days) % {"days": days}

    def plain_words(self) -> str:
        """The promise as a consumer reads it: “we answer every complaint within 3 days”."""
        if self.kind == self.Kind.PASS_RATE:
            return gettext(
                "At least %(rate)s%% of our products pass the regulator's spot checks."
            ) % {"rate": self._rate()}
        days = int(self.target)
        if self.kind == self.Kind.RESPONSE_DAYS:
            text = ngettext(
                "We answer every complaint within %(days)d day.",
                "We answer every complaint within %(days)d days.",
                days,
            )
        elif self.kind == self.Kind.RESOLUTION_DAYS:
            text = ngettext(
                "We resolve every complaint within %(days)d day.",
                "We resolve every complaint within %(days)d days.",
                days,
            )
        else:
            text = ngettext(
                "We fix every product that fails a spot check within %(days)d day.",
                "We fix every product that fails a spot check within %(days)d days.",
                days,
            )
        return text % {"days": days}


class ProductLine(models.Model):
    """A product line of a pledge version and the standards the member follows for it."""

    pledge = models.ForeignKey(
        Pledge, on_delete=models.CASCADE, related_name="product_lines", verbose_name=_("pledge")
    )
    name = models.CharField(_("product line"), max_length=200)
    standards = models.ManyToManyField(
        Standard, related_name="product_lines", verbose_name=_("standards followed"), blank=True
    )

    class Meta:
        verbose_name = _("product line")
        verbose_name_plural = _("product lines")
        ordering = ["pledge", "pk"]

    def __str__(self) -> str:
        return self.name
