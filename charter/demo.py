"""The charter part of the demo cooperative that `make run` loads."""

from __future__ import annotations

import datetime

from django.db import transaction
from django.db.models import Q

from coop_portal.models import OutboxEmail
from members import demo as members_demo
from members.credit_code import check_character
from members.models import Conversion, Cooperative, Member, Role, User

from . import services
from .models import Application, CharterVersion, ExitStep
from .setup import DEFAULT_SECTIONS, setup_charter

SECOND_VERSION = {
    "title_zh": "南通家纺质量合作社公约（{year} 年修订）",
    "title_en": "Charter of the Nantong home-textile quality cooperative ({year} revision)",
    "duties_zh": DEFAULT_SECTIONS["duties_zh"]
    + "\n- 首席质量官每年参加不少于 16 学时的合作社培训\n- 使用集体商标的社员接受商会的定期检查",
    "duties_en": DEFAULT_SECTIONS["duties_en"]
    + "\n- The chief quality officer takes at least 16 hours of the cooperative's training a year"
    + "\n- Members licensed to use the collective trademark accept the chamber's regular checks",
    "change_note_zh": "{year} 年修订：增加首席质量官培训学时和集体商标检查的义务；申诉期延长至 20 天；"
    "重新入社的冷静期缩短为 180 天。",
    "change_note_en": "{year} revision: training hours for chief quality officers and checks of "
    "collective-trademark users added; appeal window extended to 20 days; cooling-off period "
    "before re-admission shortened to 180 days.",
}
SECOND_EFFECTIVE_FROM = datetime.date(2024, 1, 1)
# The second administrator's login: an appeal must be decided by an administrator who took no
# part in the step, so trying appeals takes a second person beside the main administrator.
REVIEWER_EMAIL = "reviewer@example.cn"
REVIEWER_PASSWORD = "coop-demo-reviewer"  # noqa: S105 - the documented demo login of `make run`
# These members have not accepted the current version yet, so the reminder page shows them.
NOT_YET_ACCEPTED = 3

# What happened to some members of the registry's demo under the exit mechanism: each step
# (kind, days before the day the demo is loaded, reason), taken through the charter's services
# like any other, so the directory, the public exit list and each member's cases agree.
WARNED = "监督抽查床品纤维含量不合格，限期整改。"
SUSPENDED = "整改期满复检仍不合格，暂停社员资格。"
REMOVED = "多次违反公约、拒不整改，予以除名并公示。"
WITHDREW = "企业转产，主动申请退社。"
READMITTED = "重新提出入社申请（纸质申请），经审核重新接纳。"
# Why an administrator confirms the warning a member login may appeal (``confirm_warning``),
# and why one is given by hand should no assessment have proposed it.
# The reason of the first exit step the demo's cases take (``_cases``).
CASE_WARNING = "监督抽查床品两批次不合格，未按承诺期限整改。"
WARNING_CONFIRMED = "经核实，该社员至今未公开有效的质量承诺，确认警告：请尽快提交承诺并接受审核。"
WARNING_BY_HAND = "逾期未公开质量承诺，经催告仍未提交，予以警告，限期整改。"
STORIES: dict[str, list[tuple[str, int, str]]] = {
    "江苏金丝利家纺有限公司": [("warning", 40, WARNED)],
    "通州区志远窗帘店": [("warning", 25, WARNED)],
    "南通安睡枕业有限公司": [("warning", 150, WARNED), ("suspension", 45, SUSPENDED)],
    "通州区川姜镇孙记枕套店": [("warning", 160, WARNED), ("suspension", 50, SUSPENDED)],
    "南通暖冬被业有限公司": [
        ("warning", 540, WARNED),
        ("suspension", 420, SUSPENDED),
        ("removal", 330, REMOVED),
    ],
    "通州区织梦家纺店": [
        ("warning", 560, WARNED),
        ("suspension", 440, SUSPENDED),
        ("removal", 340, REMOVED),
    ],
    "南通棉之韵纺织品有限公司": [("withdrawal", 700, WITHDREW)],
    "通州区蓝天毛巾经营部": [("withdrawal", 720, WITHDREW)],
    # Re-admitted after the cooling-off period (at most 365 days in any version).
    "南通云裳服饰有限公司": [("withdrawal", 900, WITHDREW), ("readmission", 480, READMITTED)],
}


def _code(prefix: str, number: int) -> str:
    stem = f"{prefix}320612MA{number:07d}"
    return stem + check_character(stem)


def _administrator(
    cooperative: Cooperative, email: str, first_name: str, password: str | None = None
) -> User:
    user = User.objects.filter(email=email).first()
    if user is None:
        user = User.objects.create_user(email, password, first_name=first_name, is_staff=True)
    elif password is not None and not user.has_usable_password():
        # A demo loaded before this administrator had a login gets it on the next load.
        user.set_password(password)
        user.save(update_fields=["password"])
    Role.objects.get_or_create(user=user, cooperative=cooperative, kind=Role.Kind.ADMINISTRATOR)
    return user


