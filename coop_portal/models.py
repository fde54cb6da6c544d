from __future__ import annotations

import datetime
import uuid
from pathlib import PurePath
from typing import TYPE_CHECKING, Any, ClassVar

from django.conf import settings
from django.core.cache import cache
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from simple_history.models import HistoricalRecords

if TYPE_CHECKING:
    from .csvimport import ImportReport

# Tries before an e-mail is given up (left in the outbox, with its last error, for an
# administrator to send again): with the backoff below, a little more than a day of trying.
OUTBOX_MAX_ATTEMPTS = 12
# The wait after the first failed try, doubled after each further one up to the longest wait.
OUTBOX_FIRST_RETRY = datetime.timedelta(minutes=1)
OUTBOX_LONGEST_RETRY = datetime.timedelta(hours=6)
# What a secret becomes in the body of an e-mail once it has been sent.
REDACTED = "****"


def outbox_retry_delay(attempts: int) -> datetime.timedelta:
    """How long to wait before the next try after ``attempts`` failed ones."""
    if attempts <= 0:
        return datetime.timedelta(0)
    return min(OUTBOX_FIRST_RETRY * 2 ** min(attempts - 1, 20), OUTBOX_LONGEST_RETRY)


class OutboxEmailQuerySet(models.QuerySet["OutboxEmail"]):
    def pending(self) -> OutboxEmailQuerySet:
        return self.filter(sent_at__isnull=True)

    def due(self, now: datetime.datetime) -> OutboxEmailQuerySet:
        """Not sent, not given up, its backoff over, and held by no sender."""
        return self.pending().filter(
            Q(claimed_until__isnull=True) | Q(claimed_until__lte=now),
            attempts__lt=OUTBOX_MAX_ATTEMPTS,
            next_attempt_at__lte=now,
        )

    def given_up(self) -> OutboxEmailQuerySet:
        return self.pending().filter(attempts__gte=OUTBOX_MAX_ATTEMPTS)


