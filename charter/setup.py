from __future__ import annotations

import datetime

from django.db import transaction
from django.utils import timezone

from members.models import Cooperative

from .models import CharterVersion, ScoringPolicy

DEFAULT_EFFECTIVE_FROM = datetime.date(2000, 1, 1)

# The text a new cooperative starts from; its administrators draft their own next version.
DEFAULT_SECTIONS: dict[str, str] = {
    "purpose_zh": "联合集群内的大小企业和个体工商户，共同提升产品质量，接受社会监督。",
    "purpose_en": (
        "To bring the cluster's large firms, small firms and sole proprietors together to "
        "raise product quality, under public scrutiny."
    ),
    "principles_zh": (
        "- 自愿入社，平等协商\n- 大手拉小手，小手齐步走\n- 公开承诺，接受监督\n- 六统一管理"
    ),
    "principles_en": (
        "- Voluntary membership and equal consultation\n"
        "- Big hands hold small hands, small hands march together\n"
        "- Public pledges under public supervision\n"
        "- Management through the six unifications"
    ),
    "duties_zh": (
        "- 公开发布质量保证承诺并履行承诺\n"
        "- 任命首席质量官并参加合作社培训\n"
        "- 配合监督抽查，按期整改不合格产品\n"
        "- 及时答复和处理消费者投诉"
    ),
    "duties_en": (
        "- Publish a quality guarantee pledge and keep it\n"
        "- Appoint a chief quality officer who takes the cooperative's training\n"
        "- Cooperate with supervision spot checks and rectify failed products in time\n"
        "- Answer and resolve consumer complaints promptly"
    ),
    "conditions_zh": (
        "- 依法登记，持有有效的统一社会信用代码\n"
        "- 近两年无重大产品质量违法记录\n"
        "- 承诺执行合作社统一的产品标准和检验检测\n"
        "- 接受本公约"
    ),
    "conditions_en": (
        "- Lawfully registered, with a valid unified social credit code\n"
        "- No serious product-quality offence in the last two years\n"
        "- Commits to the cooperative's unified product standards and testing\n"
        "- Accepts this charter"
    ),
    "mechanism_zh": (
        "**入社**：提交申请，接受本公约，经管理员审核基本条件后批准。\n\n"
        "**监督**：监管部门依据监督抽查和投诉评价社员履行承诺情况，并公示结果。\n\n"
        "**退出**：未履行义务的社员依次受到警告、限期整改、暂停资格直至除名；社员也可自愿退出。"
        "暂停和除名予以公示。社员可在规定期限内申诉。"
    ),
    "mechanism_en": (
        "**Entry**: apply, accept this charter, and be approved after an administrator has "
        "checked the basic conditions.\n\n"
        "**Supervision**: the regulator assesses how each member kept its pledge from spot "
        "checks and complaints, and publishes the result.\n\n"
        "**Exit**: a member that fails its obligations is warned, given a rectification period, "
        "suspended and finally removed; a member may also withdraw. Suspensions and removals "
        "are public. A member may appeal within the appeal window."
    ),
}


@transaction.atomic
def setup_charter(cooperative: Cooperative) -> CharterVersion:
    """Give a cooperative without a charter a first version in force from 2000-01-01 that
    carries the default scoring policy of SCORING.md; leave an existing charter alone."""
    existing = cooperative.charter_versions.order_by("number").first()
    if existing is not None:
        return existing
    version = CharterVersion.objects.create(
        cooperative=cooperative,
        number=1,
        effective_from=DEFAULT_EFFECTIVE_FROM,
        status=CharterVersion.Status.PUBLISHED,
        published_at=timezone.now(),
        title_zh="质量合作社公约",
        title_en="Charter of the quality cooperative",
        **DEFAULT_SECTIONS,
    )
    ScoringPolicy.objects.create(charter_version=version)
    return version
