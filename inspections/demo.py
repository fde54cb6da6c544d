"""The inspections part of the demo cooperative that `make run` loads."""

from __future__ import annotations

import datetime
import random
import zoneinfo

from django.db import transaction

from coop_portal.models import OutboxEmail
from members import demo as members_demo
from members.models import Cooperative, Lab, Member, Role, User

from .models import (
    Inspection,
    LabUpload,
    Objection,
    Rectification,
    ServiceRequest,
    TestCategory,
    TestItem,
)
from .services import (
    InspectionInput,
    ItemInput,
    decide_objection,
    raise_objection,
    record_corrective_action,
    record_inspection,
    request_service,
    update_service,
)
from .setup import setup_catalogue

LAB_USER_EMAIL = "lab@example.cn"
LAB_USER_PASSWORD = "coop-demo-lab"  # noqa: S105 - the documented demo login of the lab page

# Spot checks per year and how many failed: a pass rate rising from 90.7% to 92.7%.
# (One 2024 failure is voided after an objection, which leaves 2024 at 92.1%.)
YEARS = {2021: (75, 7), 2022: (80, 7), 2023: (85, 7), 2024: (90, 8), 2025: (96, 7)}
SEVERITIES = ["minor", "minor", "minor", "major", "major", "critical", "minor"]
PRODUCTS = {
    "fabrics": ["全棉印花布", "涤棉平纹布", "天丝贡缎面料", "磨毛布"],
    "fibre-products": ["纤维枕芯", "靠垫", "记忆棉坐垫"],
    "garments": ["针织睡衣", "家居服", "珊瑚绒浴袍"],
    "bedding": ["全棉四件套", "白鸭绒羽绒被", "桑蚕丝被", "夏凉被", "儿童床品三件套"],
}
# A failing item per category, with a realistic failing value.
FAILING = {
    "fabrics": ("formaldehyde", "112"),
    "fibre-products": ("ph", "9.1"),
    "garments": ("fastness-rubbing", "2"),
    "bedding": ("down-content", "-11.5"),
}
PASSING_VALUES = {
    "fibre-content": "100% 棉",
    "formaldehyde": "18",
    "ph": "6.8",
    "aromatic-amines": "0",
    "odour": "无异味",
    "fastness-washing": "4",
    "fastness-rubbing": "干4 湿3",
    "fastness-perspiration": "4",
    "fastness-water": "4",
    "fastness-light": "4",
    "dimensional-change": "-1.2",
    "pilling": "3.5",
    "tear-strength": "15.2",
    "tensile-strength": "356",
    "seam-slippage": "3",
    "labelling": "符合",
    "fill-mass": "1.8",
    "fill-fibre-content": "100% 聚酯纤维",
    "down-content": "1.2",
    "cleanliness": "550",
}


def _lab_user(cooperative: Cooperative, lab: Lab) -> User:
    user = User.objects.filter(email=LAB_USER_EMAIL).first()
    if user is None:
        user = User.objects.create_user(LAB_USER_EMAIL, LAB_USER_PASSWORD, first_name="检测员")
    Role.objects.get_or_create(
        user=user, cooperative=cooperative, kind=Role.Kind.LAB_USER, lab=lab, member=None
    )
    return user


def _items(category: TestCategory, failed: bool, rng: random.Random) -> list[ItemInput]:
    catalogue = {item.code: item for item in TestItem.objects.filter(category=category)}
    codes = ["formaldehyde", "ph", "odour", "fibre-content"]
    codes += rng.sample(sorted(set(catalogue) - set(codes)), 3)
    failing_code, failing_value = FAILING[category.code]
    if failed and failing_code not in codes:
        codes.append(failing_code)
    items = []
    for code in codes:
        item = catalogue.get(code)
        if item is None:
            continue
        fails = failed and code == failing_code
        value = failing_value if fails else PASSING_VALUES.get(code, "1")
        items.append(ItemInput(item=item, measured_value=value, result="fail" if fails else "pass"))
    return items


@transaction.atomic
def load(cooperative: Cooperative) -> None:
    """Add this app's demo records to the cooperative; safe to run again."""
    setup_catalogue(cooperative, "home-textiles")
    lab = Lab.objects.filter(cooperatives=cooperative).order_by("pk").first()
    members = list(Member.objects.filter(cooperative=cooperative).order_by("pk"))
    if lab is None or not members:
        return
    lab_user = _lab_user(cooperative, lab)
    regulator = User.objects.filter(
        roles__cooperative=cooperative, roles__kind=Role.Kind.REGULATOR
    ).first()
    categories = {category.code: category for category in cooperative.test_categories.all()}
    if not Inspection.objects.filter(
        cooperative=cooperative, report_no__startswith="NTJF"
    ).exists():
        _load_inspections(cooperative, lab, members, categories, lab_user, regulator)
    if not ServiceRequest.objects.filter(cooperative=cooperative).exists():
        _load_services(lab, members, lab_user)


