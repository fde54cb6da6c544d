from __future__ import annotations

import datetime
import hashlib
from typing import TYPE_CHECKING, Any

from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.db import models
from django.db.models import Exists, F, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from simple_history.models import HistoricalRecords

from coop_portal.language import localised
from coop_portal.models import PreviewedUpload

from .credit_code import normalise, validate_credit_code

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def _create_user(self, email: str, password: str | None, **extra: Any) -> User:
        if not email:
            raise ValueError("An e-mail address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra: Any) -> User:
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra)

    def create_superuser(self, email: str, password: str | None = None, **extra: Any) -> User:
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        return self._create_user(email, password, **extra)


class User(AbstractUser):
    """A person who logs in, by e-mail address. What they may do comes from their roles."""

    username = None  # type: ignore[assignment,misc]
    email = models.EmailField(_("e-mail address"), unique=True)
    language = models.CharField(_("preferred language"), max_length=10, blank=True)

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS = []  # type: ignore[var-annotated]

    objects = UserManager()  # type: ignore[misc,assignment]

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.get_full_name() or self.email

    def has_role(self, cooperative: Cooperative, *kinds: str) -> bool:
        if self.is_superuser:
            return True
        return self.roles.filter(cooperative=cooperative, kind__in=kinds).exists()

    def administers(self, cooperative: Cooperative) -> bool:
        return self.has_role(cooperative, Role.Kind.ADMINISTRATOR)


class CooperativeQuerySet(models.QuerySet["Cooperative"]):
    def administered_by(self, user: User | AnonymousUser) -> CooperativeQuerySet:
        if not user.is_authenticated:
            return self.none()
        if user.is_superuser:
            return self
        return self.filter(roles__user=user, roles__kind=Role.Kind.ADMINISTRATOR).distinct()

    def with_role(self, user: User | AnonymousUser, *kinds: str) -> CooperativeQuerySet:
        if not user.is_authenticated:
            return self.none()
        if user.is_superuser:
            return self
        return self.filter(roles__user=user, roles__kind__in=kinds).distinct()


