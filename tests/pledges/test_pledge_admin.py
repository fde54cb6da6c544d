import pytest
from django.urls import reverse

from pledges.models.pledge import Pledge, Standard
from tests.pledges.pledge_factories import (
    fast_passwords,  # noqa: F401 - autouse
    make_pledge,
    published,
)

pytestmark = pytest.mark.django_db


def test_an_administrator_sees_only_the_pledges_of_their_cooperative(personas, member_a):
    pledge = published(member_a)
    url = reverse("admin:pledges_pledge_changelist")
    mine = personas.administrator.get(url)
    assert list(mine.context["cl"].queryset) == [pledge]
    other = personas.other_administrator.get(url)
    assert list(other.context["cl"].queryset) == []
    change = reverse("admin:pledges_pledge_change", args=[pledge.pk])
    assert personas.other_administrator.get(change).status_code == 404


def test_a_published_pledge_is_read_only_in_the_admin(personas, member_a):
    pledge = published(member_a)
    change = reverse("admin:pledges_pledge_change", args=[pledge.pk])
    assert personas.administrator.get(change).status_code == 200
    response = personas.administrator.post(change, {"statement": "changed"})
    assert response.status_code == 403
    assert Pledge.objects.get(pk=pledge.pk).statement == "我们承诺按标准生产。"


def test_a_draft_may_be_corrected_in_the_admin(personas, member_a):
    draft = make_pledge(member_a)
    change = reverse("admin:pledges_pledge_change", args=[draft.pk])
    assert personas.administrator.get(change).status_code == 200


def test_standards_are_kept_per_cooperative(personas, coop, other_coop):
    Standard.objects.create(
        cooperative=coop, kind="national", number="GB 18401-2010", title_zh="安全"
    )
    Standard.objects.create(
        cooperative=other_coop, kind="national", number="GB 1354-2018", title_zh="大米"
    )
    url = reverse("admin:pledges_standard_changelist")
    numbers = [s.number for s in personas.administrator.get(url).context["cl"].queryset]
    assert numbers == ["GB 18401-2010"]


def test_the_review_list_uses_a_constant_number_of_queries(
    personas, coop, django_assert_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests.factories import MemberFactory

    url = reverse("pledges:pledge_review_list", args=[coop.slug])
    make_pledge(MemberFactory(cooperative=coop), status=Pledge.Status.SUBMITTED)
    personas.administrator.get(url)
    with CaptureQueriesContext(connection) as one:
        personas.administrator.get(url)
    for _ in range(6):
        make_pledge(MemberFactory(cooperative=coop), status=Pledge.Status.SUBMITTED)
    with django_assert_num_queries(len(one.captured_queries)):
        response = personas.administrator.get(url)
    assert len(response.context["pledges"]) == 7
