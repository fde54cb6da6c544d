from __future__ import annotations

import datetime
import zoneinfo
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from charter.models import CharterVersion
from coop_portal.models import EvidenceFile, FinalOnceLoaded, FinalRowsQuerySet
from coop_portal.public_cache import data_changed
from coop_portal.workdays import Deadline, working_deadline
from members.models import Cooperative, Member

from ..assessment.periods import period_label, publication_name, revision_name
from .pledge import Pledge


class AssessmentPeriod(models.Model):
    """A period of a cooperative that an assessment covers, both days inclusive."""

    cooperative = models.ForeignKey(
        Cooperative,
        on_delete=models.PROTECT,
        related_name="assessment_periods",
        verbose_name=_("cooperative"),
    )
    code = models.CharField(_("code"), max_length=10)
    first_day = models.DateField(_("first day"))
    last_day = models.DateField(_("last day"))

    class Meta:
        verbose_name = _("assessment period")
        verbose_name_plural = _("assessment periods")
        ordering = ["cooperative", "-last_day"]
        constraints = [
            models.UniqueConstraint(fields=["cooperative", "code"], name="period_unique_code"),
        ]

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        """The period as a reader names it ("first half of 2025"), never its code."""
        return period_label(self.code)

    def has_ended(self, on: datetime.date) -> bool:
        return self.last_day < on


class PublishedDataError(Exception):
    """Published assessment data is never edited in place (SCORING.md, "Publication")."""


# Runs in these states are public snapshots, or were: their rows never change again, except
# for the moves in ALLOWED_MOVES, which touch only the status.
LOCKED_STATUSES = ("published", "final", "superseded")
ALLOWED_MOVES = {("published", "final"), ("published", "superseded"), ("final", "superseded")}
FINAL_MOVE_FIELDS = {"status", "finalised_at", "superseded_at"}


class AssessmentRunQuerySet(FinalRowsQuerySet):
    final_lookup = {"status__in": LOCKED_STATUSES}

    def public(self) -> AssessmentRunQuerySet:
        """Runs the public may read as the current result: published or final."""
        return self.filter(status__in=[AssessmentRun.Status.PUBLISHED, AssessmentRun.Status.FINAL])

    def current(self, period: AssessmentPeriod) -> AssessmentRun | None:
        """The public result of a period: the highest revision among published and final runs."""
        return self.public().filter(period=period).order_by("-revision").first()

    def drafts(self) -> AssessmentRunQuerySet:
        return self.filter(status=AssessmentRun.Status.DRAFT)

    def stalled(self, idle_seconds: int) -> AssessmentRunQuerySet:
        """Runs still computing that started, and finished no chunk, in the last
        ``idle_seconds``: their chunks were never queued or died with a worker."""
        cutoff = timezone.now() - datetime.timedelta(seconds=idle_seconds)
        return self.filter(status=AssessmentRun.Status.COMPUTING, started_at__lte=cutoff).exclude(
            chunks__done_at__gt=cutoff
        )

    def notice_ended(self, on: Any) -> AssessmentRunQuerySet:
        """Published runs whose notice period ended before the day."""
        return self.filter(status=AssessmentRun.Status.PUBLISHED, notice_ends_on__lt=on)

    def update(self, **kwargs: Any) -> int:
        # An update sends no signal; the public pages of the runs' cooperatives show them.
        cooperatives = set(self.values_list("period__cooperative_id", flat=True))
        changed = super().update(**kwargs)
        for cooperative_id in cooperatives:
            data_changed(cooperative_id)
        return changed


