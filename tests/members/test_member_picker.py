"""An administrator picks a member in the admin by searching (the autocomplete), by name,
English name or credit code, among their own cooperative's members only."""

import pytest
from django.contrib import admin
from django.contrib.admin.widgets import AutocompleteSelect, AutocompleteSelectMultiple
from django.test import RequestFactory
from django.urls import reverse

from conftest import logged_in
from members.models import Member
from tests.factories import MemberFactory

pytestmark = pytest.mark.django_db

AUTOCOMPLETE = "admin:autocomplete"


def search(client, term, app_label="pledges", model_name="pledge", field_name="member"):
    return client.get(
        reverse(AUTOCOMPLETE),
        {"term": term, "app_label": app_label, "model_name": model_name, "field_name": field_name},
    )


def found(response):
    assert response.status_code == 200
    return {result["text"] for result in response.json()["results"]}


@pytest.fixture
def elsewhere(other_coop):
    return MemberFactory(cooperative=other_coop, name="南通丙家纺有限公司", name_en="Firm C")


def test_every_member_field_of_every_admin_form_is_picked_by_searching(admin_user):
    request = RequestFactory().get("/admin/")
    request.user = admin_user
    checked = []
    for model, model_admin in admin.site._registry.items():
        fields = [
            field.name
            for field in [*model._meta.fields, *model._meta.many_to_many]
            if field.related_model is Member
        ]
        if not fields:
            continue
        form = model_admin.get_form(request)
        for name in fields:
            if name in form.base_fields:
                widget = form.base_fields[name].widget
                widget = getattr(widget, "widget", widget)
                assert isinstance(widget, AutocompleteSelect | AutocompleteSelectMultiple), (
                    f"{model.__name__}.{name}"
                )
                checked.append(f"{model._meta.app_label}.{model.__name__}.{name}")
    for expected in (
        "complaints.Complaint.member",
        "inspections.Inspection.member",
        "charter.CharterAcceptance.member",
        "pledges.Pledge.member",
        "members.Pairing.anchor",
    ):
        assert expected in checked, checked


@pytest.mark.parametrize(
    ("term", "expected"),
    [
        ("甲家纺", {"南通甲家纺有限公司"}),
        ('"firm b"', {"南通乙家纺有限公司"}),
        ("家纺", {"南通甲家纺有限公司", "南通乙家纺有限公司"}),
    ],
)
def test_the_administrator_finds_their_members_by_name_in_either_language(
    personas, member_a, member_b, elsewhere, term, expected
):
    assert found(search(personas.administrator, term)) == expected


def test_the_administrator_finds_a_member_by_its_credit_code(personas, member_a, member_b):
    assert found(search(personas.administrator, member_a.credit_code.lower())) == {member_a.name}


@pytest.mark.parametrize(
    ("app_label", "model_name", "field_name"),
    [
        ("complaints", "complaint", "member"),
        ("inspections", "inspection", "member"),
        ("charter", "charteracceptance", "member"),
        ("pledges", "pledge", "member"),
        ("members", "pairing", "anchor"),
    ],
)
def test_the_autocomplete_never_offers_another_cooperatives_member(
    personas, member_a, member_b, elsewhere, app_label, model_name, field_name
):
    for term in ("", "家纺", "Firm C", elsewhere.credit_code):
        shown = found(search(personas.administrator, term, app_label, model_name, field_name))
        assert elsewhere.name not in shown
    shown = found(search(personas.other_administrator, "", app_label, model_name, field_name))
    assert shown == {elsewhere.name}


def test_the_autocomplete_is_refused_to_staff_who_administer_no_cooperative(
    personas, member_a, regulator
):
    regulator.is_staff = True
    regulator.save(update_fields=["is_staff"])
    assert search(logged_in(regulator), "家纺").status_code == 403
    # Users who are not staff are sent to the admin's log-in, as on every admin page.
    for client in (personas.member_a, personas.anonymous):
        response = search(client, "家纺")
        assert response.status_code == 302
        assert "login" in response.url