def _member_user(member: Member) -> User:
    role = member.roles.filter(kind=Role.Kind.MEMBER_USER).select_related("user").first()
    if role is not None:
        return role.user
    user = User.objects.filter(email=f"member-{member.pk}@example.cn").first() or (
        User.objects.create_user(f"member-{member.pk}@example.cn", None, first_name=member.name)
    )
    Role.objects.get_or_create(
        user=user,
        cooperative=member.cooperative,
        kind=Role.Kind.MEMBER_USER,
        member=member,
        defaults={"is_owner": True},
    )
    return user


def second_effective_from(cooperative: Cooperative) -> datetime.date:
    return members_demo.story_day(SECOND_EFFECTIVE_FROM, cooperative.today())


def _versions(cooperative: Cooperative) -> tuple[CharterVersion, CharterVersion]:
    first = setup_charter(cooperative)
    second = cooperative.charter_versions.filter(number=2).first()
    if second is None:
        effective_from = second_effective_from(cooperative)
        draft = services.draft_charter_version(cooperative, effective_from=effective_from)
        for field, value in SECOND_VERSION.items():
            setattr(draft, field, value.replace("{year}", str(effective_from.year)))
        draft.save()
        draft.policy.appeal_window_days = 20
        draft.policy.cooling_off_days = 180
        draft.policy.save()
        # Published on its effective day, as the administrators did then.
        second = services.publish_charter_version(draft, by=None, on=effective_from)
    return first, second


def _acceptances(first: CharterVersion, second: CharterVersion) -> None:
    current = list(
        Member.objects.filter(
            cooperative_id=first.cooperative_id,
            status__in=[Member.Status.ACTIVE, Member.Status.WARNED, Member.Status.SUSPENDED],
        ).order_by("credit_code")
    )
    for member in current:
        if member.joined_on is not None and member.joined_on < second.effective_from:
            services.accept_charter(
                member, first, signatory_name=member.contact_person or "法定代表人", by=None
            )
    # Accepting again changes nothing, so loading the demo twice leaves the same members out.
    for member in current[NOT_YET_ACCEPTED:]:
        services.accept_charter(
            member, second, signatory_name=member.contact_person or "法定代表人", by=None
        )


def _applications(cooperative: Cooperative, version: CharterVersion, reviewer: User) -> None:
    pending_code, rejected_code = _code("92", 8801), _code("91", 8802)
    if not Application.objects.filter(cooperative=cooperative, credit_code=pending_code).exists():
        services.submit_application(
            Application(
                cooperative=cooperative,
                charter_version=version,
                credit_code=pending_code,
                name="通州区川姜镇陈记家纺店",
                name_en="Chen's Home Textile Shop",
                kind=Member.Kind.SOLE_PROPRIETOR,
                address="江苏省南通市通州区川姜镇志浩市场 3 区 12 号",
                contact_person="陈女士",
                phone="13912340001",
                email="chen-shop@example.cn",
                signatory_name="陈丽",
            )
        )
    if not Application.objects.filter(cooperative=cooperative, credit_code=rejected_code).exists():
        application = services.submit_application(
            Application(
                cooperative=cooperative,
                charter_version=version,
                credit_code=rejected_code,
                name="苏州某纺织品贸易有限公司",
                name_en="A Suzhou textile trading company",
                kind=Member.Kind.FIRM,
                scale=Member.Scale.SME,
                address="江苏省苏州市吴江区",
                contact_person="周先生",
                phone="13912340002",
                email="trading@example.cn",
                signatory_name="周强",
            )
        )
        services.reject_application(
            application,
            by=reviewer,
            reason="企业不在本产业集群内，且近两年有产品质量违法记录。",
        )


def _stories(cooperative: Cooperative, registrar: User) -> None:
    """The registry's members' steps under the exit mechanism, and the demo's conversion."""
    today = cooperative.today()
    for name, story in STORIES.items():
        member = cooperative.members.filter(name=name).first()
        if member is None or member.exit_cases.exists():
            continue
        for kind, days_ago, reason in story:
            day = today - datetime.timedelta(days=days_ago)
            if kind == "readmission":
                version = CharterVersion.objects.in_force(cooperative, on=day)
                assert version is not None  # noqa: S101 - the demo's charter is in force
                services.readmit_member(
                    member,
                    by=registrar,
                    reason=reason,
                    signatory_name=member.contact_person or "法定代表人",
                    checklist=list(range(len(version.basic_conditions("zh")))),
                    on=day,
                )
            else:
                services.take_exit_step(member, kind, by=registrar, reason=reason, on=day)
    if not Conversion.objects.filter(sole_proprietor__cooperative=cooperative).exists():
        services.record_conversion(**members_demo.conversion_of(cooperative), by=registrar)


