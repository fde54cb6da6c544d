"""The demo cooperative that `make run` loads: Nantong home textiles, its initiators and members."""

from __future__ import annotations

import datetime

from .models import Cooperative, Initiator, Lab, Member

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


def load() -> Cooperative:
    from .credit_code import check_character

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
    lab, _ = Lab.objects.get_or_create(
        name_zh="国家家用纺织品质量检验检测中心",
        defaults={"name_en": "National Home Textile Quality Inspection and Testing Center"},
    )
    lab.cooperatives.add(cooperative)
    for initiator_kind, name_zh, name_en, duties_zh, duties_en in INITIATORS:
        Initiator.objects.get_or_create(
            cooperative=cooperative,
            kind=initiator_kind,
            name_zh=name_zh,
            defaults={"name_en": name_en, "duties_zh": duties_zh, "duties_en": duties_en},
        )
    for index, (stem, name, name_en, kind, scale) in enumerate(MEMBERS):
        code = stem[:17] + check_character(stem[:17])
        Member.objects.get_or_create(
            cooperative=cooperative,
            credit_code=code,
            defaults={
                "name": name,
                "name_en": name_en,
                "kind": kind,
                "scale": scale,
                "joined_on": datetime.date(2019, 3, 1) + datetime.timedelta(days=90 * index),
                "address": "江苏省南通市通州区川姜镇",
            },
        )
    return cooperative
