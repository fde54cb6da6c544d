import pytest

from complaints.models import Complaint
from complaints.services import forward_complaint
from coop_portal.models import OutboxEmail
from tests.complaints.factories import ComplaintFactory


@pytest.mark.django_db
@pytest.mark.parametrize("site", ["https://portal.example.cn", "https://portal.example.cn/"])
def test_the_links_in_e_mails_have_one_slash_however_site_url_ends(settings, member_a, site):
    settings.SITE_URL = site
    forward_complaint(ComplaintFactory(member=member_a, status=Complaint.Status.ACCEPTED), None)
    body = OutboxEmail.objects.get().body
    assert "https://portal.example.cn/" in body
    assert "example.cn//" not in body