class Cooperative(models.Model):
    """One quality cooperative (质量合作社), set up for one industry of a cluster."""

    slug = models.SlugField(_("short name"), unique=True, max_length=50)
    name_zh = models.CharField(_("name (Chinese)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200, blank=True)
    industry = models.CharField(_("industry"), max_length=100, blank=True)
    time_zone = models.CharField(_("time zone"), max_length=64, default="Asia/Shanghai")
    contact_email = models.EmailField(_("contact e-mail"), blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=40, blank=True)
    address = models.CharField(_("address"), max_length=300, blank=True)
    description_zh = models.TextField(_("description (Chinese)"), blank=True)
    description_en = models.TextField(_("description (English)"), blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    objects = CooperativeQuerySet.as_manager()

    class Meta:
        verbose_name = _("cooperative")
        verbose_name_plural = _("cooperatives")
        ordering = ["slug"]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return localised(self.name_zh, self.name_en)

    @property
    def description(self) -> str:
        return localised(self.description_zh, self.description_en)

    def today(self) -> datetime.date:
        """Today's date in the cooperative's time zone: deadlines are counted in it."""
        import zoneinfo

        return timezone.now().astimezone(zoneinfo.ZoneInfo(self.time_zone)).date()

    def administrator_emails(self) -> list[str]:
        """Where the cooperative's administrators are told of news: the addresses of its
        active administrator users and its own contact address, sorted, each once."""
        users = User.objects.filter(
            roles__cooperative=self, roles__kind=Role.Kind.ADMINISTRATOR, is_active=True
        ).values_list("email", flat=True)
        return sorted({*users, self.contact_email} - {""})


class Lab(models.Model):
    """A testing institution (检验检测机构) that delivers inspection results."""

    name_zh = models.CharField(_("name (Chinese)"), max_length=200, unique=True)
    name_en = models.CharField(_("name (English)"), max_length=200, blank=True)
    accreditation_no = models.CharField(_("accreditation number"), max_length=60, blank=True)
    cooperatives = models.ManyToManyField(
        Cooperative, related_name="labs", verbose_name=_("cooperatives served"), blank=True
    )

    class Meta:
        verbose_name = _("testing institution")
        verbose_name_plural = _("testing institutions")
        ordering = ["name_zh"]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return localised(self.name_zh, self.name_en)


class MemberQuerySet(models.QuerySet["Member"]):
    def active_on(self, day: datetime.date) -> MemberQuerySet:
        """Members of the cooperative on a day: joined on or before it and not left before it.

        A re-admitted member's earlier memberships count too (they are kept as
        ``PastMembership`` rows), so the answer for a past day does not depend on what
        happened to the member since.
        """
        current = Q(joined_on__lte=day) & (Q(left_on__isnull=True) | Q(left_on__gte=day))
        earlier = PastMembership.objects.filter(
            member=OuterRef("pk"), joined_on__lte=day, left_on__gte=day
        )
        return self.filter(current | Q(Exists(earlier)))

    def active_between(self, first: datetime.date, last: datetime.date) -> MemberQuerySet:
        """Members active at any time in a period (SCORING.md, "Who is assessed")."""
        current = Q(joined_on__lte=last) & (Q(left_on__isnull=True) | Q(left_on__gte=first))
        earlier = PastMembership.objects.filter(
            member=OuterRef("pk"), joined_on__lte=last, left_on__gte=first
        )
        return self.filter(current | Q(Exists(earlier)))

    def search(self, text: str) -> MemberQuerySet:
        """Members whose name (Chinese or English) or credit code contains the text."""
        text = text.strip()
        if not text:
            return self
        return self.filter(
            Q(name__icontains=text)
            | Q(name_en__icontains=text)
            | Q(credit_code__icontains=normalise(text))
        )

    def public(self) -> MemberQuerySet:
        """Members the public directory lists: everyone past the application stage."""
        return self.exclude(status=Member.Status.APPLICANT)

    def still_members(self) -> MemberQuerySet:
        """Public members that have not left: those consumers may complain about."""
        return self.public().exclude(status__in=Member.LEFT)

    def visible_to(self, user: User | AnonymousUser) -> MemberQuerySet:
        """Members whose private records the user may read."""
        if not user.is_authenticated:
            return self.none()
        if user.is_superuser:
            return self
        staff = Q(
            cooperative__roles__user=user,
            cooperative__roles__kind__in=[Role.Kind.ADMINISTRATOR, Role.Kind.REGULATOR],
        )
        own = Q(roles__user=user, roles__kind=Role.Kind.MEMBER_USER)
        return self.filter(staff | own).distinct()


class Member(models.Model):
    """A member unit (社员单位): a firm of any size or a sole proprietor."""

    class Kind(models.TextChoices):
        FIRM = "firm", _("firm")
        SOLE_PROPRIETOR = "sole_proprietor", _("sole proprietor")

    class Scale(models.TextChoices):
        ABOVE_SCALE = "above_scale", _("above designated size")
        SME = "sme", _("small or medium firm")

    class Status(models.TextChoices):
        APPLICANT = "applicant", _("applicant")
        # Django's auth says "active" of an account (有效); a member in good standing is 正常.
        ACTIVE = "active", pgettext_lazy("a member's status", "active")
        WARNED = "warned", _("warned")
        SUSPENDED = "suspended", _("suspended")
        REMOVED = "removed", _("removed")
        WITHDRAWN = "withdrawn", _("withdrawn")

    # A member in one of these has left the cooperative (it may be re-admitted later).
    LEFT = (Status.REMOVED, Status.WITHDRAWN)

    cooperative = models.ForeignKey(
        Cooperative, on_delete=models.PROTECT, related_name="members", verbose_name=_("cooperative")
    )
    credit_code = models.CharField(
        _("unified social credit code"), max_length=18, validators=[validate_credit_code]
    )
    name = models.CharField(_("registered name"), max_length=200)
    name_en = models.CharField(_("name in English"), max_length=200, blank=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    scale = models.CharField(_("scale"), max_length=20, choices=Scale.choices, blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.ACTIVE, db_index=True
    )
    joined_on = models.DateField(_("joined on"), null=True, blank=True)
    left_on = models.DateField(_("left on"), null=True, blank=True)
    address = models.CharField(_("address"), max_length=300, blank=True)
    # Private contact details: never shown on a public page.
    contact_person = models.CharField(_("contact person"), max_length=100, blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = MemberQuerySet.as_manager()
    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        verbose_name = _("member")
        verbose_name_plural = _("members")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["cooperative", "credit_code"], name="member_unique_credit_code"
            ),
        ]
        indexes = [models.Index(fields=["cooperative", "status", "name"])]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        self.credit_code = normalise(self.credit_code)

    @property
    def display_name(self) -> str:
        return localised(self.name, self.name_en)

    @property
    def has_left(self) -> bool:
        return self.status in self.LEFT

    def current_quality_officer(self) -> QualityOfficer | None:
        """The officer in office; uses ``current_officers`` when a list page prefetched it."""
        prefetched = getattr(self, "current_officers", None)
        if prefetched is not None:
            return prefetched[0] if prefetched else None
        return self.quality_officers.current().first()

    def email_recipients(self) -> list[str]:
        """Where every notice to the member goes: its own address and those of its active
        users, sorted, each once. A user whose account was switched off gets no mail."""
        users = User.objects.filter(
            roles__member=self, roles__kind=Role.Kind.MEMBER_USER, is_active=True
        ).values_list("email", flat=True)
        return sorted({*users, self.email} - {""})


class Role(models.Model):
    """What a user may do in one cooperative. A person may hold several roles."""

    class Kind(models.TextChoices):
        ADMINISTRATOR = "administrator", _("administrator")
        REGULATOR = "regulator", _("regulator")
        MEMBER_USER = "member_user", _("member user")
        LAB_USER = "lab_user", _("lab user")

    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="roles", verbose_name=_("user")
    )
    cooperative = models.ForeignKey(
        Cooperative, on_delete=models.CASCADE, related_name="roles", verbose_name=_("cooperative")
    )
    kind = models.CharField(_("role"), max_length=20, choices=Kind.choices)
    member = models.ForeignKey(
        Member,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="roles",
        verbose_name=_("member"),
    )
    lab = models.ForeignKey(
        Lab,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="roles",
        verbose_name=_("lab"),
    )
    # The member's owner invites colleagues and removes them.
    is_owner = models.BooleanField(_("owner"), default=False)
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        verbose_name = _("role")
        verbose_name_plural = _("roles")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "cooperative", "kind", "member", "lab"], name="role_unique"
            ),
            models.CheckConstraint(
                condition=~Q(kind="member_user") | Q(member__isnull=False),
                name="role_member_user_has_member",
            ),
            models.CheckConstraint(
                condition=~Q(kind="lab_user") | Q(lab__isnull=False), name="role_lab_user_has_lab"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_kind_display()} · {self.cooperative.slug}"

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        member = self.member if self.member_id else None
        if member is not None and member.cooperative_id != self.cooperative_id:
            raise ValidationError({"member": _("The member belongs to another cooperative.")})


