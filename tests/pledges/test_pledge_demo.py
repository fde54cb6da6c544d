import pytest

from charter.setup import setup_charter
from members import demo as members_demo
from members.models import MemberNotice, Role, User
from pledges import demo
from pledges.models.pledge import Pledge
from tests.pledges.pledge_factories import fast_passwords  # noqa: F401 - autouse

pytestmark = pytest.mark.django_db


def test_the_demo_has_published_draft_and_returned_pledges_and_logins_and_runs_twice():
    cooperative = members_demo.load()
    setup_charter(cooperative)
    demo.load(cooperative)
    counts = (Pledge.objects.count(), Role.objects.count(), User.objects.count())
    demo.load(cooperative)
    assert (Pledge.objects.count(), Role.objects.count(), User.objects.count()) == counts
    published = Pledge.objects.filter(status=Pledge.Status.PUBLISHED)
    members = cooperative.members.count()
    assert published.values("member").distinct().count() > members // 2
    assert published.filter(version=2).exists()
    assert published.filter(commitments__kind="pass_rate", commitments__target__gt=90).exists()
    assert Pledge.objects.filter(status=Pledge.Status.DRAFT).count() == 1
    # The fourth team's pledge awaits review; the demo's administrator returns it through the
    # review service, which e-mails the member and records the notice (once).
    submitted = Pledge.objects.get(status=Pledge.Status.SUBMITTED)
    admin = User.objects.create_user("boss@example.cn", "x", first_name="Boss")
    Role.objects.create(user=admin, cooperative=cooperative, kind=Role.Kind.ADMINISTRATOR)
    returned = demo.return_for_revision(submitted.member, by=admin)
    assert returned == submitted
    assert demo.return_for_revision(submitted.member, by=admin) == returned
    returned.refresh_from_db()
    assert returned.status == Pledge.Status.RETURNED
    assert returned.review_comments == demo.RETURN_COMMENTS
    assert MemberNotice.objects.filter(
        member=returned.member, group__startswith=f"pledge-returned:{returned.pk}:"
    ).exists()
    owner = User.objects.get(email="owner1@example.cn")
    assert owner.check_password(demo.MEMBER_PASSWORD)
    assert Role.objects.get(user=owner).is_owner
    assert Role.objects.filter(user__email="colleague1@example.cn", is_owner=False).exists()
    assert Role.objects.filter(user__email=demo.REGULATOR_EMAIL, kind="regulator").exists()
    assert Role.objects.filter(user__email=demo.LAB_EMAIL, kind="lab_user").exists()
