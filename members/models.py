from __future__ import annotations

import datetime
from typing import TYPE_CHECKING, Any

from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from .credit_code import normalise, validate_credit_code

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser


def localised(chinese: str, english: str) -> str:
    """The English text when English is active and there is one, else the Chinese."""
    if english and (get_language() or "").startswith("en"):
        return english
    return chinese


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
        """Members of the cooperative on a day: joined on or before it and not left before it."""
        return self.filter(joined_on__lte=day).filter(Q(left_on__isnull=True) | Q(left_on__gte=day))

    def active_between(self, first: datetime.date, last: datetime.date) -> MemberQuerySet:
        """Members active at any time in a period (SCORING.md, "Who is assessed")."""
        return self.filter(joined_on__lte=last).filter(
            Q(left_on__isnull=True) | Q(left_on__gte=first)
        )

    def public(self) -> MemberQuerySet:
        """Members the public directory lists: everyone past the application stage."""
        return self.exclude(status=Member.Status.APPLICANT)

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
        ACTIVE = "active", _("active")
        WARNED = "warned", _("warned")
        SUSPENDED = "suspended", _("suspended")
        REMOVED = "removed", _("removed")
        WITHDRAWN = "withdrawn", _("withdrawn")

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
        return f"{self.member}: {self.from_status} → {self.to_status}"