class Initiator(models.Model):
    """An initiating unit (发起单位) of a cooperative, with the duty it took on."""

    class Kind(models.TextChoices):
        MANAGEMENT_COMMITTEE = "management_committee", _("cluster management committee")
        MARKET_REGULATOR = "market_regulator", _("market regulator")
        UNIVERSITY = "university", _("university")
        TESTING_INSTITUTION = "testing_institution", _("testing institution")
        CHAMBER_OF_COMMERCE = "chamber_of_commerce", _("chamber of commerce")
        ANCHOR_FIRM = "anchor_firm", _("anchor brand firm")

    cooperative = models.ForeignKey(
        Cooperative,
        on_delete=models.CASCADE,
        related_name="initiators",
        verbose_name=_("cooperative"),
    )
    kind = models.CharField(_("type"), max_length=30, choices=Kind.choices)
    name_zh = models.CharField(_("name (Chinese)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200, blank=True)
    duties_zh = models.TextField(_("duties (Chinese)"), blank=True)
    duties_en = models.TextField(_("duties (English)"), blank=True)
    member = models.ForeignKey(
        Member,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="initiator_roles",
        verbose_name=_("member record (anchor firms)"),
    )
    lab = models.ForeignKey(
        Lab,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="initiator_roles",
        verbose_name=_("lab record (testing institutions)"),
    )

    class Meta:
        verbose_name = _("initiator")
        verbose_name_plural = _("initiators")
        ordering = ["cooperative", "kind", "name_zh"]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return localised(self.name_zh, self.name_en)

    @property
    def duties(self) -> str:
        return localised(self.duties_zh, self.duties_en)


class StatusChange(models.Model):
    """One step of a member's lifecycle: who moved it, when, why, from what to what."""

    member = models.ForeignKey(
        Member, on_delete=models.CASCADE, related_name="status_changes", verbose_name=_("member")
    )
    from_status = models.CharField(_("from"), max_length=20, choices=Member.Status.choices)
    to_status = models.CharField(_("to"), max_length=20, choices=Member.Status.choices)
    on = models.DateField(_("effective on"))
    reason = models.TextField(_("reason"))
    by = models.ForeignKey(
        User,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decided by"),
    )
    at = models.DateTimeField(_("recorded at"), default=timezone.now)

    class Meta:
        verbose_name = _("status change")
        verbose_name_plural = _("status changes")
        ordering = ["member", "at"]

    def __str__(self) -> str:
        # The statuses' labels in the reader's language, never their stored codes.
        return _("%(member)s: %(from)s → %(to)s") % {
            "member": self.member,
            "from": self.get_from_status_display(),
            "to": self.get_to_status_display(),
        }


class PastMembership(models.Model):
    """An earlier, closed membership of a member that left and was re-admitted.

    The member row holds the current membership (``joined_on`` … ``left_on``); re-admission
    moves the closed one here, so "who was a member on day D" stays answerable.
    """

    member = models.ForeignKey(
        Member, on_delete=models.CASCADE, related_name="past_memberships", verbose_name=_("member")
    )
    joined_on = models.DateField(_("joined on"))
    left_on = models.DateField(_("left on"))
    left_as = models.CharField(
        _("left as"), max_length=20, choices=Member.Status.choices, blank=True
    )

    class Meta:
        verbose_name = _("past membership")
        verbose_name_plural = _("past memberships")
        ordering = ["member", "joined_on"]

    def __str__(self) -> str:
        return f"{self.member}: {self.joined_on} – {self.left_on}"


class QualityOfficerQuerySet(models.QuerySet["QualityOfficer"]):
    def current(self) -> QualityOfficerQuerySet:
        return self.filter(replaced_on__isnull=True)


class QualityOfficer(models.Model):
    """A member's chief quality officer (首席质量官). One is in office at a time."""

    member = models.ForeignKey(
        Member, on_delete=models.CASCADE, related_name="quality_officers", verbose_name=_("member")
    )
    # A person's name (姓名), not the name of a thing (名称, as Django's auth has it).
    name = models.CharField(pgettext_lazy("a person's name", "name"), max_length=100)
    # Private contact details: never shown on a public page.
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    appointed_on = models.DateField(
        _("appointed on"), null=True, blank=True, help_text=_("Empty when unknown (imported).")
    )
    replaced_on = models.DateField(
        _("replaced on"),
        null=True,
        blank=True,
        help_text=_("Empty while the officer is in office."),
    )

    objects = QualityOfficerQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("chief quality officer")
        verbose_name_plural = _("chief quality officers")
        ordering = ["member", "-appointed_on"]
        constraints = [
            models.UniqueConstraint(
                fields=["member"],
                condition=Q(replaced_on__isnull=True),
                name="quality_officer_one_current",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def training_hours(self) -> Any:
        return sum(record.hours for record in self.training_records.all())


class TrainingRecord(models.Model):
    """A course the cooperative trained a chief quality officer in."""

    officer = models.ForeignKey(
        QualityOfficer,
        on_delete=models.CASCADE,
        related_name="training_records",
        verbose_name=_("chief quality officer"),
    )
    course = models.CharField(_("course"), max_length=200)
    on = models.DateField(_("date"))
    hours = models.DecimalField(_("hours"), max_digits=5, decimal_places=1)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("training record")
        verbose_name_plural = _("training records")
        ordering = ["officer", "on"]

    def __str__(self) -> str:
        return f"{self.course} ({self.on})"


class PairingQuerySet(models.QuerySet["Pairing"]):
    def current(self, on: datetime.date) -> PairingQuerySet:
        return self.filter(started_on__lte=on).filter(
            Q(ended_on__isnull=True) | Q(ended_on__gte=on)
        )


class Pairing(models.Model):
    """ "Big hand holds small hand": an anchor firm mentors a small member for a while."""

    anchor = models.ForeignKey(
        Member,
        on_delete=models.CASCADE,
        related_name="mentored_pairings",
        verbose_name=_("anchor firm"),
    )
    member = models.ForeignKey(
        Member,
        on_delete=models.CASCADE,
        related_name="mentor_pairings",
        verbose_name=_("small member"),
    )
    started_on = models.DateField(_("from"))
    ended_on = models.DateField(_("to"), null=True, blank=True)

    objects = PairingQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("mentor pairing")
        verbose_name_plural = _("mentor pairings")
        ordering = ["-started_on"]
        constraints = [
            models.CheckConstraint(condition=~Q(anchor=F("member")), name="pairing_two_members"),
        ]

    def __str__(self) -> str:
        return f"{self.anchor} → {self.member}"

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        problems: dict[str, Any] = {}
        if self.anchor_id and self.member_id:
            if self.anchor_id == self.member_id:
                problems["member"] = _("A member cannot mentor itself.")
            elif self.anchor.cooperative_id != self.member.cooperative_id:
                problems["member"] = _("Both members must belong to the same cooperative.")
        if self.ended_on and self.started_on and self.ended_on < self.started_on:
            problems["ended_on"] = _("The end cannot be before the start.")
        if problems:
            raise ValidationError(problems)


class ShadowVisit(models.Model):
    """Staff of the small member shadowing the anchor firm for a day."""

    pairing = models.ForeignKey(
        Pairing, on_delete=models.CASCADE, related_name="visits", verbose_name=_("pairing")
    )
    on = models.DateField(_("date"))
    staff_count = models.PositiveSmallIntegerField(_("staff sent"), default=1)
    # Names of people: private, never on a public page.
    staff_names = models.CharField(_("names of the staff sent"), max_length=300, blank=True)
    topic = models.CharField(_("topic"), max_length=200)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("shadowing visit")
        verbose_name_plural = _("shadowing visits")
        ordering = ["pairing", "on"]

    def __str__(self) -> str:
        return f"{self.on}: {self.topic}"


class Conversion(models.Model):
    """A sole proprietor became a company (个转企): the old registration and the new firm."""

    sole_proprietor = models.OneToOneField(
        Member,
        on_delete=models.PROTECT,
        related_name="conversion",
        verbose_name=_("sole proprietor (old registration)"),
    )
    old_credit_code = models.CharField(_("old credit code"), max_length=18)
    new_credit_code = models.CharField(
        _("new firm's credit code"), max_length=18, validators=[validate_credit_code]
    )
    new_name = models.CharField(_("new firm's registered name"), max_length=200)
    firm = models.ForeignKey(
        Member,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="converted_from",
        verbose_name=_("new firm's member record"),
    )
    converted_on = models.DateField(_("converted on"))
    note = models.TextField(_("note"), blank=True)
    recorded_by = models.ForeignKey(
        User,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("recorded by"),
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("conversion into a company")
        verbose_name_plural = _("conversions into companies")
        ordering = ["-converted_on"]

    def __str__(self) -> str:
        return f"{self.old_credit_code} → {self.new_credit_code}"


class TrademarkLicenceQuerySet(models.QuerySet["TrademarkLicence"]):
    def granted(self) -> TrademarkLicenceQuerySet:
        """Licences granted at some time (drafts awaiting the grant left out)."""
        return self.filter(granted_on__isnull=False)

    def drafts(self) -> TrademarkLicenceQuerySet:
        return self.filter(granted_on__isnull=True, revoked_on__isnull=True)

    def in_force(self, on: datetime.date) -> TrademarkLicenceQuerySet:
        """Licences the licensee may use on the day: granted, neither revoked nor suspended."""
        return (
            self.filter(granted_on__lte=on)
            .filter(Q(revoked_on__isnull=True) | Q(revoked_on__gt=on))
            .filter(Q(suspended_on__isnull=True) | Q(suspended_on__gt=on))
        )


class TrademarkLicence(models.Model):
    """A licence to use one of the chamber's collective trademarks (集体商标).

    A licence follows its licensee's membership: it is suspended with the member and restored
    with it, and revoked when the member leaves (``members.services``, called by the charter's
    exit steps). Confirming that a member is eligible for the trademark drafts one, which an
    administrator then grants.
    """

    class State(models.TextChoices):
        DRAFT = "draft", _("drafted, awaiting the grant")
        IN_FORCE = "in_force", _("in force")
        SUSPENDED = "suspended", _("suspended with the member")
        REVOKED = "revoked", _("revoked")

    trademark = models.CharField(_("trademark"), max_length=100, blank=True)
    licensee = models.ForeignKey(
        Member,
        on_delete=models.CASCADE,
        related_name="trademark_licences",
        verbose_name=_("licensee"),
    )
    granted_on = models.DateField(
        _("granted on"), null=True, blank=True, help_text=_("Empty while the licence is a draft.")
    )
    suspended_on = models.DateField(
        _("suspended since"),
        null=True,
        blank=True,
        help_text=_("Set and cleared with the member's suspension."),
    )
    revoked_on = models.DateField(_("revoked on"), null=True, blank=True)
    note = models.TextField(_("note"), blank=True, help_text=_("Why the licence was drafted."))

    objects = TrademarkLicenceQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("collective trademark licence")
        verbose_name_plural = _("collective trademark licences")
        ordering = [models.F("granted_on").desc(nulls_first=True), "-pk"]

    def __str__(self) -> str:
        return f"{self.trademark or '—'} · {self.licensee}"

    @property
    def state(self) -> str:
        if self.revoked_on is not None:
            return self.State.REVOKED
        if self.granted_on is None:
            return self.State.DRAFT
        if self.suspended_on is not None:
            return self.State.SUSPENDED
        return self.State.IN_FORCE

    def get_state_display(self) -> str:
        return str(self.State(self.state).label)

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        problems: dict[str, Any] = {}
        if self.granted_on and not self.trademark.strip():
            problems["trademark"] = _("Name the trademark the licence grants.")
        if self.revoked_on and self.granted_on and self.revoked_on < self.granted_on:
            problems["revoked_on"] = _("The revocation cannot be before the grant.")
        if self.suspended_on and self.granted_on and self.suspended_on < self.granted_on:
            problems["suspended_on"] = _("The suspension cannot be before the grant.")
        if problems:
            raise ValidationError(problems)


class MemberImport(PreviewedUpload):
    """A members.csv an administrator uploaded: previewed, then imported by a worker (a
    hundred thousand members take longer than a web request may)."""

    cooperative = models.ForeignKey(
        Cooperative,
        on_delete=models.CASCADE,
        related_name="member_imports",
        verbose_name=_("cooperative"),
    )
    file = models.FileField(_("members file"), upload_to="member-imports/", blank=True)

    class Meta:
        verbose_name = _("member import")
        verbose_name_plural = _("member imports")
        ordering = ["-uploaded_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.cooperative} · {self.file_name}"


class FactsChangeQuerySet(models.QuerySet["FactsChange"]):
    def touching(self, first_day: datetime.date, last_day: datetime.date) -> FactsChangeQuerySet:
        """Changes to the facts an assessment of the days from ``first_day`` to ``last_day``
        counts: a fact dated in those days, changed as of a day no later than the last."""
        return self.filter(
            anchor_from__lte=last_day, anchor_to__gte=first_day, effective_on__lte=last_day
        )

    def note(
        self,
        cooperative_id: int,
        *,
        kind: str,
        subject: str,
        anchors: Any,
        effective: Any,
    ) -> FactsChange | None:
        """Record that facts dated on the ``anchors`` days changed as of the earliest of the
        ``effective`` days (nothing when no day is given, e.g. an empty import batch)."""
        anchor_days = [day for day in anchors if day is not None]
        effective_days = [day for day in effective if day is not None] or anchor_days
        if not anchor_days:
            return None
        return self.create(
            cooperative_id=cooperative_id,
            anchor_from=min(anchor_days),
            anchor_to=max(anchor_days),
            effective_on=min(effective_days),
            kind=kind,
            subject=subject[:200],
        )


class FactsChange(models.Model):
    """A change to the dated facts assessments count (an inspection result added, changed or
    voided; a complaint's dates), written by the service that made it.

    A published or final period whose days it touches, changed after its publication, shows
    "facts changed since publication" until the regulator publishes a correction or records
    why none is needed; pages read these rows rather than computing the period again.
    """

    class Kind(models.TextChoices):
        RESULT_ADDED = "result_added", _("inspection result added")
        RESULT_CHANGED = "result_changed", _("inspection result changed")
        RESULT_VOIDED = "result_voided", _("inspection result voided")
        RESULT_RECTIFIED = "result_rectified", _("failed result rectified")
        RESULTS_IMPORTED = "results_imported", _("inspection results imported")
        COMPLAINT_DATES = "complaint_dates", _("complaint dates changed")

    cooperative = models.ForeignKey(
        Cooperative,
        on_delete=models.CASCADE,
        related_name="facts_changes",
        verbose_name=_("cooperative"),
        db_index=False,  # the (cooperative, at) index starts with it
    )
    # The days the changed facts are dated by (an inspection's sampling, a complaint's
    # acceptance): the periods they belong to.
    anchor_from = models.DateField(_("facts dated from"))
    anchor_to = models.DateField(_("facts dated to"))
    # The earliest day the change takes effect (a report date, a date of the complaint's
    # workflow): a period that ended before it counts nothing of it.
    effective_on = models.DateField(_("effective on"))
    kind = models.CharField(_("change"), max_length=20, choices=Kind.choices)
    # The report number or complaint reference (or a file's name for an import).
    subject = models.CharField(_("of"), max_length=200)
    at = models.DateTimeField(_("changed at"), default=timezone.now)

    objects = FactsChangeQuerySet.as_manager()

    class Meta:
        verbose_name = _("change of facts")
        verbose_name_plural = _("changes of facts")
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["cooperative", "at"], name="facts_change_at")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.subject}"


class InvitationQuerySet(models.QuerySet["Invitation"]):
    def pending(self) -> InvitationQuerySet:
        return self.filter(accepted_at__isnull=True, expires_at__gt=timezone.now())


class Invitation(models.Model):
    """An invitation by e-mail to work for a member, from its owner or an administrator (who
    invites the first owner of a new member). Only a hash of the token is kept."""

    VALID_FOR = datetime.timedelta(days=7)

    member = models.ForeignKey(
        Member, on_delete=models.CASCADE, related_name="invitations", verbose_name=_("member")
    )
    email = models.EmailField(_("e-mail address"))
    # The invitee joins as an owner: the first login of a new member is one.
    as_owner = models.BooleanField(_("as owner"), default=False)
    token_hash = models.CharField(_("token hash"), max_length=64, unique=True)
    invited_by = models.ForeignKey(
        User,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("invited by"),
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires"))
    accepted_at = models.DateTimeField(_("accepted at"), null=True, blank=True)

    objects = InvitationQuerySet.as_manager()

    class Meta:
        # The table kept the name it had when invitations belonged to the pledges app.
        db_table = "pledges_invitation"
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(expires_at__gt=models.F("created_at")),
                name="invitation_expires_after_creation",
            ),
        ]

    def __str__(self) -> str:
        return self.email

    @staticmethod
    def hash_token(token: str) -> str:
        return hashlib.sha256(token.encode()).hexdigest()


class MemberNoticeQuerySet(models.QuerySet["MemberNotice"]):
    def for_reader(self, member: Member, language: str) -> MemberNoticeQuerySet:
        """The member's notices, newest first, each once: of the copies of a notice written in
        several languages, the one in the reader's language, else the first written."""
        copies = (
            MemberNotice.objects.filter(member=OuterRef("member"), group=OuterRef("group"))
            .annotate(
                other_language=models.Case(
                    models.When(language=language, then=models.Value(0)),
                    default=models.Value(1),
                )
            )
            .order_by("other_language", "pk")
            .values("pk")[:1]
        )
        return (
            self.filter(member=member, pk=models.Subquery(copies))
            .select_related("email")
            .order_by("-email__created_at", "-pk")
        )


class MemberNotice(models.Model):
    """An e-mail of the outbox that was written to a member (to its own address and its
    users'): what the member portal's notifications page lists."""

    member = models.ForeignKey(
        Member, on_delete=models.CASCADE, related_name="notices", verbose_name=_("member")
    )
    email = models.ForeignKey(
        "coop_portal.OutboxEmail",
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("e-mail"),
    )
    # The copies of one notice in several languages share it (the key they were queued with).
    group = models.CharField(_("notice"), max_length=200)
    language = models.CharField(_("language"), max_length=10, blank=True)

    objects = MemberNoticeQuerySet.as_manager()

    class Meta:
        verbose_name = _("notice to a member")
        verbose_name_plural = _("notices to members")
        constraints = [
            models.UniqueConstraint(fields=["member", "email"], name="member_notice_unique"),
        ]
        indexes = [models.Index(fields=["member", "group"], name="member_notice_group")]

    def __str__(self) -> str:
        return f"{self.member} · {self.email}"
