import pytest

from complaints.models import Complaint
from complaints.services import forward_complaint
from coop_portal.links import absolute_url
from coop_portal.models import OutboxEmail
from tests.complaints.factories import ComplaintFactory


@pytest.mark.parametrize("site", ["https://portal.example.cn", "https://portal.example.cn/"])
def test_an_absolute_link_has_one_slash_after_the_host_however_site_url_ends(settings, site):
    settings.SITE_URL = site
    assert absolute_url("/complaints/") == "https://portal.example.cn/complaints/"


@pytest.mark.django_db
def test_the_links_in_e_mails_do_not_double_the_slash(settings, member_a):
    settings.SITE_URL = "https://portal.example.cn/"
    forward_complaint(ComplaintFactory(member=member_a, status=Complaint.Status.ACCEPTED), None)
    body = OutboxEmail.objects.get().body
    assert "https://portal.example.cn/" in body
    assert "example.cn//" not in body
