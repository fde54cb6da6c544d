"""Cooperative B's administrator never sees, picks or saves cooperative A's records in the admin.

Every registered ModelAdmin is walked as B's administrator: its changelist (every filter's
choices), its add form and the change form of one of B's records (every choice of the form
and of its inlines), each foreign key's autocomplete, and every choice field given one of A's
ids, which must be refused. Two forms are then POSTed in full with A's ids, as the attack did.
"""

from __future__ import annotations

from typing import Any

import pytest
from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db.models import Model
from django.test import Client, RequestFactory
from django.urls import NoReverseMatch, reverse

from inspections.models import Inspection, TestCategory, TestItem
from members.models import Cooperative, Initiator, Lab, Member, User
from tests.factories import LabFactory, MemberFactory
from tests.inspections.factories import TestCategoryFactory

from .urls import build_world

pytestmark = pytest.mark.django_db


def _url(model: type[Model], view: str, *args: Any) -> str | None:
    try:
        return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)
    except NoReverseMatch:
        return None


class Leaks:
    """A's rows, recorded before B's are made; every choice shown to B is checked against
    them."""

    def __init__(self, other_coop: Cooperative, b_users: set[int]) -> None:
        self.other_coop = other_coop
        self.b_users = b_users
        self.cache: dict[type[Model], set[Any]] = {}
        self.found: list[str] = []

    def of(self, model: type[Model]) -> set[Any]:
        if model not in self.cache:
            pks = set(model._default_manager.values_list("pk", flat=True))
            if model is Cooperative:
                pks.discard(self.other_coop.pk)
            if model is User:
                pks -= self.b_users
            self.cache[model] = pks
        return self.cache[model]

    def check(self, where: str, model: type[Model], pks: Any) -> None:
        shown = {pk for pk in pks if pk not in ("", None)}
        leaked = shown & self.of(model)
        if leaked:
            self.found.append(f"{where}: {model.__name__} {sorted(leaked)[:5]}")


def _choice_fields(form: forms.BaseForm) -> list[tuple[str, forms.ModelChoiceField]]:
    # An inline row's own hidden id only finds rows of the record being edited (Django looks
    # them up in the formset's queryset), so it is no choice.
    own_id = form._meta.model._meta.pk.name if isinstance(form, forms.ModelForm) else None
    return [
        (name, field)
        for name, field in form.fields.items()
        if isinstance(field, forms.ModelChoiceField) and name != own_id
    ]


def _check_form(leaks: Leaks, where: str, form: forms.BaseForm) -> None:
    for name, field in _choice_fields(form):
        model = field.queryset.model
        leaks.check(f"{where} {name}", model, field.queryset.values_list("pk", flat=True))
        for pk in list(leaks.of(model))[:3]:
            value = [pk] if isinstance(field, forms.ModelMultipleChoiceField) else pk
            try:
                field.clean(value)
            except ValidationError:
                continue
            leaks.found.append(f"{where} {name}: accepts A's {model.__name__} {pk}")


def _check_page(leaks: Leaks, where: str, response: Any) -> None:
    context = response.context or {}
    adminform = context.get("adminform")
    if adminform is not None:
        _check_form(leaks, where, adminform.form)
    for inline in context.get("inline_admin_formsets") or []:
        formset = inline.formset
        for form in [*formset.forms, formset.empty_form]:
            _check_form(leaks, f"{where} inline {formset.prefix}", form)
    changelist = context.get("cl")
    if changelist is not None:
        for spec in changelist.filter_specs:
            field = getattr(spec, "field", None)
            choices = getattr(spec, "lookup_choices", None)
            if field is not None and field.is_relation and choices:
                leaks.check(
                    f"{where} filter {spec.title}",
                    field.related_model,
                    [pk for pk, _label in choices],
                )


@pytest.fixture
def world():
    world = build_world()
    b_admin = world.users["other_administrator"]
    leaks = Leaks(world.other_coop, {b_admin.pk})
    for model in admin.site._registry:
        leaks.of(model)
    for model in (Member, Lab, User, Cooperative, Inspection, TestCategory):
        leaks.of(model)
    # Some of B's own records, so that B's forms have something to offer.
    world.objects["b_member"] = MemberFactory(cooperative=world.other_coop)
    b_lab = LabFactory()
    b_lab.cooperatives.add(world.other_coop)
    world.objects["b_lab"] = b_lab
    world.objects["b_category"] = TestCategoryFactory(cooperative=world.other_coop, code="grain")
    TestItem.objects.create(category=world.b_category, code="moisture", name_zh="水分")
    world.objects["leaks"] = leaks
    return world