def _load_inspections(
    cooperative: Cooperative,
    lab: Lab,
    members: list[Member],
    categories: dict[str, TestCategory],
    lab_user: User,
    regulator: User | None,
) -> None:
    # Seeded, so that the demo is the same on every machine.
    rng = random.Random(20211231)  # noqa: S311
    today = cooperative.today()
    failures: list[Inspection] = []
    for story_year, (count, failed_count) in YEARS.items():
        year = members_demo.story_year(story_year, today)
        failing = set(rng.sample(range(count), failed_count))
        created = 0
        for number in range(count):
            code = rng.choice(sorted(categories))
            sampled = datetime.date(year, 1, 5) + datetime.timedelta(days=rng.randrange(320))
            reported = sampled + datetime.timedelta(days=rng.randrange(6, 21))
            failed = number in failing
            with_items = failed or rng.random() < 0.3
            category = categories[code]
            inspection, _action = record_inspection(
                cooperative,
                InspectionInput(
                    report_no=f"NTJF{year}-{number + 1:04d}",
                    # Small members fail more often than the anchor firm.
                    member=members[(number * 7 + (3 if failed else 0)) % len(members)],
                    product=rng.choice(PRODUCTS[code]),
                    category=category,
                    sampled_on=sampled,
                    reported_on=reported,
                    verdict="fail" if failed else "pass",
                    severity=SEVERITIES[len(failures) % len(SEVERITIES)] if failed else "",
                    items=_items(category, failed, rng) if with_items else None,
                ),
                lab=lab,
                source=Inspection.Source.UPLOAD,
            )
            created += 1
            if failed:
                failures.append(inspection)
        LabUpload.objects.create(
            cooperative=cooperative,
            lab=lab,
            user=lab_user,
            file_name=f"spot-checks-{year}.csv",
            items_file_name=f"spot-checks-{year}-items.csv",
            status=LabUpload.Status.IMPORTED,
            rows=created,
            created=created,
            confirmed_at=datetime.datetime(year, 12, 20, 10, tzinfo=datetime.UTC),
        )
    _rectify(cooperative, lab, failures, rng, last_year=members_demo.story_year(2025, today))
    _object(cooperative, lab, members, categories, failures, regulator, today)


def _rectify(
    cooperative: Cooperative,
    lab: Lab,
    failures: list[Inspection],
    rng: random.Random,
    *,
    last_year: int,
) -> None:
    """Re-test most failures: most on time, a few late; the last ones of the story's last
    year stay open."""
    owner = User.objects.filter(roles__kind=Role.Kind.MEMBER_USER).first()
    for index, failed in enumerate(failures):
        if failed.reported_on.year == last_year and index % 3 != 0:
            continue  # Still open: overdue by now.
        rectification = Rectification.objects.get(inspection=failed)
        late = index % 5 == 4
        days = rng.randrange(70, 110) if late else rng.randrange(20, 55)
        if owner is not None:
            record_corrective_action(
                rectification,
                taken_on=failed.reported_on + datetime.timedelta(days=7),
                description="更换面料供应商，调整后整理工艺并加强出厂检验。",
                by=owner,
            )
        retested_on = failed.reported_on + datetime.timedelta(days=days)
        if retested_on > cooperative.today():
            continue  # Not re-tested yet: no result is dated after today.
        record_inspection(
            cooperative,
            InspectionInput(
                report_no=f"{failed.report_no}-R",
                member=failed.member,
                product=failed.product,
                category=failed.category,
                sampled_on=retested_on - datetime.timedelta(days=7),
                reported_on=retested_on,
                verdict="pass",
                kind=Inspection.Kind.COMMISSIONED,
                retest_of=failed,
            ),
            lab=lab,
            source=Inspection.Source.API,
        )


