"""The demo cooperative that `make run` loads: Nantong home textiles, its initiators and members."""

from __future__ import annotations

import calendar
import datetime
from decimal import Decimal
from typing import Any

from .credit_code import check_character
from .models import (
    Cooperative,
    Initiator,
    Lab,
    Member,
    Pairing,
    QualityOfficer,
    ShadowVisit,
    TrademarkLicence,
    TrainingRecord,
)
from .services import appoint_quality_officer

INITIATORS = [
    (
        Initiator.Kind.MANAGEMENT_COMMITTEE,
        "南通家纺城管委会",
        "Nantong Home Textile City Management Committee",
        "制定个转企过程中的质量提升总体规划；受理个体工商户入社申请。",
        "Plans quality upgrading while sole proprietors become companies; receives their applications to join.",
    ),
    (
        Initiator.Kind.MARKET_REGULATOR,
        "通州区市场监督管理局",
        "Tongzhou District Administration for Market Regulation",
        "开展质量提升行动：企业标准、品牌培育、产品质量监督抽查、消费维权与执法。",
        "Runs the quality-improvement campaign: enterprise standards, brands, spot checks, consumer rights, enforcement.",
    ),
    (
        Initiator.Kind.UNIVERSITY,
        "南通大学纺织服装学院",
        "Nantong University School of Textiles and Clothing",
        "培训企业质量人员。",
        "Trains the members' quality staff.",
    ),
    (
        Initiator.Kind.TESTING_INSTITUTION,
        "国家家用纺织品质量检验检测中心",
        "National Home Textile Quality Inspection and Testing Center",
        "提供技术支撑：样品检测、出具检验报告。",
        "Technical support: tests samples and issues reports.",
    ),
    (
        Initiator.Kind.CHAMBER_OF_COMMERCE,
        "南通家纺商会",
        "Nantong Home Textile Chamber of Commerce",
        "通过标准化委员会制定和修订行业规则与团体标准，引导会员规范经营。",
        "Drafts industry rules and group standards through its standardisation committee.",
    ),
    (
        Initiator.Kind.ANCHOR_FIRM,
        "江苏罗莱家纺股份有限公司",
        "Jiangsu Luolai Home Textile Co., Ltd.",
        "大企业带小企业：结对帮扶小微社员。",
        "Big firm pulls small firm: mentors small members.",
    ),
]

# Real-looking unified social credit codes with valid check characters (see credit_code.py).
MEMBERS = [
    (
        "91320612MA1MXXXX0",
        "江苏罗莱家纺股份有限公司",
        "Jiangsu Luolai Home Textile Co., Ltd.",
        Member.Kind.FIRM,
        Member.Scale.ABOVE_SCALE,
    ),
    (
        "91320612MA1N2B3C4",
        "南通紫罗兰家纺科技有限公司",
        "Nantong Violet Home Textile Tech Co., Ltd.",
        Member.Kind.FIRM,
        Member.Scale.ABOVE_SCALE,
    ),
    (
        "91320612MA1P4Q5R6",
        "南通金太阳床品有限公司",
        "Nantong Golden Sun Bedding Co., Ltd.",
        Member.Kind.FIRM,
        Member.Scale.SME,
    ),
    (
        "92320612MA1T7U8W9",
        "通州区川姜镇李记床品店",
        "Li's Bedding Shop, Chuanjiang",
        Member.Kind.SOLE_PROPRIETOR,
        "",
    ),
    (
        "92320612MA1X1Y2A3",
        "通州区志浩家纺经营部",
        "Zhihao Home Textiles Trading Office",
        Member.Kind.SOLE_PROPRIETOR,
        "",
    ),
]


