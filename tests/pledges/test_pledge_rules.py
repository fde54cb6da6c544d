import datetime
from decimal import Decimal

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.utils import translation

from charter.models import CharterVersion, ScoringPolicy
from coop_portal.refusal import Refused
from members.models import Member
from pledges import services
from pledges.forms import PledgeForm
from pledges.models.pledge import Commitment, Pledge, latest_in_force
from pledges.services import PledgeContent
from pledges.targets import pledge_in_force, target_in_force
from tests.factories import MemberFactory
from tests.pledges.pledge_factories import (
    MINIMUMS,
    STRICT,
    accept,
    charter_for,
    fast_passwords,  # noqa: F401 - autouse
    make_pledge,
    published,
)

pytestmark = pytest.mark.django_db


def content(**targets: Decimal | None) -> PledgeContent:
    return PledgeContent(
        statement="",
        promises="",
        valid_from=None,
        valid_until=None,
        signatory_name="王经理",
        signatory_title="",
        targets={**MINIMUMS, **targets},
        product_lines=[],
    )


def form_data(**overrides: object) -> dict[str, object]:
    data: dict[str, object] = {
        "statement": "",
        "promises": "",
        "signatory_name": "王经理",
        "signatory_title": "",
        "pass_rate": "90",
        "response_days": "7",
        "resolution_days": "30",
        "rectification_days": "60",
    }
    data.update(overrides)
    return data


def test_a_pass_rate_below_the_charter_minimum_is_refused_naming_the_minimum(member_a):
    charter_for(member_a.cooperative)
    pledge = make_pledge(member_a)
    with pytest.raises(Refused) as error:
        services.update_draft(pledge, content(pass_rate=Decimal("85.0")))
    assert "90.0%" in str(error.value)
    assert pledge.targets()["pass_rate"] == Decimal("90.0")


def test_a_longer_response_time_than_the_charter_allows_is_refused_in_the_form(member_a):
    charter_for(member_a.cooperative)
    policy = ScoringPolicy()
    form = PledgeForm(form_data(response_days="10"), instance=make_pledge(member_a), policy=policy)
    assert not form.is_valid()
    assert "7" in form.errors["response_days"][0]


def test_a_stricter_target_is_accepted(member_a):
    charter_for(member_a.cooperative)
    pledge = make_pledge(member_a)
    services.update_draft(pledge, content(**STRICT))
    assert pledge.targets() == STRICT


def test_a_pass_rate_above_100_and_zero_days_are_refused(member_a):
    policy = ScoringPolicy()
    form = PledgeForm(
        form_data(pass_rate="100.5", rectification_days="0"),
        instance=make_pledge(member_a),
        policy=policy,
    )
    assert not form.is_valid()
    assert set(form.errors) == {"pass_rate", "rectification_days"}


def test_the_minimums_follow_the_charter_policy_in_force(member_a):
    version = charter_for(member_a.cooperative)
    stricter = CharterVersion.objects.create(
        cooperative=member_a.cooperative,
        number=2,
        effective_from=datetime.date(2020, 1, 1),
        status=CharterVersion.Status.PUBLISHED,
    )
    ScoringPolicy.objects.create(charter_version=stricter, min_pass_rate=Decimal("93.0"))
    assert version.number == 1
    with pytest.raises(Refused) as error:
        services.update_draft(make_pledge(member_a), content(pass_rate=Decimal("92.0")))
    assert "93.0%" in str(error.value)


def test_a_required_kind_cannot_be_left_out(member_a):
    charter_for(member_a.cooperative)
    with pytest.raises(Refused):
        services.update_draft(make_pledge(member_a), content(rectification_days=None))


def test_a_kind_the_policy_does_not_require_may_be_left_out(member_a):
    charter_for(member_a.cooperative)
    newer = CharterVersion.objects.create(
        cooperative=member_a.cooperative,
        number=2,
        effective_from=datetime.date(2021, 1, 1),
        status=CharterVersion.Status.DRAFT,
    )
    ScoringPolicy.objects.create(charter_version=newer, required_kinds=["pass_rate"])
    newer.status = CharterVersion.Status.PUBLISHED
    newer.save()
    pledge = services.update_draft(
        make_pledge(member_a), content(response_days=None, rectification_days=None)
    )
    assert set(pledge.targets()) == {"pass_rate", "resolution_days"}