def _cases(cooperative: Cooperative, registrar: User, reviewer: User) -> None:
    # Taken by hand, as an administrator takes steps, they have no source (a source is the
    # record that proposed a step): the first one's reason tells they were taken. (Demos
    # loaded before marked their steps with a "demo:" source.)
    taken = ExitStep.objects.of_cooperative(cooperative).filter(
        Q(reason=CASE_WARNING) | Q(source_ref__startswith="demo:")
    )
    if taken.exists():
        return
    today = cooperative.today()

    def ago(days: int) -> datetime.date:
        return today - datetime.timedelta(days=days)

    # The story's last assessed year and the one before, as the demo is loaded today.
    last_year = members_demo.story_year(2025, today)
    year_before = last_year - 1

    candidates = list(
        cooperative.members.filter(status=Member.Status.ACTIVE, exit_cases__isnull=True)
        .order_by("credit_code")
        .distinct()
    )
    # Leave the anchor firms (the first members) out of the exit cases. The steps' reasons
    # cite inspections and deadlines, never an assessment grade: the assessment part of the
    # demo computes the grades later, and its own proposals say what they call for.
    warned, suspended, removed, withdrawn, appealing = ([*candidates[3:8]] + [None] * 5)[:5]
    if warned is not None:
        services.take_exit_step(
            warned,
            "warning",
            by=registrar,
            reason=CASE_WARNING,
            evidence=f"抽查报告 NT-{last_year}-0311\n抽查报告 NT-{last_year}-0418",
            on=ago(20),
        )
    if suspended is not None:
        services.take_exit_step(
            suspended,
            "warning",
            by=registrar,
            reason=f"监督抽查床品甲醛含量不合格（抽查报告 NT-{year_before}-0207），限期整改。",
            on=ago(200),
        )
        services.take_exit_step(
            suspended,
            "suspension",
            by=registrar,
            reason="整改期满复检仍不合格，暂停社员资格。",
            evidence=f"整改通知书 {year_before}-17\n复检报告 NT-{last_year}-0122",
            on=ago(60),
        )
    if removed is not None:
        services.take_exit_step(
            removed,
            "warning",
            by=registrar,
            reason="监督抽查两批次致命不合格，限期整改。",
            on=ago(420),
        )
        services.take_exit_step(
            removed,
            "suspension",
            by=registrar,
            reason="未在整改期内整改。",
            on=ago(300),
        )
        services.take_exit_step(
            removed,
            "removal",
            by=reviewer,
            reason="暂停期满未恢复资格，经合作社理事会决定除名。",
            evidence=f"理事会决议 {last_year}-04",
            on=ago(150),
        )
    if withdrawn is not None:
        services.take_exit_step(
            withdrawn,
            "withdrawal",
            by=registrar,
            reason="社员因转产自愿退出合作社。",
            on=ago(30),
        )
    if appealing is not None:
        step = services.take_exit_step(
            appealing,
            "warning",
            by=registrar,
            reason="逾期未提交年度质量自查报告，经书面催告仍未提交，予以警告。",
            evidence=f"催告通知书 {last_year}-21",
            on=ago(5),
        )
        services.lodge_appeal(
            step,
            by=_member_user(appealing),
            grounds="自查报告已在催告期限内以挂号信寄出，附邮寄凭证和签收记录。",
            on=ago(3),
        )


@transaction.atomic
def confirm_warning(member: Member, *, by: User) -> ExitStep:
    """An administrator (``by``) confirms today the warning an assessment proposed for the
    member (or, without such a proposal, warns it by hand): the member may appeal it from its
    cases page within the charter's appeal window, and the e-mail that tells it so is among
    its notifications. Once: a member warned already keeps the warning it has."""
    steps = ExitStep.objects.for_member(member).filter(kind=ExitStep.Kind.WARNING)
    taken = steps.shown_to_member().order_by("-proposed_at", "-pk").first()
    if taken is not None:
        return taken
    proposal = steps.proposed().order_by("proposed_at", "pk").first()
    if proposal is not None:
        return services.decide_proposal(proposal, by=by, confirm=True, reason=WARNING_CONFIRMED)
    return services.take_exit_step(member, ExitStep.Kind.WARNING, by=by, reason=WARNING_BY_HAND)


@transaction.atomic
def load(cooperative: Cooperative) -> None:
    """Add this app's demo records to the cooperative; safe to run again."""
    registrar = _administrator(cooperative, "registrar@example.cn", "Registrar")
    reviewer = _administrator(cooperative, REVIEWER_EMAIL, "Reviewer", REVIEWER_PASSWORD)
    first, second = _versions(cooperative)
    _stories(cooperative, registrar)
    _acceptances(first, second)
    _applications(cooperative, second, reviewer)
    _cases(cooperative, registrar, reviewer)
    _date_step_mail(cooperative)


def _date_step_mail(cooperative: Cooperative) -> None:
    """The e-mails of the steps the demo takes on earlier days, dated when each was taken, as
    they would have been: not today, offering an appeal whose window closed long ago."""
    today = cooperative.today()
    steps = ExitStep.objects.of_cooperative(cooperative).filter(decided_on__lt=today)
    for step_id, taken in steps.values_list("pk", "proposed_at"):
        OutboxEmail.objects.filter(key__startswith=f"exit-step:{step_id}:confirmed:").update(
            created_at=taken
        )
