from __future__ import annotations

import datetime

import factory

from inspections.models import Inspection, TestCategory
from tests.factories import CooperativeFactory, MemberFactory


class TestCategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TestCategory
        django_get_or_create = ("cooperative", "code")

    cooperative = factory.SubFactory(CooperativeFactory)
    code = "fabrics"
    name_zh = "面料"
    name_en = "Fabrics"


class InspectionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Inspection

    cooperative = factory.SubFactory(CooperativeFactory)
    member = factory.SubFactory(MemberFactory, cooperative=factory.SelfAttribute("..cooperative"))
    category = factory.SubFactory(
        TestCategoryFactory, cooperative=factory.SelfAttribute("..cooperative")
    )
    report_no = factory.Sequence(lambda n: f"R2025-{n:05d}")
    product = "全棉四件套"
    sampled_on = datetime.date(2025, 3, 1)
    reported_on = datetime.date(2025, 3, 10)
    verdict = Inspection.Verdict.PASS
    severity = ""
    lab_name = "国家家纺检测中心"


class FailedInspectionFactory(InspectionFactory):
    verdict = Inspection.Verdict.FAIL
    severity = Inspection.Severity.MAJOR
