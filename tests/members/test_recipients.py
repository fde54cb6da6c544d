import pytest

from charter.services import remind_to_accept
from charter.setup import setup_charter
from complaints.models import Complaint
from complaints.services import forward_complaint
from coop_portal.models import OutboxEmail
from members.models import Role
from tests.complaints.factories import ComplaintFactory
from tests.factories import RoleFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_mail_goes_to_the_own_address_and_the_active_users_only(
    coop, member_a, member_user_a, administrator
):
    switched_off = UserFactory(email="left@firm-a.example.cn", is_active=False)
    RoleFactory(user=switched_off, cooperative=coop, kind=Role.Kind.MEMBER_USER, member=member_a)
    member_a.email, coop.contact_email = "office@firm-a.example.cn", "office@nantong.example.cn"
    assert member_a.email_recipients() == ["office@firm-a.example.cn", "owner@firm-a.example.cn"]
    assert coop.administrator_emails() == ["admin@nantong.example.cn", "office@nantong.example.cn"]


def test_the_charter_and_the_complaints_notices_reach_the_same_people(
    coop, member_a, member_user_a
):
    remind_to_accept(setup_charter(coop))
    forward_complaint(ComplaintFactory(member=member_a, status=Complaint.Status.ACCEPTED), None)
    sent = [sorted(email.to) for email in OutboxEmail.objects.order_by("pk")]
    assert sent == [member_a.email_recipients()] * 2