class OutboxEmail(models.Model):
    """An e-mail written in the same transaction as the change it reports.

    It is sent after commit by a task, or by the outbox sweep when the broker or the worker
    was down. A sender first *claims* it in a transaction of its own (one more attempt, held
    until ``claimed_until``) and commits, then talks to the mail server outside any
    transaction, then records the outcome: a claimed e-mail is sent by nobody else, and an
    attempt, once counted, stays counted whatever happens to the database afterwards.
    """

    # Makes queueing idempotent: the same notice (say, a deadline reminder) is queued once.
    key = models.CharField(_("de-duplication key"), max_length=200, unique=True)
    to = models.JSONField(_("recipients"))
    subject = models.CharField(_("subject"), max_length=300)
    body = models.TextField(_("body"))
    created_at = models.DateTimeField(_("created"), default=timezone.now, db_index=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    # A sender holds the e-mail until then; a sender that died holding it lets go at that time.
    claimed_until = models.DateTimeField(_("held by a sender until"), null=True, blank=True)
    # The earliest time of the next try (the backoff after a failed one).
    next_attempt_at = models.DateTimeField(_("next try"), default=timezone.now)
    # Secrets in the body (a one-time link's token, a tracking code): blanked once sent, so that
    # the outbox does not keep them.
    redact = models.JSONField(_("blanked once sent"), default=list, blank=True)

    objects = OutboxEmailQuerySet.as_manager()

    class Meta:
        verbose_name = _("outgoing e-mail")
        verbose_name_plural = _("outgoing e-mail")
        ordering = ["-created_at"]
        indexes = [
            # The sweep's question: what is due now (a small part of the table: unsent rows).
            models.Index(
                fields=["next_attempt_at"],
                condition=Q(sent_at__isnull=True),
                name="outbox_pending_due",
            )
        ]

    def __str__(self) -> str:
        return self.subject

    def redacted_body(self) -> str:
        return self._redacted(self.body)

    def redacted_subject(self) -> str:
        return self._redacted(self.subject)

    def _redacted(self, text: str) -> str:
        for secret in self.redact:
            if secret:
                text = text.replace(secret, REDACTED)
        return text


class RateLimitCount(models.Model):
    """Posts counted in the database while the cache (Redis) is down, for the limits that must
    hold even then (coop_portal/ratelimits.py): one row per limit, address and time window."""

    # A hash of the limit's name, the address and the window: no address is stored.
    key = models.CharField(max_length=64, unique=True)
    window_ends_at = models.DateTimeField(db_index=True)
    count = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("rate limit count")
        verbose_name_plural = _("rate limit counts")

    def __str__(self) -> str:
        return self.key


class PreviewedUpload(models.Model):
    """A file uploaded to be checked row by row without writing (the preview), then confirmed
    and imported all or nothing. The file is kept in the default storage, not on one web
    server's disk, so that whichever web process or worker confirms it reads the same file.
    Each app's upload adds whose it is."""

    class Status(models.TextChoices):
        PREVIEWED = "previewed", _("previewed, not imported")
        QUEUED = "queued", _("importing")
        IMPORTED = "imported", _("imported")
        REFUSED = "refused", _("refused")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("uploaded by"),
    )
    file_name = models.CharField(_("file name"), max_length=200)
    file = models.FileField(_("file"), upload_to="uploads/", blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PREVIEWED
    )
    rows = models.PositiveIntegerField(_("rows"), default=0)
    created = models.PositiveIntegerField(pgettext_lazy("rows of an import", "created"), default=0)
    updated = models.PositiveIntegerField(pgettext_lazy("rows of an import", "updated"), default=0)
    unchanged = models.PositiveIntegerField(_("unchanged"), default=0)
    errors = models.PositiveIntegerField(_("problems"), default=0)
    uploaded_at = models.DateTimeField(_("uploaded at"), default=timezone.now)
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)

    class Meta:
        abstract = True

    def count(self, report: ImportReport) -> None:
        """Keep the counts of a preview or an import."""
        self.rows, self.created, self.updated = report.rows, report.created, report.updated
        self.unchanged, self.errors = report.unchanged, report.error_count

    def _progress_key(self) -> str:
        return f"upload-progress:{self._meta.label_lower}:{self.pk}"

    def note_progress(self, rows_done: int) -> None:
        """Record how many rows the import running now has written. It goes to the shared
        cache: the import's transaction keeps its rows unseen until it commits."""
        cache.set(self._progress_key(), rows_done, timeout=24 * 60 * 60)

    @property
    def rows_done(self) -> int:
        """Rows written so far: all of them once imported."""
        if self.status == self.Status.IMPORTED:
            return self.rows
        return int(cache.get(self._progress_key()) or 0)


class FinalOnceLoaded(models.Model):
    """A row that never changes once it is final (a published charter version, pledge or
    assessment): saving or deleting it raises ``final_error()``. Whether it is final is read
    from what the database held when the row was loaded (the ``remembered`` fields), so that
    a row cannot be taken out of its final state and changed in the same save."""

    remembered: ClassVar[tuple[str, ...]] = ()

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.is_final() and not self.may_save_final(kwargs.get("update_fields")):
            raise self.final_error()
        super().save(*args, **kwargs)
        self._stored = {name: getattr(self, name) for name in self.remembered}

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        if self.is_final():
            raise self.final_error()
        return super().delete(*args, **kwargs)

    @classmethod
    def from_db(cls, db: Any, field_names: Any, values: Any) -> Any:
        instance = super().from_db(db, field_names, values)
        instance._stored = {name: instance.__dict__.get(name) for name in cls.remembered}
        return instance

    @property
    def stored(self) -> dict[str, Any]:
        """The remembered fields as the database holds them (empty for a new row)."""
        return getattr(self, "_stored", {})

    def is_final(self) -> bool:
        """Whether the row, as stored, may no longer change."""
        raise NotImplementedError

    def may_save_final(self, update_fields: Any) -> bool:
        """Whether this save of a final row is one of the few changes still allowed."""
        return False

    def final_error(self) -> Exception:
        raise NotImplementedError