# More members of the cluster: (Chinese name, English name, kind, scale). Some are warned,
# suspended, removed or withdraw in charter/demo.py, through the exit mechanism.
F: str = Member.Kind.FIRM
S: str = Member.Kind.SOLE_PROPRIETOR
ABOVE: str = Member.Scale.ABOVE_SCALE
SME: str = Member.Scale.SME
MORE_MEMBERS: list[tuple[str, str, str, str]] = [
    ("南通大东家纺有限公司", "Nantong Dadong Home Textiles Co., Ltd.", F, ABOVE),
    ("南通华艺家纺有限公司", "Nantong Huayi Home Textiles Co., Ltd.", F, ABOVE),
    ("江苏金丝利家纺有限公司", "Jiangsu Jinsili Home Textiles Co., Ltd.", F, ABOVE),
    ("南通梦之缘床品有限公司", "Nantong Mengzhiyuan Bedding Co., Ltd.", F, SME),
    ("南通锦绣布艺有限公司", "Nantong Jinxiu Fabrics Co., Ltd.", F, SME),
    ("南通安睡枕业有限公司", "Nantong Anshui Pillows Co., Ltd.", F, SME),
    ("南通雅居家纺有限公司", "Nantong Yaju Home Textiles Co., Ltd.", F, SME),
    ("南通棉之韵纺织品有限公司", "Nantong Mianzhiyun Textiles Co., Ltd.", F, SME),
    ("南通暖冬被业有限公司", "Nantong Nuandong Quilts Co., Ltd.", F, SME),
    ("南通丝路家纺有限公司", "Nantong Silu Home Textiles Co., Ltd.", F, SME),
    ("南通云裳服饰有限公司", "Nantong Yunshang Apparel Co., Ltd.", F, SME),
    ("南通家和纺织有限公司", "Nantong Jiahe Textiles Co., Ltd.", F, ABOVE),
    ("南通恒顺纤维制品有限公司", "Nantong Hengshun Fibre Products Co., Ltd.", F, SME),
    ("通州区川姜镇王记被褥店", "Wang's Quilt Shop, Chuanjiang", S, ""),
    ("通州区川姜镇陈氏床品经营部", "Chen's Bedding Trading Office", S, ""),
    ("通州区志远窗帘店", "Zhiyuan Curtain Shop", S, ""),
    ("通州区川姜镇周记家纺店", "Zhou's Home Textile Shop", S, ""),
    ("通州区蓝天毛巾经营部", "Lantian Towel Trading Office", S, ""),
    ("通州区川姜镇吴氏布艺店", "Wu's Fabric Shop", S, ""),
    ("通州区金梭家纺经营部", "Jinsuo Home Textiles Trading Office", S, ""),
    ("通州区川姜镇孙记枕套店", "Sun's Pillowcase Shop", S, ""),
    ("通州区巧手绣品店", "Qiaoshou Embroidery Shop", S, ""),
    ("通州区川姜镇钱氏床单经营部", "Qian's Bedsheet Trading Office", S, ""),
    ("通州区织梦家纺店", "Zhimeng Home Textile Shop", S, ""),
    ("通州区川姜镇赵记凉席店", "Zhao's Summer Mat Shop", S, ""),
]
APPLICANTS = [
    ("南通新绿家纺科技有限公司", "Nantong Xinlü Home Textile Tech Co., Ltd.", F, SME),
    ("通州区川姜镇郑氏毛毯店", "Zheng's Blanket Shop", S, ""),
    ("南通悦眠家居用品有限公司", "Nantong Yuemian Household Goods Co., Ltd.", F, SME),
]
OFFICERS = [
    "张建国",
    "李秀英",
    "王海燕",
    "刘志强",
    "陈晓梅",
    "杨明",
    "黄丽",
    "周伟",
    "吴静",
    "徐强",
]
COURSES = [
    ("首席质量官岗位培训", datetime.date(2023, 4, 18), Decimal("16")),
    ("家纺产品标准贯标培训（GB/T 22796）", datetime.date(2024, 3, 7), Decimal("8")),
    ("监督抽查与不合格品整改实务", datetime.date(2025, 5, 22), Decimal("6.5")),
]
TOPICS = ["原料进货检验", "生产过程质量控制", "成品出厂检验", "标签标识规范", "投诉处理流程"]
TRADEMARK = "川姜家纺"
# Licensed firms that charter/demo.py suspends and removes: their licences follow them.
LICENSED_LATER = ["南通安睡枕业有限公司", "南通暖冬被业有限公司"]
# The sole proprietor that became a company (个转企). charter/demo.py records the conversion,
# whose withdrawal of the old registration is a step of the exit mechanism.
CONVERTED = "通州区志浩家纺经营部"
CONVERSION_NOTE = "个转企：个体工商户转为有限责任公司，社员资格由新公司承继。"
# Small members that shadow an anchor firm.
PAIRED = [
    "南通梦之缘床品有限公司",
    "南通锦绣布艺有限公司",
    "南通雅居家纺有限公司",
    "通州区川姜镇王记被褥店",
    "通州区川姜镇陈氏床品经营部",
    "通州区川姜镇周记家纺店",
]


