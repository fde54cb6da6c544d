from __future__ import annotations

import datetime
from decimal import Decimal

import factory

from members.models import (
    Pairing,
    QualityOfficer,
    ShadowVisit,
    TrademarkLicence,
    TrainingRecord,
)
from tests.factories import MemberFactory


class QualityOfficerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = QualityOfficer

    member = factory.SubFactory(MemberFactory)
    name = factory.Sequence(lambda n: f"质量官{n}")
    phone = factory.Sequence(lambda n: f"1391234{n:04d}")
    email = factory.Sequence(lambda n: f"officer{n}@private.example.cn")
    appointed_on = datetime.date(2023, 1, 1)


class TrainingRecordFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TrainingRecord

    officer = factory.SubFactory(QualityOfficerFactory)
    course = "首席质量官岗位培训"
    on = datetime.date(2023, 4, 1)
    hours = Decimal("8")


class PairingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Pairing

    anchor = factory.SubFactory(MemberFactory)
    member = factory.SubFactory(MemberFactory)
    started_on = datetime.date(2022, 3, 1)


class ShadowVisitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ShadowVisit

    pairing = factory.SubFactory(PairingFactory)
    on = datetime.date(2022, 5, 1)
    staff_count = 2
    staff_names = "秘密员工甲、秘密员工乙"
    topic = "成品出厂检验"


class TrademarkLicenceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TrademarkLicence

    trademark = "川姜家纺"
    licensee = factory.SubFactory(MemberFactory)
    granted_on = datetime.date(2021, 1, 15)
