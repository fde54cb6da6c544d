from __future__ import annotations

import factory

from charter.models import Application, CharterVersion
from charter.services import next_version_number
from charter.setup import DEFAULT_SECTIONS
from members.models import Member
from tests.factories import CooperativeFactory, credit_code_for


class CharterVersionFactory(factory.django.DjangoModelFactory):
    """A draft version with every section written; publish it through the service."""

    class Meta:
        model = CharterVersion
        skip_postgeneration_save = True

    cooperative = factory.SubFactory(CooperativeFactory)
    number = factory.LazyAttribute(lambda version: next_version_number(version.cooperative))
    effective_from = factory.Faker("date_between", start_date="+1d", end_date="+300d")
    status = CharterVersion.Status.DRAFT
    title_zh = "质量合作社公约（修订）"
    title_en = "Charter of the quality cooperative (revised)"
    purpose_zh = DEFAULT_SECTIONS["purpose_zh"]
    purpose_en = DEFAULT_SECTIONS["purpose_en"]
    principles_zh = DEFAULT_SECTIONS["principles_zh"]
    principles_en = DEFAULT_SECTIONS["principles_en"]
    duties_zh = DEFAULT_SECTIONS["duties_zh"]
    duties_en = DEFAULT_SECTIONS["duties_en"]
    conditions_zh = DEFAULT_SECTIONS["conditions_zh"]
    conditions_en = DEFAULT_SECTIONS["conditions_en"]
    mechanism_zh = DEFAULT_SECTIONS["mechanism_zh"]
    mechanism_en = DEFAULT_SECTIONS["mechanism_en"]
    policy = factory.RelatedFactory(
        "tests.charter.factories.ScoringPolicyFactory", factory_related_name="charter_version"
    )


class ScoringPolicyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "charter.ScoringPolicy"


class ApplicationFactory(factory.django.DjangoModelFactory):
    """A pending application; pass cooperative and charter_version."""

    class Meta:
        model = Application

    credit_code = factory.Sequence(lambda n: credit_code_for(n + 50000))
    name = factory.Sequence(lambda n: f"南通申请家纺有限公司{n}")
    kind = Member.Kind.FIRM
    scale = Member.Scale.SME
    address = "江苏省南通市通州区川姜镇"
    contact_person = "李经理"
    phone = "13900000000"
    email = factory.Sequence(lambda n: f"applicant{n}@example.cn")
    signatory_name = "李明"
