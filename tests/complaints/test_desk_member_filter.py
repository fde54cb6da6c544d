"""The desk filters complaints by member: the complaint form's member search and list, over
the cooperative's own members only, with the other filters and the reference search."""

import re
from pathlib import Path

import pytest
from django.urls import reverse

from complaints.models import Complaint
from tests.complaints.factories import ComplaintFactory
from tests.factories import MemberFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def complaints(coop, other_coop, member_a, member_b):
    elsewhere = MemberFactory(cooperative=other_coop, name="五常稻花香米业有限公司")
    return {
        "a": ComplaintFactory(cooperative=coop, member=member_a, reference="NA-2026-000001"),
        "a2": ComplaintFactory(
            cooperative=coop,
            member=member_a,
            reference="NA-2026-000002",
            status=Complaint.Status.RESOLVED,
        ),
        "b": ComplaintFactory(cooperative=coop, member=member_b, reference="NA-2026-000003"),
        "elsewhere": ComplaintFactory(
            cooperative=other_coop, member=elsewhere, reference="RI-2026-000004"
        ),
    }


def desk(coop):
    return reverse("complaints:staff_list", args=[coop.slug])


def references(page: str) -> list[str]:
    return sorted(set(re.findall(r">((?:NA|RI)-2026-\d{6})</a>", page)))


def test_the_desk_filters_by_the_member_chosen(personas, coop, member_a, complaints):
    response = personas.administrator.get(desk(coop), {"member": member_a.pk})
    assert response.status_code == 200
    page = response.content.decode()
    assert references(page) == ["NA-2026-000001", "NA-2026-000002"]
    assert f'<option value="{member_a.pk}" selected>' in page


def test_the_desk_filters_by_part_of_a_members_name(personas, coop, complaints):
    page = personas.administrator.get(desk(coop), {"q": "乙家纺"}).content.decode()
    assert references(page) == ["NA-2026-000003"]


def test_the_member_filter_works_with_the_status_filter_and_the_search(
    personas, coop, member_a, complaints
):
    query = {"member": member_a.pk, "status": Complaint.Status.RESOLVED}
    page = personas.administrator.get(desk(coop), query).content.decode()
    assert references(page) == ["NA-2026-000002"]
    query = {"member": member_a.pk, "reference": "2026-00000"}
    page = personas.administrator.get(desk(coop), query).content.decode()
    assert references(page) == ["NA-2026-000001", "NA-2026-000002"]


def test_the_regulator_filters_by_member_too(personas, coop, member_b, complaints):
    page = personas.regulator.get(desk(coop), {"member": member_b.pk}).content.decode()
    assert references(page) == ["NA-2026-000003"]


def test_another_cooperatives_member_filters_to_nothing_and_is_never_named(
    personas, coop, complaints
):
    elsewhere = complaints["elsewhere"].member
    response = personas.administrator.get(desk(coop), {"member": elsewhere.pk})
    assert response.status_code == 200
    page = response.content.decode()
    assert references(page) == []
    assert elsewhere.name not in page
    page = personas.administrator.get(desk(coop), {"q": "五常"}).content.decode()
    assert references(page) == []
    assert elsewhere.name not in page


def test_the_member_list_offers_only_the_cooperatives_members(personas, coop, complaints):
    page = personas.administrator.get(desk(coop)).content.decode()
    assert "南通甲家纺有限公司" in page
    assert "南通乙家纺有限公司" in page
    assert "五常稻花香米业有限公司" not in page


def test_a_member_id_that_is_not_an_id_is_ignored(personas, coop, complaints):
    page = personas.administrator.get(desk(coop), {"member": "x"}).content.decode()
    assert references(page) == ["NA-2026-000001", "NA-2026-000002", "NA-2026-000003"]


@pytest.mark.parametrize("persona", ["other_administrator", "member_a", "lab"])
def test_people_without_a_desk_role_in_the_cooperative_get_404(
    personas, coop, member_a, complaints, persona
):
    response = getattr(personas, persona).get(desk(coop), {"member": member_a.pk})
    assert response.status_code == 404


def test_the_anonymous_visitor_is_sent_to_sign_in(personas, coop, member_a, complaints):
    response = personas.anonymous.get(desk(coop), {"member": member_a.pk})
    assert response.status_code == 302


def test_each_filter_label_sits_with_its_control(personas, coop, complaints):
    """At 360 px the form stacks: every label and control share one wrapper, and a checkbox
    is followed by its own label inside its wrapper (site.css keeps them together)."""
    page = personas.administrator.get(desk(coop)).content.decode()
    start = page.index('class="filters"')
    form = page[start : page.index("</form>", start)]
    for control in ("id_q", "id_member", "id_status"):
        assert re.search(
            rf'<div class="field">\s*<label for="{control}">[^<]+</label>\s*<(select|input)[^>]*'
            rf'id="{control}"',
            form,
        ), control
    for box in ("id_overdue", "id_accounts"):
        assert re.search(
            rf'<div class="field check">\s*<input type="checkbox"[^>]*id="{box}"[^>]*>\s*'
            rf'<label for="{box}">',
            form,
        ), box


def test_the_filter_form_stacks_on_a_phone():
    css = Path("static/css/site.css").read_text()
    assert ".field.check { display: flex;" in css
    phone = css[css.index("@media (max-width: 40rem)") :]
    assert "form.filters { flex-direction: column; align-items: stretch; }" in phone