# The day the demo's story was written for. Loaded on another day, the story moves by whole
# years so that it is as recent then as it was on this day (``story_day``): published periods
# are closed periods and nothing is late because the demo was written for another year.
STORY_DAY = datetime.date(2026, 1, 20)


def story_years(today: datetime.date) -> int:
    """Whole years from STORY_DAY to the day the demo is loaded (never past that day)."""
    years = today.year - STORY_DAY.year
    if (today.month, today.day) < (STORY_DAY.month, STORY_DAY.day):
        years -= 1
    return years


def story_day(day: datetime.date, today: datetime.date) -> datetime.date:
    """A date of the story, moved to the year it falls in when the demo is loaded today."""
    year = day.year + story_years(today)
    if (day.month, day.day) == (2, 29) and not calendar.isleap(year):
        return datetime.date(year, 2, 28)
    return day.replace(year=year)


def story_year(year: int, today: datetime.date) -> int:
    return year + story_years(today)


def _code(prefix: str, number: int) -> str:
    """A valid credit code of the demo: the check character is computed, never typed."""
    stem = f"{prefix}320612MA{number:07d}"[:17]
    return stem + check_character(stem)


def _member(
    cooperative: Cooperative,
    code: str,
    name: str,
    name_en: str,
    kind: str,
    scale: str,
    joined_on: datetime.date | None,
    status: str = Member.Status.ACTIVE,
) -> tuple[Member, bool]:
    return Member.objects.get_or_create(
        cooperative=cooperative,
        credit_code=code,
        defaults={
            "name": name,
            "name_en": name_en,
            "kind": kind,
            "scale": scale,
            "status": status,
            "joined_on": joined_on,
            "address": "江苏省南通市通州区川姜镇",
            "contact_person": "联系人",
            "phone": f"0513-8600{sum(map(ord, code)) % 10000:04d}",
            "email": f"contact-{code[-6:].lower()}@example.cn",
        },
    )