def test_submitting_without_accepting_the_charter_in_force_is_refused(member_a, member_user_a):
    charter_for(member_a.cooperative)
    pledge = make_pledge(member_a)
    with pytest.raises(Refused) as error:
        services.submit_pledge(pledge, by=member_user_a)
    assert error.value.code == "charter_not_accepted"
    pledge.refresh_from_db()
    assert pledge.status == Pledge.Status.DRAFT


def test_submitting_after_accepting_the_charter_notifies_the_administrators(
    member_a, member_user_a, administrator, django_capture_on_commit_callbacks
):
    accept(member_a)
    with django_capture_on_commit_callbacks(execute=True):
        pledge = services.submit_pledge(make_pledge(member_a), by=member_user_a)
    assert pledge.status == Pledge.Status.SUBMITTED
    assert pledge.submitted_by == member_user_a
    assert [message.to for message in mail.outbox] == [[administrator.email]]


def test_approving_publishes_from_the_cooperatives_today_and_renders_the_pdf(
    member_a, member_user_a, administrator, django_capture_on_commit_callbacks
):
    accept(member_a)
    pledge = services.submit_pledge(make_pledge(member_a), by=member_user_a)
    with django_capture_on_commit_callbacks(execute=True):
        services.approve_pledge(pledge, by=administrator)
    pledge.refresh_from_db()
    assert pledge.status == Pledge.Status.PUBLISHED
    assert pledge.published_on == member_a.cooperative.today()
    assert pledge.reviewed_by == administrator
    assert pledge.pdf.name.endswith(".pdf")
    assert member_user_a.email in mail.outbox[-1].to


def test_returning_requires_comments_and_lets_the_member_edit_again(
    member_a, member_user_a, administrator
):
    accept(member_a)
    pledge = services.submit_pledge(make_pledge(member_a), by=member_user_a)
    with pytest.raises(Refused):
        services.return_pledge(pledge, by=administrator, comments="  ")
    services.return_pledge(pledge, by=administrator, comments="请写明标准编号。")
    pledge.refresh_from_db()
    assert pledge.status == Pledge.Status.RETURNED
    assert pledge.review_comments == "请写明标准编号。"
    assert pledge.is_editable
    services.update_draft(pledge, content(**STRICT))


def test_only_an_administrator_of_the_cooperative_reviews(
    member_a, member_user_a, regulator, other_administrator
):
    accept(member_a)
    pledge = services.submit_pledge(make_pledge(member_a), by=member_user_a)
    for user in (regulator, other_administrator, member_user_a):
        with pytest.raises(Refused):
            services.approve_pledge(pledge, by=user)
    pledge.refresh_from_db()
    assert pledge.status == Pledge.Status.SUBMITTED


def test_a_submitted_pledge_cannot_be_edited(member_a, member_user_a):
    accept(member_a)
    pledge = services.submit_pledge(make_pledge(member_a), by=member_user_a)
    with pytest.raises(ValidationError):
        services.update_draft(pledge, content(**STRICT))


def test_a_published_pledge_cannot_be_edited_in_any_way(member_a):
    pledge = published(member_a)
    with pytest.raises(ValidationError):
        services.update_draft(pledge, content(**STRICT))
    pledge.refresh_from_db()
    pledge.statement = "changed"
    with pytest.raises(ValidationError):
        pledge.save()
    commitment = Commitment.objects.get(pledge=pledge, kind="pass_rate")
    commitment.target = Decimal("80.0")
    with pytest.raises(ValidationError):
        commitment.save()
    with pytest.raises(ValidationError):
        commitment.delete()
    assert Pledge.objects.get(pk=pledge.pk).statement == "我们承诺按标准生产。"


def test_a_published_pledge_may_still_be_withdrawn(member_a, member_user_a):
    pledge = published(member_a)
    services.withdraw_pledge(pledge, by=member_user_a)
    pledge.refresh_from_db()
    assert pledge.status == Pledge.Status.WITHDRAWN
    assert pledge.withdrawn_on == member_a.cooperative.today()


def test_a_new_version_starts_from_the_published_one_and_supersedes_it(
    member_a, member_user_a, administrator
):
    accept(member_a)
    first = published(member_a, targets=STRICT)
    second = services.start_pledge(member_a, by=member_user_a)
    assert second.version == 2
    assert second.targets() == STRICT
    with pytest.raises(Refused):
        services.start_pledge(member_a, by=member_user_a)
    services.submit_pledge(second, by=member_user_a)
    services.approve_pledge(second, by=administrator)
    assert pledge_in_force(member_a, member_a.cooperative.today()) == second
    first.refresh_from_db()
    assert first.published_on == datetime.date(2024, 1, 1)