def _object(
    cooperative: Cooperative,
    lab: Lab,
    members: list[Member],
    categories: dict[str, TestCategory],
    failures: list[Inspection],
    regulator: User | None,
    today: datetime.date,
) -> None:
    """One objection upheld (the result voided), one waiting for the regulator."""
    last_year = members_demo.story_year(2025, today)
    upheld = next(f for f in failures if f.reported_on.year == last_year - 1)
    objection = raise_objection(
        upheld,
        reason="抽样时样品包装破损受潮，检测结果不能代表出厂产品。",
        by=None,
        on=upheld.reported_on + datetime.timedelta(days=5),
    )
    if regulator is not None:
        decide_objection(
            objection,
            upheld=True,
            note="经复核，样品在抽样运输中受潮，检验结论作废。",
            by=regulator,
            on=upheld.reported_on + datetime.timedelta(days=20),
        )
        # Its e-mail is dated the day of the decision, as it would have been, not today.
        decided = datetime.datetime.combine(
            upheld.reported_on + datetime.timedelta(days=20),
            datetime.time(12),
            tzinfo=zoneinfo.ZoneInfo(cooperative.time_zone),
        )
        OutboxEmail.objects.filter(key__startswith=f"objection-decided:{objection.pk}:").update(
            created_at=decided
        )
    else:
        # Without a regulator account the demo still shows a voided result.
        Objection.objects.filter(pk=objection.pk).update(
            status=Objection.Status.UPHELD,
            decided_on=upheld.reported_on + datetime.timedelta(days=20),
            decision_note="经复核，样品在抽样运输中受潮，检验结论作废。",
        )
        Inspection.objects.filter(pk=upheld.pk).update(
            status=Inspection.Status.VOIDED,
            void_note="经复核，样品在抽样运输中受潮，检验结论作废。",
        )
    pending = [f for f in failures if f.reported_on.year == last_year][-1]
    raise_objection(
        pending,
        reason="送检样品标签与实际批次不符，申请复检。",
        by=None,
        on=pending.reported_on + datetime.timedelta(days=4),
    )


# The spot check a member login may still object to (``report_recent_failure``): reported a
# few days before the demo is loaded, so that its objection window and its rectification are
# open, numbered after the year's ordinary reports.
RECENT_FAILURE_DAYS_AGO = 3
RECENT_FAILURE_NUMBER = 901


@transaction.atomic
def report_recent_failure(member: Member) -> Inspection | None:
    """A failed spot check of the member's down quilt, delivered by the lab's system a few days
    ago: the member may object to it (with its evidence) until the charter's window closes,
    and must rectify it; the e-mail that tells it so is among its notifications. Reported
    once a year: loaded again, the demo returns the same report."""
    cooperative = member.cooperative
    lab = Lab.objects.filter(cooperatives=cooperative).order_by("pk").first()
    category = cooperative.test_categories.filter(code="bedding").first()
    if lab is None or category is None:
        return None
    reported = cooperative.today() - datetime.timedelta(days=RECENT_FAILURE_DAYS_AGO)
    report_no = f"NTJF{reported.year}-{RECENT_FAILURE_NUMBER:04d}"
    existing = Inspection.objects.filter(cooperative=cooperative, report_no=report_no).first()
    if existing is not None:
        return existing
    inspection, _action = record_inspection(
        cooperative,
        InspectionInput(
            report_no=report_no,
            member=member,
            product="白鸭绒羽绒被",
            category=category,
            sampled_on=reported - datetime.timedelta(days=10),
            reported_on=reported,
            verdict="fail",
            severity="major",
            # Seeded, so that the report lists the same items on every machine.
            items=_items(category, True, random.Random(RECENT_FAILURE_NUMBER)),  # noqa: S311
        ),
        lab=lab,
        source=Inspection.Source.API,
    )
    return inspection


def _load_services(lab: Lab, members: list[Member], lab_user: User) -> None:
    steps = [0, 2, 3, 5]
    requester = User.objects.filter(roles__kind=Role.Kind.MEMBER_USER).first() or lab_user
    notes = [
        "已电话沟通检测需求，建议按 GB 18401 B类 与 GB/T 22796 检测。",
        "检测方案已确定：甲醛、pH、色牢度、填充物质量偏差率。",
        "已上门取样 3 件。",
        "检测完成，全部合格；建议加强来料甲醛抽检。",
        "整改建议已发送。",
    ]
    for index, (member, advance) in enumerate(zip(members, steps, strict=False)):
        service = request_service(
            member,
            lab=lab,
            product=["羽绒被", "全棉四件套", "纤维枕芯", "家居服"][index % 4],
            question="新品上市前希望做一次全项检测，并了解标签要求。",
            by=requester,
        )
        for step in range(advance):
            update_service(service, note=notes[step % len(notes)], advance=True, by=lab_user)