def load() -> Cooperative:
    cooperative, _ = Cooperative.objects.get_or_create(
        slug="nantong-home-textiles",
        defaults={
            "name_zh": "南通家纺质量合作社",
            "name_en": "Nantong Home Textile Quality Cooperative",
            "industry": "home-textiles",
            "contact_email": "coop@example.cn",
            "description_zh": "大手拉小手，小手齐步走：家纺产业集群的企业与个体工商户共同提升产品质量。",
            "description_en": "Firms and sole proprietors of the Nantong home-textile cluster raise quality together.",
        },
    )
    today = cooperative.today()
    lab, _ = Lab.objects.get_or_create(
        name_zh="国家家用纺织品质量检验检测中心",
        defaults={"name_en": "National Home Textile Quality Inspection and Testing Center"},
    )
    lab.cooperatives.add(cooperative)
    members: list[Member] = []
    for index, (stem, name, name_en, first_kind, first_scale) in enumerate(MEMBERS):
        code = stem[:17] + check_character(stem[:17])
        member, _ = _member(
            cooperative,
            code,
            name,
            name_en,
            first_kind,
            first_scale,
            story_day(datetime.date(2019, 3, 1), today) + datetime.timedelta(days=90 * index),
        )
        members.append(member)
    anchor, second_anchor = members[0], members[1]
    for initiator_kind, name_zh, name_en, duties_zh, duties_en in INITIATORS:
        Initiator.objects.get_or_create(
            cooperative=cooperative,
            kind=initiator_kind,
            name_zh=name_zh,
            defaults={
                "name_en": name_en,
                "duties_zh": duties_zh,
                "duties_en": duties_en,
                "member": anchor if initiator_kind == Initiator.Kind.ANCHOR_FIRM else None,
                "lab": lab if initiator_kind == Initiator.Kind.TESTING_INSTITUTION else None,
            },
        )
    for index, (name, name_en, kind, scale) in enumerate(MORE_MEMBERS, start=1):
        prefix = "92" if kind == Member.Kind.SOLE_PROPRIETOR else "91"
        member, _created = _member(
            cooperative,
            _code(prefix, 1000 + index),
            name,
            name_en,
            kind,
            scale,
            story_day(datetime.date(2019, 6, 1), today) + datetime.timedelta(days=45 * index),
        )
        members.append(member)
    for index, (name, name_en, kind, scale) in enumerate(APPLICANTS, start=1):
        prefix = "92" if kind == Member.Kind.SOLE_PROPRIETOR else "91"
        _member(
            cooperative,
            _code(prefix, 2000 + index),
            name,
            name_en,
            kind,
            scale,
            None,
            Member.Status.APPLICANT,
        )
    _officers(members, today)
    _pairings(anchor, second_anchor, members, today)
    for index, member in enumerate(members[:10]):
        if member.kind == Member.Kind.FIRM:
            TrademarkLicence.objects.get_or_create(
                trademark=TRADEMARK,
                licensee=member,
                defaults={
                    "granted_on": story_day(datetime.date(2021, 1, 15), today)
                    + datetime.timedelta(days=30 * index)
                },
            )
    # Licensees whose licence the charter's demo suspends and revokes with the member.
    for member in members:
        if member.name in LICENSED_LATER:
            TrademarkLicence.objects.get_or_create(
                trademark=TRADEMARK,
                licensee=member,
                defaults={"granted_on": story_day(datetime.date(2022, 3, 1), today)},
            )
    return cooperative


def conversion_of(cooperative: Cooperative) -> dict[str, Any]:
    """The demo's conversion: the sole proprietor and what ``record_conversion`` is given."""
    return {
        "member": Member.objects.get(cooperative=cooperative, name=CONVERTED),
        "credit_code": _code("91", 3001),
        "name": "南通志浩家纺有限公司",
        "on": story_day(datetime.date(2021, 9, 15), cooperative.today()),
        "note": CONVERSION_NOTE,
    }


def _officers(members: list[Member], today: datetime.date) -> None:
    for index, member in enumerate(members):
        if member.has_left or QualityOfficer.objects.filter(member=member).exists():
            continue
        officer = appoint_quality_officer(
            member,
            name=OFFICERS[index % len(OFFICERS)],
            on=story_day(datetime.date(2023, 3, 1), today) + datetime.timedelta(days=7 * index),
            phone=f"1390513{index:04d}",
            email=f"cqo{index}@example.cn",
        )
        for course, day, hours in COURSES[: 1 + index % len(COURSES)]:
            TrainingRecord.objects.create(
                officer=officer, course=course, on=story_day(day, today), hours=hours
            )


def _pairings(
    anchor: Member, second_anchor: Member, members: list[Member], today: datetime.date
) -> None:
    small = [m for m in members if m.name in PAIRED]
    for index, member in enumerate(small):
        mentor = anchor if index % 2 == 0 else second_anchor
        pairing, created = Pairing.objects.get_or_create(
            anchor=mentor,
            member=member,
            defaults={
                "started_on": story_day(datetime.date(2022, 3, 1), today)
                + datetime.timedelta(days=30 * index),
                "ended_on": story_day(datetime.date(2024, 2, 29), today) if index == 5 else None,
            },
        )
        if created:
            for visit in range(1 + index % 3):
                ShadowVisit.objects.create(
                    pairing=pairing,
                    on=pairing.started_on + datetime.timedelta(days=40 * (visit + 1)),
                    staff_count=2 + visit,
                    staff_names="质检员、车间主任",
                    topic=TOPICS[(index + visit) % len(TOPICS)],
                )