def test_a_new_version_carries_the_validity_period_over_and_the_review_shows_no_change(
    member_a, member_user_a
):
    from pledges.diff import pledge_changes

    accept(member_a)
    first = published(member_a, targets=STRICT)
    # A published version never changes through save(): the dates are written as stored.
    Pledge.objects.filter(pk=first.pk).update(
        valid_from=datetime.date(2024, 1, 15), valid_until=datetime.date(2026, 12, 31)
    )
    second = services.start_pledge(member_a, by=member_user_a)
    assert second.valid_from == datetime.date(2024, 1, 15)
    assert second.valid_until == datetime.date(2026, 12, 31)
    assert pledge_changes(second).details == []


def test_a_sole_proprietor_starts_from_the_ready_template(coop, member_user_a):
    charter_for(coop)
    shop = MemberFactory(cooperative=coop, kind=Member.Kind.SOLE_PROPRIETOR)
    pledge = services.start_pledge(shop, by=member_user_a)
    assert pledge.targets() == MINIMUMS
    assert pledge.promises
    assert pledge.statement


def test_a_firm_may_ask_for_the_template_too_but_starts_empty_otherwise(member_a, member_user_a):
    charter_for(member_a.cooperative)
    assert services.start_pledge(member_a, by=member_user_a).targets() == {}
    Pledge.objects.filter(member=member_a).delete()
    assert (
        services.start_pledge(member_a, by=member_user_a, use_template=True).targets() == MINIMUMS
    )


# pledge_in_force (SCORING.md, "Who is assessed") ----------------------------------------------


def test_the_pledge_in_force_is_the_latest_published_on_or_before_the_day(member_a):
    first = published(member_a, 1, datetime.date(2024, 1, 1))
    second = published(member_a, 2, datetime.date(2024, 6, 1), targets=STRICT)
    make_pledge(member_a, 3)  # a draft never counts
    assert pledge_in_force(member_a, datetime.date(2023, 12, 31)) is None
    assert pledge_in_force(member_a, datetime.date(2024, 1, 1)) == first
    assert pledge_in_force(member_a, datetime.date(2024, 5, 31)) == first
    assert pledge_in_force(member_a, datetime.date(2024, 6, 1)) == second
    assert target_in_force(member_a, "response_days", datetime.date(2024, 6, 1)) == Decimal(3)
    assert target_in_force(member_a, "response_days", datetime.date(2024, 2, 1)) == Decimal(7)


def test_a_pledge_withdrawn_on_or_before_the_day_is_not_in_force(member_a):
    published(member_a, 1, datetime.date(2024, 1, 1), withdrawn_on=datetime.date(2024, 3, 1))
    assert pledge_in_force(member_a, datetime.date(2024, 2, 29)) is not None
    assert pledge_in_force(member_a, datetime.date(2024, 3, 1)) is None


def test_withdrawing_the_latest_version_does_not_revive_an_earlier_one(member_a):
    published(member_a, 1, datetime.date(2024, 1, 1))
    published(member_a, 2, datetime.date(2024, 6, 1), withdrawn_on=datetime.date(2024, 9, 1))
    assert pledge_in_force(member_a, datetime.date(2024, 8, 31)).version == 2
    assert pledge_in_force(member_a, datetime.date(2024, 9, 1)) is None
    assert target_in_force(member_a, "pass_rate", datetime.date(2024, 9, 1)) is None


def test_the_in_memory_rule_agrees_with_the_database_rule(member_a):
    versions = [
        published(member_a, 1, datetime.date(2024, 1, 1)),
        published(member_a, 2, datetime.date(2024, 6, 1), withdrawn_on=datetime.date(2024, 9, 1)),
        published(member_a, 3, datetime.date(2024, 10, 1)),
    ]
    start = datetime.date(2023, 12, 1)
    for offset in range(0, 400, 7):
        day = start + datetime.timedelta(days=offset)
        assert latest_in_force(versions, day) == pledge_in_force(member_a, day)


def test_commitments_read_as_plain_words(member_a):
    pledge = published(member_a, targets={**STRICT, "response_days": Decimal(1)})
    with translation.override("zh-hans"):
        chinese = {c.kind: c.plain_words() for c in pledge.commitments.all()}
    assert "1天" in chinese["response_days"]
    with translation.override("en"):
        english = {c.kind: c.plain_words() for c in pledge.commitments.all()}
    assert english["response_days"] == "We answer every complaint within 1 day."
    assert english["resolution_days"] == "We resolve every complaint within 15 days."
    assert english["pass_rate"] == "At least 95% of our products pass the regulator's spot checks."