class AssessmentRun(FinalOnceLoaded):
    """One computation of a period. Published runs are immutable snapshots."""

    class Status(models.TextChoices):
        COMPUTING = "computing", _("computing")
        DRAFT = "draft", _("draft")
        PUBLISHED = "published", _("published (in public notice)")
        FINAL = "final", pgettext_lazy("assessment run status", "final")
        SUPERSEDED = "superseded", _("superseded")
        FAILED = "failed", _("failed")

    period = models.ForeignKey(
        AssessmentPeriod, on_delete=models.PROTECT, related_name="runs", verbose_name=_("period")
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.COMPUTING
    )
    revision = models.PositiveIntegerField(_("revision"), default=0)
    charter_version = models.ForeignKey(
        CharterVersion,
        on_delete=models.PROTECT,
        related_name="assessment_runs",
        verbose_name=_("charter version"),
    )
    inputs_hash = models.CharField(_("hash of inputs and results"), max_length=64, blank=True)
    revision_note = models.TextField(_("what changed and why"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("started by"),
    )
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=pgettext_lazy("assessment run", "published by"),
    )
    chunks_total = models.PositiveIntegerField(_("chunks"), default=0)
    chunks_done = models.PositiveIntegerField(_("chunks done"), default=0)
    started_at = models.DateTimeField(_("started"), default=timezone.now)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    published_at = models.DateTimeField(pgettext_lazy("when", "published"), null=True, blank=True)
    notice_ends_on = models.DateField(_("notice period ends"), null=True, blank=True)
    finalised_at = models.DateTimeField(_("final since"), null=True, blank=True)
    superseded_at = models.DateTimeField(_("superseded"), null=True, blank=True)
    failure_message = models.TextField(_("why the computation failed"), blank=True)
    # The scoring policy's figures as used, so that the run explains itself.
    policy = models.JSONField(_("scoring policy used"), default=dict, blank=True)
    # A run of a period that had not ended when it was started: a preview, never published
    # (a check constraint refuses it in the database, whatever the code path).
    is_preview = models.BooleanField(_("preview of a period not yet ended"), default=False)
    # Publication runs as a background task: who asked, when and with what note; the task
    # clears the request and records why when it refuses.
    publication_requested_at = models.DateTimeField(
        _("publication requested"), null=True, blank=True
    )
    publication_requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("publication requested by"),
    )
    publication_note = models.TextField(_("note given with the publication"), blank=True)
    publication_error = models.TextField(_("why the publication was refused"), blank=True)

    objects = AssessmentRunQuerySet.as_manager()
    # The status the row had when loaded: what save() and delete() judge a change by.
    remembered = ("status",)

    class Meta:
        verbose_name = _("assessment run")
        verbose_name_plural = _("assessment runs")
        ordering = ["period", "-started_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["period"], condition=Q(status="draft"), name="run_one_draft_per_period"
            ),
            models.UniqueConstraint(
                fields=["period"],
                condition=Q(status="computing"),
                name="run_one_computation_per_period",
            ),
            models.UniqueConstraint(
                fields=["period", "revision"],
                condition=Q(revision__gt=0),
                name="run_unique_revision",
            ),
            models.CheckConstraint(
                condition=Q(is_preview=False)
                | (Q(status__in=["computing", "draft", "failed"]) & Q(revision=0)),
                name="run_preview_never_published",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def is_final(self) -> bool:
        return self.is_locked

    def may_save_final(self, update_fields: Any) -> bool:
        # Only the status moves on (published → final or superseded), with its timestamps.
        move = (self.stored.get("status"), self.status)
        fields = set(update_fields or ())
        return move in ALLOWED_MOVES and bool(fields) and fields <= FINAL_MOVE_FIELDS

    def final_error(self) -> Exception:
        return PublishedDataError("A published assessment run cannot be changed.")

    @property
    def is_locked(self) -> bool:
        """Published, final or superseded: its data never changes again."""
        return self.stored.get("status") in LOCKED_STATUSES

    @property
    def is_public(self) -> bool:
        return self.status in (self.Status.PUBLISHED, self.Status.FINAL)

    @property
    def in_notice_period(self) -> bool:
        """Published and its public notice not over, in its cooperative's calendar: members
        may object, and the result may still change."""
        return (
            self.status == self.Status.PUBLISHED
            and self.notice_ends_on is not None
            and self.period.cooperative.today() <= self.notice_ends_on
        )

    @property
    def notice_days(self) -> int:
        """The public notice's length in working days, from the run's charter policy."""
        return int(getattr(getattr(self.charter_version, "policy", None), "notice_period_days", 7))

    def notice_deadline(self) -> Deadline | None:
        """The end of the public notice period, in which a member may object to its result:
        working days from the publication day, as fixed on publication."""
        if self.notice_ends_on is None or self.published_at is None:
            return None
        published_on = self.published_at.astimezone(
            zoneinfo.ZoneInfo(self.period.cooperative.time_zone)
        ).date()
        return working_deadline(
            published_on,
            self.notice_days,
            _("a member may object to its published result during the public notice"),
            due=self.notice_ends_on,
        )

    @property
    def status_label(self) -> str:
        """The status a reader sees: a preview is never a draft to publish, so it says so."""
        if self.is_preview and self.status == self.Status.DRAFT:
            return str(_("Preview"))
        return str(self.get_status_display())

    @property
    def revision_name(self) -> str:
        """The revision in words ("first publication"), empty before publication."""
        return revision_name(self.revision)

    @property
    def publication_name(self) -> str:
        """The period and revision in words ("first half of 2025, first publication")."""
        return publication_name(self.period.code, self.revision)

    @property
    def short_name(self) -> str:
        """The run in words within its period: its revision once published ("first
        publication"), else when it was computed ("computation of 3/12/2026 14:05")."""
        if self.revision:
            return self.revision_name
        when = date_format(timezone.localtime(self.started_at), "SHORT_DATETIME_FORMAT")
        if self.is_preview:
            return gettext("preview of %(when)s") % {"when": when}
        return gettext("computation of %(when)s") % {"when": when}

    @property
    def name(self) -> str:
        """The run as people name it, never by its number: "first half of 2025, first
        publication", or "…, computation of 3/12/2026 14:05" before publication."""
        if self.revision:
            return self.publication_name
        return gettext("%(period)s, %(revision)s") % {
            "period": self.period.label,
            "revision": self.short_name,
        }

    @property
    def is_publishing(self) -> bool:
        """A draft whose publication is queued or under way."""
        return self.status == self.Status.DRAFT and self.publication_requested_at is not None

    @property
    def progress_percent(self) -> int:
        if not self.chunks_total:
            return 0
        return int(100 * self.chunks_done / self.chunks_total)


class RunChunk(models.Model):
    """A slice of the members of a run, computed by one task; done once its results are in."""

    run = models.ForeignKey(
        AssessmentRun, on_delete=models.CASCADE, related_name="chunks", verbose_name=_("run")
    )
    number = models.PositiveIntegerField(_("number"))
    member_ids = models.JSONField(_("members"), default=list)
    done_at = models.DateTimeField(pgettext_lazy("when", "done"), null=True, blank=True)
    # The digests of the members' results, 64 hexadecimal characters each, in the order of
    # member_ids: what the run's hash combines once every chunk is done.
    digests = models.TextField(_("result digests"), blank=True, default="")

    class Meta:
        verbose_name = _("chunk of a run")
        verbose_name_plural = _("chunks of runs")
        ordering = ["run", "number"]
        constraints = [
            models.UniqueConstraint(fields=["run", "number"], name="run_chunk_unique_number"),
        ]

    def __str__(self) -> str:
        return f"{self.run} · {self.number}"


class MemberAssessmentQuerySet(FinalRowsQuerySet):
    final_lookup = {"run__status__in": LOCKED_STATUSES}

    def update(self, **kwargs: Any) -> int:
        # An update sends no signal; the public pages of the results' cooperatives show them.
        cooperatives = set(self.values_list("run__period__cooperative_id", flat=True))
        changed = super().update(**kwargs)
        for cooperative_id in cooperatives:
            data_changed(cooperative_id)
        return changed


class JSONTextField(models.JSONField):  # type: ignore[type-arg]
    """JSON kept as written: PostgreSQL's ``json`` type (the text, checked) rather than
    ``jsonb`` (taken apart into a binary form); other databases store JSONField as usual.

    A result's details are written once, as the canonical text the run's hash covers, and read
    whole; nothing queries inside them. As ``json`` an assessment writes them a third faster
    (benchmarks/bench_assessment.py). ``json`` has no equality operator: no DISTINCT, GROUP BY
    or ``__contains`` over such a column.
    """

    def db_type(self, connection: Any) -> str | None:
        if connection.vendor == "postgresql":
            return "json"
        return super().db_type(connection)

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> Any:
        if value is None or isinstance(value, str):
            return super().from_db_value(value, expression, connection)
        return value  # psycopg has decoded a json column already


class MemberAssessment(FinalOnceLoaded):
    """One member's result in a run, with the inputs that produced it."""

    class Status(models.TextChoices):
        RATED = "rated", _("rated")
        NOT_RATED = "not_rated", _("insufficient data")
        NO_PLEDGE = "no_pledge", _("no pledge")

    # The run has no index of its own: the unique (run, member) constraint starts with it.
    run = models.ForeignKey(
        AssessmentRun,
        on_delete=models.CASCADE,
        related_name="results",
        verbose_name=_("run"),
        db_index=False,
    )
    member = models.ForeignKey(
        Member, on_delete=models.PROTECT, related_name="assessments", verbose_name=_("member")
    )
    status = models.CharField(_("status"), max_length=20, choices=Status.choices)
    score = models.DecimalField(_("score"), max_digits=4, decimal_places=1, null=True, blank=True)
    grade = models.CharField(_("grade"), max_length=1, blank=True)
    # Each indicator's value and the counts behind it, and the deductions, as computed.
    details = JSONTextField(_("details"), default=dict)
    pledge = models.ForeignKey(
        Pledge,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("pledge assessed"),
    )
    chunk = models.PositiveIntegerField(_("chunk"), default=0)

    objects = MemberAssessmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("member assessment")
        verbose_name_plural = _("member assessments")
        constraints = [
            models.UniqueConstraint(fields=["run", "member"], name="member_assessment_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.member} · {self.run}"

    def is_final(self) -> bool:
        return AssessmentRun.objects.filter(pk=self.run_id, status__in=LOCKED_STATUSES).exists()

    def final_error(self) -> Exception:
        return PublishedDataError("A published assessment cannot be changed.")


class RunCheck(models.Model):
    """One recomputation of a published run's period, and whether it gave the run's hash.

    The public verification page shows the latest one with its date; a background task
    (tasks.check_run_task) makes them, so that no request waits for a whole period
    to be computed again.
    """

    run = models.ForeignKey(
        AssessmentRun, on_delete=models.CASCADE, related_name="checks", verbose_name=_("run")
    )
    checked_at = models.DateTimeField(_("checked"), default=timezone.now)
    matches = models.BooleanField(_("gives the published hash"))
    recomputed_hash = models.CharField(_("hash computed again"), max_length=64)

    class Meta:
        verbose_name = _("recomputation check")
        verbose_name_plural = _("recomputation checks")
        ordering = ["run", "-checked_at"]
        indexes = [models.Index(fields=["run", "-checked_at"], name="run_check_latest")]

    def __str__(self) -> str:
        return f"{self.run} · {self.checked_at:%Y-%m-%d %H:%M}"


class FactsReview(models.Model):
    """The regulator's decision that a published run needs no correction although facts of
    its period changed after publication (members.models.FactsChange), with the reason.

    The other answer to a change of facts is a correction: a new revision with its note. The
    published run itself never changes.
    """

    run = models.ForeignKey(
        AssessmentRun,
        on_delete=models.CASCADE,
        related_name="facts_reviews",
        verbose_name=_("run"),
    )
    reason = models.TextField(_("why no correction is needed"))
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(_("decided at"), default=timezone.now)

    class Meta:
        verbose_name = _("decision on changed facts")
        verbose_name_plural = _("decisions on changed facts")
        ordering = ["run", "-decided_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.run} · {self.decided_at:%Y-%m-%d %H:%M}"


class MemberObjection(models.Model):
    """An objection a member lodges against its published result during the notice period."""

    class Decision(models.TextChoices):
        PENDING = "pending", _("pending")
        UPHELD = "upheld", _("upheld: a corrected revision follows")
        DISMISSED = "dismissed", pgettext_lazy("objection decision", "dismissed")

    run = models.ForeignKey(
        AssessmentRun, on_delete=models.PROTECT, related_name="objections", verbose_name=_("run")
    )
    member = models.ForeignKey(
        Member,
        on_delete=models.PROTECT,
        related_name="assessment_objections",
        verbose_name=_("member"),
    )
    text = models.TextField(_("objection"))
    lodged_at = models.DateTimeField(_("lodged"), default=timezone.now)
    lodged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("lodged by"),
    )
    decision = models.CharField(
        _("decision"), max_length=20, choices=Decision.choices, default=Decision.PENDING
    )
    decision_note = models.TextField(_("reason for the decision"), blank=True)
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decided by"),
    )

    class Meta:
        verbose_name = _("objection to an assessment")
        verbose_name_plural = _("objections to assessments")
        ordering = ["run", "lodged_at"]

    def __str__(self) -> str:
        return f"{self.member} · {self.run}"


class MemberObjectionEvidence(EvidenceFile):
    """A photo or PDF the member sent with its objection to an assessment; the member's users
    and the cooperative's regulators and administrators read it, nobody else."""

    objection = models.ForeignKey(
        MemberObjection,
        on_delete=models.CASCADE,
        related_name="evidence",
        verbose_name=_("objection"),
    )

    class Meta:
        verbose_name = _("evidence of an objection to an assessment")
        verbose_name_plural = _("evidence of objections to assessments")
        ordering = ["objection", "uploaded_at", "pk"]

    def evidence_folder(self) -> str:
        return f"pledges/objections/{self.objection_id}"
