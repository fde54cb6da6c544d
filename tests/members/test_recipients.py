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


@pytest.fixture
def switched_off_user(coop, member_a):
    user = UserFactory(email="left@firm-a.example.cn", is_active=False)
    RoleFactory(user=user, cooperative=coop, kind=Role.Kind.MEMBER_USER, member=member_a)
    return user


def test_a_members_mail_goes_to_its_own_address_and_its_active_users(
    member_a, member_user_a, switched_off_user
):
    member_a.email = "office@firm-a.example.cn"
    assert member_a.email_recipients() == ["office@firm-a.example.cn", "owner@firm-a.example.cn"]


def test_a_cooperatives_mail_goes_to_its_contact_address_and_its_active_administrators(
    coop, administrator
):
    coop.contact_email = "office@nantong.example.cn"
    assert coop.administrator_emails() == ["admin@nantong.example.cn", "office@nantong.example.cn"]
    administrator.is_active = False
    administrator.save(update_fields=["is_active"])
    assert coop.administrator_emails() == ["office@nantong.example.cn"]


def test_the_charter_and_the_complaints_notices_reach_the_same_people(
    coop, member_a, member_user_a, switched_off_user
):
    remind_to_accept(setup_charter(coop))
    complaint = ComplaintFactory(member=member_a, status=Complaint.Status.ACCEPTED)
    forward_complaint(complaint, None)
    sent = [sorted(email.to) for email in OutboxEmail.objects.order_by("pk")]
    assert sent == [member_a.email_recipients()] * 2
