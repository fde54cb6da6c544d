"""factory_boy factories shared by the whole suite. Apps add theirs in tests/<app>/factories.py."""

from __future__ import annotations

import datetime

import factory

from members.credit_code import ALPHABET, check_character
from members.models import Cooperative, Lab, Member, Role, User


def credit_code_for(number: int, *, sole_proprietor: bool = False) -> str:
    """A valid unified social credit code, distinct for each number."""
    body = ""
    for _ in range(8):
        number, digit = divmod(number, len(ALPHABET))
        body = ALPHABET[digit] + body
    stem = ("92" if sole_proprietor else "91") + "320612" + "M" + body
    return stem + check_character(stem)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("email",)

    email = factory.Sequence(lambda n: f"user{n}@example.cn")
    password = factory.django.Password("correct horse battery staple")
    first_name = factory.Faker("first_name")


class CooperativeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Cooperative
        django_get_or_create = ("slug",)

    slug = factory.Sequence(lambda n: f"coop-{n}")
    name_zh = factory.Sequence(lambda n: f"质量合作社{n}")
    name_en = factory.Sequence(lambda n: f"Quality cooperative {n}")
    industry = "home-textiles"


class LabFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Lab

    name_zh = factory.Sequence(lambda n: f"检测中心{n}")
    name_en = factory.Sequence(lambda n: f"Test centre {n}")


class MemberFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Member

    cooperative = factory.SubFactory(CooperativeFactory)
    credit_code = factory.Sequence(lambda n: credit_code_for(n + 1000))
    name = factory.Sequence(lambda n: f"南通家纺有限公司{n}")
    name_en = factory.Sequence(lambda n: f"Nantong Home Textiles Co. {n}")
    kind = Member.Kind.FIRM
    scale = Member.Scale.SME
    status = Member.Status.ACTIVE
    joined_on = datetime.date(2020, 1, 1)
    address = "江苏省南通市通州区"
    contact_person = "王经理"
    phone = "13800000000"
    email = factory.Sequence(lambda n: f"firm{n}@example.cn")


class RoleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Role

    user = factory.SubFactory(UserFactory)
    cooperative = factory.SubFactory(CooperativeFactory)
    kind = Role.Kind.ADMINISTRATOR