def test_no_admin_page_offers_or_accepts_another_cooperatives_records(world):
    leaks: Leaks = world.leaks
    client = world.clients["other_administrator"]
    request = RequestFactory().get("/admin/")
    request.user = world.users["other_administrator"]
    for model, model_admin in admin.site._registry.items():
        name = model.__name__
        changelist = _url(model, "changelist")
        if changelist:
            response = client.get(changelist)
            assert response.status_code in (200, 302, 403), f"{name} changelist"
            if response.status_code == 200:
                _check_page(leaks, f"{name} changelist", response)
        add = _url(model, "add")
        if add:
            response = client.get(add)
            if response.status_code == 200:
                _check_page(leaks, f"{name} add", response)
        if model_admin.has_view_permission(request):
            own = model_admin.get_queryset(request).order_by("pk").first()
            if own is not None:
                response = client.get(_url(model, "change", own.pk))
                assert response.status_code == 200, f"{name} change"
                _check_page(leaks, f"{name} change", response)
        for field in model._meta.get_fields():
            if field.is_relation and field.concrete and field.many_to_one:
                response = client.get(
                    "/admin/autocomplete/",
                    {
                        "app_label": model._meta.app_label,
                        "model_name": model._meta.model_name,
                        "field_name": field.name,
                    },
                )
                if response.status_code == 200:
                    leaks.check(
                        f"{name} autocomplete {field.name}",
                        field.related_model,
                        [int(result["id"]) for result in response.json()["results"]],
                    )
    assert not leaks.found, "\n".join(leaks.found)


def test_a_filter_on_a_related_record_lists_only_the_administrators_records(world):
    # A filter with a single choice is not shown: the other cooperative gets a second category.
    oil = TestCategoryFactory(cooperative=world.other_coop, code="oil", name_zh="油", name_en="Oil")
    response = world.clients["other_administrator"].get(
        reverse("admin:inspections_testitem_changelist")
    )
    [choices] = [
        list(spec.lookup_choices)
        for spec in response.context["cl"].filter_specs
        if getattr(spec, "field_path", "") == "category"
    ]
    grain = world.objects["b_category"]
    assert sorted(choices) == sorted([(grain.pk, grain.name), (oil.pk, oil.name)])


def test_the_initiator_inline_refuses_another_cooperatives_member_and_lab(world):
    b_admin: Client = world.clients["other_administrator"]
    coop_b = world.other_coop
    url = reverse("admin:members_cooperative_change", args=[coop_b.pk])
    page = b_admin.get(url)
    assert world.member_a.name not in page.content.decode()
    data = {
        "name_zh": coop_b.name_zh,
        "name_en": coop_b.name_en,
        "industry": coop_b.industry,
        "time_zone": coop_b.time_zone,
        "initiators-TOTAL_FORMS": "1",
        "initiators-INITIAL_FORMS": "0",
        "initiators-MIN_NUM_FORMS": "0",
        "initiators-MAX_NUM_FORMS": "1000",
        "initiators-0-kind": Initiator.Kind.ANCHOR_FIRM,
        "initiators-0-name_zh": "甲",
        "initiators-0-member": str(world.member_a.pk),
        "initiators-0-lab": str(world.lab_record.pk),
    }
    form = page.context["adminform"].form
    for name in form.fields:
        if name not in data and form.initial.get(name) is not None:
            data[name] = form.initial[name]
    response = b_admin.post(url, data)
    assert response.status_code == 200
    assert not Initiator.objects.filter(cooperative=coop_b).exists()


def test_the_add_inspection_form_refuses_another_cooperatives_report_as_retest_of(world):
    b_admin: Client = world.clients["other_administrator"]
    a_report = Inspection.objects.filter(cooperative=world.coop).order_by("pk").first()
    before = Inspection.objects.count()
    response = b_admin.post(
        reverse("admin:inspections_inspection_add"),
        {
            "cooperative": str(world.other_coop.pk),
            "report_no": "B-1",
            "member": str(world.b_member.pk),
            "product": "大米",
            "category": str(world.b_category.pk),
            "kind": "supervision",
            "sampled_on": "2025-03-01",
            "reported_on": "2025-03-10",
            "verdict": "pass",
            "retest_of": str(a_report.pk),
            "items-TOTAL_FORMS": "0",
            "items-INITIAL_FORMS": "0",
            "items-MIN_NUM_FORMS": "0",
            "items-MAX_NUM_FORMS": "1000",
        },
    )
    assert response.status_code == 200
    [error] = response.context["adminform"].form.errors.as_data()["retest_of"]
    assert error.code == "invalid_choice"
    assert Inspection.objects.count() == before
