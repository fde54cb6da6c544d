from __future__ import annotations

import datetime

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from simple_history.models import HistoricalRecords

from coop_portal.models import EvidenceFile, PreviewedUpload
from coop_portal.workdays import Deadline, working_deadline
from members.models import Cooperative, Lab, Member, localised


def result_history() -> HistoricalRecords:
    """The history of a result: who, when, old → new, and why (a reason of any length)."""
    return HistoricalRecords(history_change_reason_field=models.TextField(null=True))


class TestCategory(models.Model):
    """A category of the cooperative's test catalogue (e.g. fabrics, bedding)."""

    cooperative = models.ForeignKey(
        Cooperative,
        on_delete=models.CASCADE,
        related_name="test_categories",
        verbose_name=_("cooperative"),
    )
    code = models.SlugField(_("code"), max_length=50)
    name_zh = models.CharField(_("name (Chinese)"), max_length=100)
    name_en = models.CharField(_("name (English)"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("test category")
        verbose_name_plural = _("test categories")
        ordering = ["cooperative", "code"]
        constraints = [
            models.UniqueConstraint(
                fields=["cooperative", "code"], name="test_category_unique_code"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return localised(self.name_zh, self.name_en)


def pass_counts() -> dict[str, models.Count]:
    """Aggregates of results: ``inspections``, their number, and ``passed``, those with verdict
    pass. Every pass rate is the percentage of the two."""
    return {
        "inspections": models.Count("pk"),
        "passed": models.Count("pk", filter=models.Q(verdict=Inspection.Verdict.PASS)),
    }


class InspectionQuerySet(models.QuerySet["Inspection"]):
    def final(self) -> InspectionQuerySet:
        """Results that count: not voided by an upheld objection."""
        return self.filter(status=Inspection.Status.FINAL)

    def spot_checks(self) -> InspectionQuerySet:
        """Supervision spot checks (监督抽查), the results the public statistics are made of."""
        return self.filter(kind=Inspection.Kind.SUPERVISION)

    def failed(self) -> InspectionQuerySet:
        return self.filter(verdict=Inspection.Verdict.FAIL)

    def rectifying_retests(self) -> InspectionQuerySet:
        """Re-tests that may rectify the failure they point to: entered by the cooperative,
        delivered by the lab of the failed report, or accepted by the regulator."""
        return self.filter(retest_of__isnull=False).filter(
            ~models.Q(source__in=Inspection.LAB_SOURCES)
            | models.Q(lab=models.F("retest_of__lab"))
            | models.Q(retest_accepted_at__isnull=False)
        )

    def of_member(self, member: Member) -> InspectionQuerySet:
        return self.filter(member=member)


class Inspection(models.Model):
    """One inspection report of a sampled product of a member."""

    class Kind(models.TextChoices):
        SUPERVISION = "supervision", _("supervision spot check")
        COMMISSIONED = "commissioned", _("commissioned by the member")

    class Verdict(models.TextChoices):
        PASS = "pass", _("pass")
        FAIL = "fail", _("fail")

    class Severity(models.TextChoices):
        MINOR = "minor", _("minor")
        MAJOR = "major", _("major")
        CRITICAL = "critical", _("critical")

    class Status(models.TextChoices):
        FINAL = "final", _("final")
        VOIDED = "voided", _("voided")

    class Source(models.TextChoices):
        ADMIN = "admin", _("administration pages")
        UPLOAD = "upload", _("lab upload")
        API = "api", _("lab API")
        IMPORT = "import", _("file import")

    # The ways a lab delivers its own reports (its API token, its upload page).
    LAB_SOURCES = (Source.UPLOAD, Source.API)

    # Indexed by the unique (cooperative, report number) constraint, which starts with it: a
    # second index would only slow down every insert of a million-row import.
    cooperative = models.ForeignKey(
        Cooperative,
        on_delete=models.PROTECT,
        related_name="inspections",
        verbose_name=_("cooperative"),
        db_index=False,
    )
    report_no = models.CharField(_("report number"), max_length=60)
    # Indexed by (member, sampled_on) below.
    member = models.ForeignKey(
        Member,
        on_delete=models.PROTECT,
        related_name="inspections",
        verbose_name=_("member"),
        db_index=False,
    )
    product = models.CharField(_("product"), max_length=200)
    category = models.ForeignKey(
        TestCategory,
        on_delete=models.PROTECT,
        related_name="inspections",
        verbose_name=_("category"),
    )
    sampled_on = models.DateField(_("sampled on"))
    reported_on = models.DateField(_("reported on"))
    lab = models.ForeignKey(
        Lab,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="inspections",
        verbose_name=_("lab"),
    )
    lab_name = models.CharField(_("lab name"), max_length=200, blank=True)
    kind = models.CharField(
        pgettext_lazy("inspection", "kind"),
        max_length=20,
        choices=Kind.choices,
        default=Kind.SUPERVISION,
    )
    verdict = models.CharField(_("verdict"), max_length=10, choices=Verdict.choices)
    severity = models.CharField(_("severity"), max_length=10, choices=Severity.choices, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.FINAL
    )
    # The date a re-test passed: it stops the rectification clock of a failed result.
    rectified_on = models.DateField(_("rectified on"), null=True, blank=True)
    retest_of = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="retests",
        verbose_name=_("re-test of"),
        db_index=False,  # a partial index below: few results are re-tests
    )
    # A re-test delivered by another lab than the failed report's rectifies nothing until the
    # regulator (the cooperative's administrator) accepts it.
    retest_accepted_at = models.DateTimeField(_("re-test accepted at"), null=True, blank=True)
    retest_accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("re-test accepted by"),
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    source = models.CharField(
        _("entered through"), max_length=10, choices=Source.choices, default=Source.IMPORT
    )
    # Shown wherever a voided result appears: why an upheld objection voided it.
    void_note = models.TextField(_("note on voiding"), blank=True, default="")

    objects = InspectionQuerySet.as_manager()
    # Every change, whichever way it comes in (inspections/corrections.py for the bulk ones).
    history = result_history()

    class Meta:
        verbose_name = _("inspection")
        verbose_name_plural = _("inspections")
        ordering = ["-reported_on", "report_no"]
        constraints = [
            models.UniqueConstraint(
                fields=["cooperative", "report_no"], name="inspection_unique_report_no"
            ),
        ]
        indexes = [
            # Covering the columns an assessment counts by (pledges/assessment/gather.py): a
            # chunk of members is an index-only range scan, not a pass over the whole table
            # (INCLUDE is PostgreSQL's; other databases get the plain index).
            models.Index(
                fields=["member", "sampled_on"],
                include=["status", "reported_on", "verdict", "severity", "rectified_on"],
                name="inspection_member_sampled",
            ),
            models.Index(
                fields=["retest_of"],
                name="inspection_retest_of",
                condition=models.Q(retest_of__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return self.report_no

    @property
    def failed(self) -> bool:
        return self.verdict == self.Verdict.FAIL

    @property
    def voided(self) -> bool:
        return self.status == self.Status.VOIDED

    @property
    def retest_awaits_acceptance(self) -> bool:
        """A re-test another lab delivered, which the regulator has not accepted yet."""
        failed = self.retest_of
        return (
            failed is not None
            and self.source in self.LAB_SOURCES
            and self.lab_id != failed.lab_id
            and self.retest_accepted_at is None
        )

    def objection_deadline(self, window_days: int) -> Deadline:
        """The last day on which the member may object to this result: an administrative
        procedure, counted in working days from the report date."""
        return working_deadline(
            self.reported_on,
            window_days,
            _("the member may object to an inspection result after its report date"),
        )

    def objection_closes_on(self, window_days: int) -> datetime.date:
        return self.objection_deadline(window_days).due


class TestItem(models.Model):
    """One test item of a category of the catalogue (e.g. formaldehyde content of fabrics)."""

    class ResultType(models.TextChoices):
        NUMBER = "number", _("a number")
        TEXT = "text", _("a grade or a description")

    category = models.ForeignKey(
        TestCategory, on_delete=models.CASCADE, related_name="items", verbose_name=_("category")
    )
    code = models.SlugField(_("code"), max_length=60)
    name_zh = models.CharField(_("name (Chinese)"), max_length=100)
    name_en = models.CharField(_("name (English)"), max_length=100, blank=True)
    method_standard = models.CharField(_("method standard"), max_length=100, blank=True)
    unit = models.CharField(_("unit"), max_length=30, blank=True)
    result_type = models.CharField(
        _("result"), max_length=10, choices=ResultType.choices, default=ResultType.NUMBER
    )
    limit_text = models.CharField(_("limit"), max_length=100, blank=True)
    # The numeric bounds of the limit, when it has them (e.g. at most 75 mg/kg).
    limit_min = models.DecimalField(
        _("lowest acceptable value"), max_digits=12, decimal_places=3, null=True, blank=True
    )
    limit_max = models.DecimalField(
        _("highest acceptable value"), max_digits=12, decimal_places=3, null=True, blank=True
    )

    class Meta:
        verbose_name = _("test item")
        verbose_name_plural = _("test items")
        ordering = ["category", "code"]
        constraints = [
            models.UniqueConstraint(fields=["category", "code"], name="test_item_unique_code"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return localised(self.name_zh, self.name_en)

    @property
    def numeric(self) -> bool:
        return self.result_type == self.ResultType.NUMBER


class ItemResult(models.Model):
    """The result of one test item in one inspection report."""

    class Result(models.TextChoices):
        PASS = "pass", _("pass")
        FAIL = "fail", _("fail")

    inspection = models.ForeignKey(
        Inspection, on_delete=models.CASCADE, related_name="items", verbose_name=_("inspection")
    )
    item = models.ForeignKey(
        TestItem, on_delete=models.PROTECT, related_name="results", verbose_name=_("test item")
    )
    measured_value = models.CharField(_("measured value"), max_length=100)
    # The measured value as a number, for items whose result is a number.
    measured_number = models.DecimalField(
        _("measured number"), max_digits=14, decimal_places=4, null=True, blank=True
    )
    limit = models.CharField(_("limit"), max_length=100, blank=True)
    result = models.CharField(_("result"), max_length=10, choices=Result.choices)

    history = result_history()

    class Meta:
        verbose_name = _("item result")
        verbose_name_plural = _("item results")
        ordering = ["inspection", "item__code"]
        constraints = [
            models.UniqueConstraint(fields=["inspection", "item"], name="item_result_unique_item"),
        ]

    def __str__(self) -> str:
        return f"{self.item}: {self.measured_value}"

    @property
    def limit_shown(self) -> str:
        """The limit the result was judged by: the lab's, else the catalogue's."""
        return self.limit or self.item.limit_text


class RectificationQuerySet(models.QuerySet["Rectification"]):
    def counting(self) -> RectificationQuerySet:
        """Rectifications of failed results that still count (not voided)."""
        return self.filter(
            inspection__verdict=Inspection.Verdict.FAIL,
            inspection__status=Inspection.Status.FINAL,
        )

    def open(self) -> RectificationQuerySet:
        return self.counting().filter(inspection__rectified_on__isnull=True)

    def overdue(self, on: datetime.date) -> RectificationQuerySet:
        """Open rectifications whose deadline passed before the day, of firms still members
        (a firm that was removed or withdrew has nobody left to chase; its failures stay in
        its record)."""
        return (
            self.open().filter(deadline__lt=on).exclude(inspection__member__status__in=Member.LEFT)
        )


class Rectification(models.Model):
    """The rectification (整改) a failed inspection opens; a passing re-test closes it."""

    inspection = models.OneToOneField(
        Inspection,
        on_delete=models.CASCADE,
        related_name="rectification",
        verbose_name=_("inspection"),
    )
    deadline = models.DateField(_("deadline"))
    opened_at = models.DateTimeField(_("opened"), default=timezone.now)

    objects = RectificationQuerySet.as_manager()

    class Meta:
        verbose_name = _("rectification")
        verbose_name_plural = _("rectifications")
        ordering = ["deadline"]
        indexes = [models.Index(fields=["deadline"])]

    def __str__(self) -> str:
        return str(self.inspection)

    def is_overdue(self, on: datetime.date) -> bool:
        return self.inspection.rectified_on is None and self.deadline < on

    @property
    def done_late(self) -> bool:
        rectified_on = self.inspection.rectified_on
        return rectified_on is not None and rectified_on > self.deadline


class CorrectiveAction(models.Model):
    """A step the member took to fix a failed product, recorded in its portal."""

    rectification = models.ForeignKey(
        Rectification,
        on_delete=models.CASCADE,
        related_name="actions",
        verbose_name=_("rectification"),
    )
    taken_on = models.DateField(_("taken on"))
    description = models.TextField(_("what was done"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    recorded_at = models.DateTimeField(_("recorded at"), default=timezone.now)

    class Meta:
        verbose_name = _("corrective action")
        verbose_name_plural = _("corrective actions")
        ordering = ["rectification", "taken_on", "pk"]

    def __str__(self) -> str:
        return f"{self.rectification}: {self.taken_on}"


class Objection(models.Model):
    """A member's objection to an inspection result; a regulator decides it."""

    class Status(models.TextChoices):
        PENDING = "pending", _("pending")
        UPHELD = "upheld", _("upheld")
        REJECTED = "rejected", _("rejected")

    inspection = models.ForeignKey(
        Inspection,
        on_delete=models.CASCADE,
        related_name="objections",
        verbose_name=_("inspection"),
    )
    raised_on = models.DateField(_("raised on"))
    reason = models.TextField(_("reason"))
    raised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("raised by"),
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    decided_on = models.DateField(_("decided on"), null=True, blank=True)
    decision_note = models.TextField(_("decision"), blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decided by"),
    )

    class Meta:
        verbose_name = _("objection")
        verbose_name_plural = _("objections")
        ordering = ["-raised_on", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["inspection"],
                condition=models.Q(status="pending"),
                name="objection_one_pending",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.inspection} ({self.get_status_display()})"


class LabApiTokenQuerySet(models.QuerySet["LabApiToken"]):
    def usable(self) -> LabApiTokenQuerySet:
        return self.filter(revoked_at__isnull=True)


class LabApiToken(models.Model):
    """A lab system's key to the inspections API, for one cooperative. Only a hash is kept."""

    lab = models.ForeignKey(
        Lab, on_delete=models.CASCADE, related_name="api_tokens", verbose_name=_("lab")
    )
    cooperative = models.ForeignKey(
        Cooperative,
        on_delete=models.CASCADE,
        related_name="lab_api_tokens",
        verbose_name=_("cooperative"),
    )
    name = models.CharField(
        pgettext_lazy("lab API token", "name"),
        max_length=100,
        help_text=_("Which lab system uses it."),
    )
    # The first characters of the token, to find its row; the rest is only stored hashed.
    prefix = models.CharField(_("prefix"), max_length=12, unique=True, editable=False)
    secret_hash = models.CharField(_("hashed secret"), max_length=64, editable=False)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    revoked_at = models.DateTimeField(pgettext_lazy("when", "revoked"), null=True, blank=True)

    objects = LabApiTokenQuerySet.as_manager()

    class Meta:
        verbose_name = _("lab API token")
        verbose_name_plural = _("lab API tokens")
        ordering = ["lab", "name"]

    def __str__(self) -> str:
        return f"{self.lab} · {self.name} ({self.prefix}…)"


class LabUploadQuerySet(models.QuerySet["LabUpload"]):
    def of_labs(self, labs: models.QuerySet[Lab]) -> LabUploadQuerySet:
        return self.filter(lab__in=labs)


class LabUpload(PreviewedUpload):
    """One file a lab user uploaded from the lab page (with an optional file of item results):
    previewed, then confirmed or not."""

    cooperative = models.ForeignKey(
        Cooperative,
        on_delete=models.CASCADE,
        related_name="lab_uploads",
        verbose_name=_("cooperative"),
    )
    lab = models.ForeignKey(
        Lab, on_delete=models.CASCADE, related_name="uploads", verbose_name=_("lab")
    )
    file = models.FileField(_("inspections file"), upload_to="lab-uploads/", blank=True)
    items_file_name = models.CharField(_("item-results file name"), max_length=200, blank=True)
    items_file = models.FileField(_("item-results file"), upload_to="lab-uploads/", blank=True)
    change_reason = models.TextField(
        _("reason for the corrections"),
        blank=True,
        help_text=_("Why reports already delivered change, kept in each result's history."),
    )
    item_rows = models.PositiveIntegerField(_("item results"), default=0)

    objects = LabUploadQuerySet.as_manager()

    class Meta:
        verbose_name = _("lab upload")
        verbose_name_plural = _("lab uploads")
        ordering = ["-uploaded_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.lab} · {self.file_name}"


class ServiceRequest(models.Model):
    """A member's request for the test centre's one-stop service (一站式服务)."""

    class Step(models.TextChoices):
        CONSULTATION = "consultation", _("consultation")
        TEST_PLAN = "test_plan", _("test plan")
        SAMPLE_PICKUP = "sample_pickup", _("sample pick-up")
        TESTING = "testing", _("testing")
        RECTIFICATION_ADVICE = "rectification_advice", _("rectification advice")
        COMPLETED = "completed", _("completed")

    cooperative = models.ForeignKey(
        Cooperative,
        on_delete=models.CASCADE,
        related_name="service_requests",
        verbose_name=_("cooperative"),
    )
    member = models.ForeignKey(
        Member, on_delete=models.CASCADE, related_name="service_requests", verbose_name=_("member")
    )
    lab = models.ForeignKey(
        Lab,
        on_delete=models.PROTECT,
        related_name="service_requests",
        verbose_name=_("test centre"),
    )
    product = models.CharField(_("product"), max_length=200)
    question = models.TextField(_("what the member needs"))
    step = models.CharField(
        _("current step"), max_length=30, choices=Step.choices, default=Step.CONSULTATION
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("requested by"),
    )
    created_at = models.DateTimeField(_("requested at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)

    class Meta:
        verbose_name = _("service request")
        verbose_name_plural = _("service requests")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.member} · {self.product}"

    @property
    def steps(self) -> list[tuple[str, str, str]]:
        """Every step with its label and state: done, current or to come."""
        values = list(self.Step.values)
        current = values.index(self.step)
        states = []
        for index, (value, label) in enumerate(self.Step.choices):
            state = "done" if index < current else "current" if index == current else "next"
            if value == self.Step.COMPLETED and self.step == value:
                state = "done"
            states.append((value, str(label), state))
        return states

    def next_step(self) -> str | None:
        values = list(self.Step.values)
        index = values.index(self.step)
        return values[index + 1] if index + 1 < len(values) else None


class ServiceUpdate(models.Model):
    """A note on a service request: the lab's progress or the member's message."""

    request = models.ForeignKey(
        ServiceRequest, on_delete=models.CASCADE, related_name="updates", verbose_name=_("request")
    )
    step = models.CharField(
        pgettext_lazy("one-stop service", "step"),
        max_length=30,
        choices=ServiceRequest.Step.choices,
    )
    note = models.TextField(_("note"))
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("by"),
    )
    at = models.DateTimeField(_("at"), default=timezone.now)

    class Meta:
        verbose_name = _("service update")
        verbose_name_plural = _("service updates")
        ordering = ["request", "at", "pk"]

    def __str__(self) -> str:
        return f"{self.request}: {self.get_step_display()}"


class ObjectionEvidence(EvidenceFile):
    """A photo or PDF the member sent with its objection to a result; the member's users and
    the cooperative's regulators and administrators read it, nobody else."""

    objection = models.ForeignKey(
        Objection, on_delete=models.CASCADE, related_name="evidence", verbose_name=_("objection")
    )

    class Meta:
        verbose_name = _("evidence of an objection")
        verbose_name_plural = _("evidence of objections")
        ordering = ["objection", "uploaded_at", "pk"]

    def evidence_folder(self) -> str:
        return f"inspections/objections/{self.objection_id}"
