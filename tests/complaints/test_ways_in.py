"""A consumer reaches the complaint form, the tracking page and the member search from the
home page, and the form from every member's public pages, with the member chosen."""

import pytest
from django.urls import reverse

from members.models import Member
from tests.factories import MemberFactory

pytestmark = pytest.mark.django_db


def test_the_home_page_offers_search_complaint_and_tracking_for_each_cooperative(client, coop):
    page = client.get("/").content.decode()
    assert f'action="{reverse("members:directory", args=[coop.slug])}"' in page
    assert f'href="{reverse("complaints:file", args=[coop.slug])}"' in page
    assert f'href="{reverse("complaints:track", args=[coop.slug])}"' in page


@pytest.mark.parametrize(
    "page", ["members:member", "pledges:member"], ids=["directory entry", "pledge page"]
)
def test_a_members_pages_link_to_the_form_with_the_member_chosen(client, coop, member_a, page):
    html = client.get(reverse(page, args=[coop.slug, member_a.credit_code])).content.decode()
    link = f"{reverse('complaints:file', args=[coop.slug])}?member={member_a.pk}"
    assert f'href="{link}"' in html
    form = client.get(link).context["form"]
    assert form.initial["member"] == member_a.pk


def test_a_member_that_left_takes_no_new_complaints(client, coop):
    removed = MemberFactory(cooperative=coop, status=Member.Status.REMOVED)
    html = client.get(reverse("members:member", args=[coop.slug, removed.credit_code]))
    assert f"?member={removed.pk}" not in html.content.decode()