class FinalRowsQuerySet(models.QuerySet[Any]):
    """Bulk updates and deletes of FinalOnceLoaded rows, which bypass save() and delete():
    they refuse too when a row they would touch is final (``final_lookup`` finds those)."""

    final_lookup: ClassVar[dict[str, Any]] = {}

    def _refuse_final(self) -> None:
        if self.filter(**self.final_lookup).exists():
            raise self.model().final_error()

    def update(self, **kwargs: Any) -> int:
        self._refuse_final()
        return super().update(**kwargs)

    def delete(self) -> tuple[int, dict[str, int]]:
        self._refuse_final()
        return super().delete()


def evidence_path(instance: EvidenceFile, filename: str) -> str:
    """A random name under private/: the web server must never serve this folder directly;
    files go out only through the checked download views (evidence.evidence_response)."""
    suffix = PurePath(filename).suffix.lower()[:6]
    return f"private/{instance.evidence_folder()}/{uuid.uuid4().hex}{suffix}"


class EvidenceFile(models.Model):
    """A photo or PDF someone sent with a complaint, an objection or an appeal, checked by
    content (evidence.check_files) and stored by evidence.store_evidence. Each app's model
    adds what the file belongs to."""

    file = models.FileField(_("file"), upload_to=evidence_path, max_length=200)
    content_type = models.CharField(_("content type"), max_length=50)
    original_name = models.CharField(_("original name"), max_length=120)
    size = models.PositiveIntegerField(_("size in bytes"))
    uploaded_at = models.DateTimeField(_("uploaded at"), default=timezone.now)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.original_name

    def evidence_folder(self) -> str:
        """The folder, under private/, of the record the file belongs to."""
        raise NotImplementedError

    @property
    def is_image(self) -> bool:
        return self.content_type.startswith("image/")


class HolidayNotice(models.Model):
    """A year's holiday calendar as the State Council announced it, entered by hand.

    The working-day clocks (coop_portal/workdays.py) read the ``chinesecalendar`` package,
    which is updated each November after the notice; until it is, an administrator enters
    the notice here. An entered year overrides the package for that year.
    """

    year = models.PositiveSmallIntegerField(_("year"), unique=True)
    # The notice's reference as published, e.g. 国办发明电〔2025〕7号.
    reference = models.CharField(_("notice reference"), max_length=100)
    published_on = models.DateField(_("notice published on"), null=True, blank=True)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("entered by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )
    entered_at = models.DateTimeField(_("entered"), default=timezone.now, editable=False)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("holiday notice")
        verbose_name_plural = _("holiday notices")
        ordering = ["-year"]

    def __str__(self) -> str:
        return f"{self.year} · {self.reference}"


class HolidayNoticeDay(models.Model):
    """One day a notice names: a holiday (with its name) or a make-up working day (调休)."""

    class Kind(models.TextChoices):
        HOLIDAY = "holiday", _("holiday")
        MAKEUP = "makeup", _("make-up working day")

    notice = models.ForeignKey(
        HolidayNotice, verbose_name=_("notice"), on_delete=models.CASCADE, related_name="days"
    )
    day = models.DateField(_("day"))
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    name_zh = models.CharField(_("holiday name (Chinese)"), max_length=50, blank=True)
    name_en = models.CharField(_("holiday name (English)"), max_length=50, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("day of a holiday notice")
        verbose_name_plural = _("days of a holiday notice")
        ordering = ["day"]
        constraints = [
            models.UniqueConstraint(fields=["notice", "day"], name="holiday_notice_day_once")
        ]

    def __str__(self) -> str:
        return f"{self.day.isoformat()} · {self.get_kind_display()}"

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        errors: dict[str, Any] = {}
        # In the admin's inline the notice is the one being added, not saved yet.
        try:
            notice: HolidayNotice | None = self.notice
        except HolidayNotice.DoesNotExist:
            notice = None
        # A notice may name days of the year's edges (a make-up day in late December of the
        # year before, a New Year holiday running into January of the next).
        if notice is not None and notice.year and self.day and abs(self.day.year - notice.year) > 1:
            errors["day"] = _("This day is too far from the notice's year.")
        if self.kind == self.Kind.HOLIDAY and not self.name_zh.strip():
            errors["name_zh"] = _("Give the holiday's name.")
        if self.kind == self.Kind.MAKEUP and self.day and self.day.weekday() < 5:
            errors["day"] = _("A make-up working day falls on a Saturday or a Sunday.")
        if errors:
            raise ValidationError(errors)
