"""The pledges part of the demo cooperative that `make run` loads."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.utils import timezone

from charter.services import policy_in_force
from members import demo as members_demo
from members.models import Cooperative, Lab, Member, Role, User

from .models.pledge import KINDS, Commitment, Pledge, ProductLine, Standard, charter_minimum
from .services import return_pledge

# The demo logins README.md lists. Simple on purpose: the demo runs on a developer's machine.
MEMBER_PASSWORD = "coop-demo-member"  # noqa: S105
REGULATOR_PASSWORD = "coop-demo-regulator"  # noqa: S105
LAB_PASSWORD = "coop-demo-lab"  # noqa: S105
REGULATOR_EMAIL = "regulator@example.cn"
LAB_EMAIL = "lab@example.cn"
# The owner logins of the demo's four member teams (``load``), numbered from 1.
OWNER_EMAIL = "owner{number}@example.cn"
TEAMS = 4

STANDARDS = [
    (
        Standard.Kind.NATIONAL,
        "GB 18401-2010",
        "国家纺织产品基本安全技术规范",
        "National general safety technical code for textile products",
    ),
    (Standard.Kind.NATIONAL, "GB/T 22796-2021", "床上用品", "Bedding"),
    (Standard.Kind.NATIONAL, "GB/T 22844-2009", "配套床上用品", "Bedding sets"),
    (
        Standard.Kind.INDUSTRY,
        "FZ/T 62011.2-2016",
        "布艺类产品 第2部分：餐用纺织品",
        "Fabric art products — Part 2: table textiles",
    ),
    (
        Standard.Kind.GROUP,
        "T/NTJF 001-2021",
        "南通家纺产品质量分级要求",
        "Quality grading of Nantong home textiles",
    ),
    (
        Standard.Kind.ENTERPRISE,
        "Q/320612 LL 001-2023",
        "高支高密全棉床品企业标准",
        "Enterprise standard for high-count cotton bedding",
    ),
]

STRICT = {
    "pass_rate": Decimal("95.0"),
    "response_days": Decimal(3),
    "resolution_days": Decimal(15),
    "rectification_days": Decimal(30),
}

SIGNATORIES = ["王建华", "陈静", "刘海涛", "张丽娟", "周国平"]
STATEMENT = "本单位承诺严格执行下列标准组织生产和销售，接受合作社和市场监管部门的监督，并向消费者公开以下质量承诺。"
PROMISES = "售出商品7天内无理由退换；因质量问题产生的退换货运费由本单位承担；售后电话工作日9:00–17:00有人接听。"


def _user(email: str, password: str, name: str) -> User:
    user = User.objects.filter(email=email).first()
    if user is None:
        user = User.objects.create_user(email, password, first_name=name)
    return user


RETURN_COMMENTS = "请补充各产品线执行的标准编号，并写明退换货的具体期限。"


def _pledge(
    member: Member,
    version: int,
    *,
    targets: dict[str, Decimal],
    status: str,
    published_on: datetime.date | None,
    standards: list[Standard],
) -> Pledge:
    pledge = Pledge.objects.filter(member=member, version=version).first()
    if pledge is not None:
        return pledge
    pledge = Pledge.objects.create(
        member=member,
        version=version,
        status=Pledge.Status.DRAFT,
        statement=STATEMENT,
        promises=PROMISES,
        valid_from=published_on,
        signatory_name=SIGNATORIES[member.pk % len(SIGNATORIES)],
        signatory_title="法定代表人",
    )
    Commitment.objects.bulk_create(
        Commitment(pledge=pledge, kind=kind, target=target) for kind, target in targets.items()
    )
    ProductLine.objects.create(pledge=pledge, name="床上用品（被套、床单、枕套）").standards.set(
        standards
    )
    # Status and publication are set last: a published version's content never changes.
    pledge.status = status
    pledge.published_on = published_on
    if status == Pledge.Status.SUBMITTED:
        pledge.submitted_at = timezone.now()
    pledge.save()
    return pledge


def load(cooperative: Cooperative) -> None:
    """Add this app's demo records to the cooperative; safe to run again."""
    standards = []
    for kind, number, title_zh, title_en in STANDARDS:
        standard, _created = Standard.objects.get_or_create(
            cooperative=cooperative,
            number=number,
            defaults={"kind": kind, "title_zh": title_zh, "title_en": title_en},
        )
        standards.append(standard)
    policy = policy_in_force(cooperative, cooperative.today())
    minimums = {kind: charter_minimum(policy, kind) for kind in KINDS}
    members = list(
        Member.objects.filter(
            cooperative=cooperative,
            status__in=[Member.Status.ACTIVE, Member.Status.WARNED, Member.Status.SUSPENDED],
        ).order_by("pk")
    )
    if len(members) < 4:
        return
    sole = [member for member in members if member.kind == Member.Kind.SOLE_PROPRIETOR]
    drafting = sole[-1] if sole else members[-1]
    returned = next(member for member in reversed(members) if member != drafting)
    published = [member for member in members if member not in (drafting, returned)]
    today = cooperative.today()
    first_day = members_demo.story_day(datetime.date(2024, 1, 15), today)
    for index, member in enumerate(published):
        targets = STRICT if index % 3 == 0 else minimums
        day = first_day + datetime.timedelta(days=7 * index)
        _pledge(
            member,
            1,
            targets=targets,
            status=Pledge.Status.PUBLISHED,
            published_on=day,
            standards=standards[:2] if index % 2 else [standards[0], standards[4]],
        )
        if index % 4 == 1:
            # A second version that tightens the first: it supersedes it from its date on.
            _pledge(
                member,
                2,
                targets=STRICT,
                status=Pledge.Status.PUBLISHED,
                published_on=members_demo.story_day(datetime.date(2025, 3, 1), today),
                standards=standards[:3],
            )
    _pledge(
        drafting,
        1,
        targets=minimums,
        status=Pledge.Status.DRAFT,
        published_on=None,
        standards=[standards[0]],
    )
    # Submitted for review: the demo's administrator returns it with comments through the
    # review service (``return_for_revision``), which tells the member by e-mail.
    _pledge(
        returned,
        1,
        targets=minimums,
        status=Pledge.Status.SUBMITTED,
        published_on=None,
        standards=[standards[0]],
    )
    # Member users: an owner and a colleague for the first two members, an owner for the rest.
    teams = [(published[0], True), (published[1], True), (drafting, False), (returned, False)]
    for team_number, (member, with_colleague) in enumerate(teams, start=1):
        owner = _user(
            OWNER_EMAIL.format(number=team_number), MEMBER_PASSWORD, f"负责人{team_number}"
        )
        Role.objects.get_or_create(
            user=owner,
            cooperative=cooperative,
            kind=Role.Kind.MEMBER_USER,
            member=member,
            lab=None,
            defaults={"is_owner": True},
        )
        if with_colleague:
            colleague = _user(
                f"colleague{team_number}@example.cn", MEMBER_PASSWORD, f"同事{team_number}"
            )
            Role.objects.get_or_create(
                user=colleague,
                cooperative=cooperative,
                kind=Role.Kind.MEMBER_USER,
                member=member,
                lab=None,
            )
    regulator = _user(REGULATOR_EMAIL, REGULATOR_PASSWORD, "监管员")
    Role.objects.get_or_create(
        user=regulator, cooperative=cooperative, kind=Role.Kind.REGULATOR, member=None, lab=None
    )
    lab = Lab.objects.filter(cooperatives=cooperative).order_by("pk").first()
    if lab is not None:
        tester = _user(LAB_EMAIL, LAB_PASSWORD, "检测员")
        Role.objects.get_or_create(
            user=tester, cooperative=cooperative, kind=Role.Kind.LAB_USER, member=None, lab=lab
        )


def return_for_revision(member: Member, *, by: User) -> Pledge | None:
    """The member's submitted pledge, returned with comments by an administrator (``by``)
    through the review service, which e-mails the member and lists the e-mail among its
    notifications; once: loaded again, the demo returns the pledge it returned before."""
    returned = Pledge.objects.filter(member=member, status=Pledge.Status.RETURNED).first()
    if returned is not None:
        return returned
    submitted = Pledge.objects.filter(member=member, status=Pledge.Status.SUBMITTED).first()
    if submitted is None:
        return None
    return return_pledge(submitted, by=by, comments=RETURN_COMMENTS)


def owner_members(cooperative: Cooperative) -> list[Member]:
    """The members of the demo's owner logins, in their order (owner1 first): published
    pledges for the first two, a draft for the third, a returned pledge for the fourth."""
    emails = [OWNER_EMAIL.format(number=number) for number in range(1, TEAMS + 1)]
    roles = {
        role.user.email: role.member
        for role in Role.objects.filter(
            cooperative=cooperative,
            kind=Role.Kind.MEMBER_USER,
            is_owner=True,
            user__email__in=emails,
        ).select_related("user", "member")
        if role.member is not None
    }
    return [roles[email] for email in emails if email in roles]
