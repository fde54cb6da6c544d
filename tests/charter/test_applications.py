import datetime

import pytest
from django.core.exceptions import ValidationError

from charter.models import Application, CharterAcceptance
from charter.services import (
    approve_application,
    publish_charter_version,
    reject_application,
    submit_application,
    take_exit_step,
)
from members.models import Member, StatusChange
from tests.charter.factories import ApplicationFactory, CharterVersionFactory
from tests.factories import credit_code_for

pytestmark = pytest.mark.django_db

# The default charter has four basic conditions; the reviewer confirms them by position.
ALL_CONDITIONS = [0, 1, 2, 3]


def new_application(coop, charter, **fields) -> Application:
    return submit_application(
        ApplicationFactory.build(cooperative=coop, charter_version=charter, **fields)
    )


def test_an_application_is_acknowledged_by_email(coop, charter, sent_mail):
    application = new_application(coop, charter, email="apply@firm.example.cn", language="en")
    assert application.status == Application.Status.PENDING
    assert len(sent_mail) == 1
    assert sent_mail[0].to == ["apply@firm.example.cn"]
    assert "is received" in sent_mail[0].subject
    assert str(application.pk) in sent_mail[0].body


def test_an_approved_application_admits_an_active_member_that_accepted_the_charter(
    coop, charter, administrator, sent_mail
):
    application = new_application(coop, charter, credit_code=credit_code_for(7), language="en")
    member = approve_application(application, by=administrator, checklist=ALL_CONDITIONS)
    assert member.status == Member.Status.ACTIVE
    assert member.joined_on == coop.today()
    assert member.credit_code == credit_code_for(7)
    assert [(c.from_status, c.to_status) for c in StatusChange.objects.filter(member=member)] == [
        ("applicant", "active")
    ]
    acceptance = CharterAcceptance.objects.get(member=member)
    assert acceptance.version == charter
    assert acceptance.signatory_name == application.signatory_name
    application.refresh_from_db()
    assert application.status == Application.Status.APPROVED
    assert application.member == member
    assert application.decided_by == administrator
    assert [mail.subject for mail in sent_mail][-1].startswith("Welcome to")


def test_approval_needs_every_basic_condition_checked(coop, charter, administrator):
    application = new_application(coop, charter)
    with pytest.raises(ValidationError, match="every basic condition"):
        approve_application(application, by=administrator, checklist=[1, 2, 3])
    assert not Member.objects.filter(credit_code=application.credit_code).exists()


def test_admission_requires_accepting_the_version_in_force(coop, charter, administrator):
    application = new_application(coop, charter)
    second = CharterVersionFactory(cooperative=coop, effective_from=coop.today())
    second = publish_charter_version(second, by=None)
    with pytest.raises(ValidationError, match="no longer in force"):
        approve_application(application, by=administrator, checklist=ALL_CONDITIONS)


def test_a_rejected_application_is_told_the_reason(coop, charter, administrator, sent_mail):
    application = new_application(coop, charter, language="en")
    reject_application(application, by=administrator, reason="Registered outside the cluster.")
    application.refresh_from_db()
    assert application.status == Application.Status.REJECTED
    assert not Member.objects.filter(credit_code=application.credit_code).exists()
    assert "Registered outside the cluster." in sent_mail[-1].body
    assert len(sent_mail) == 2


def test_a_rejection_needs_a_reason_and_a_decision_is_final(coop, charter, administrator):
    application = new_application(coop, charter)
    with pytest.raises(ValidationError):
        reject_application(application, by=administrator, reason="  ")
    reject_application(application, by=administrator, reason="不符合条件")
    with pytest.raises(ValidationError, match="decided already"):
        approve_application(application, by=administrator, checklist=ALL_CONDITIONS)


def test_a_duplicate_pending_application_is_refused(coop, charter):
    new_application(coop, charter, credit_code=credit_code_for(8))
    with pytest.raises(ValidationError, match="already awaiting review"):
        new_application(coop, charter, credit_code=credit_code_for(8))
    assert Application.objects.count() == 1


def test_an_existing_member_cannot_apply_again(coop, charter, member_a):
    with pytest.raises(ValidationError, match="belongs to the cooperative already"):
        new_application(coop, charter, credit_code=member_a.credit_code)


def removed(member, administrator, on):
    take_exit_step(member, "removal", by=administrator, reason="多次抽查不合格", on=on)
    member.refresh_from_db()
    return member


def test_readmission_before_the_cooling_off_period_ends_is_refused_with_the_date(
    coop, charter, member_a, administrator
):
    left = coop.today() - datetime.timedelta(days=364)
    removed(member_a, administrator, left)
    with pytest.raises(ValidationError) as caught:
        new_application(coop, charter, credit_code=member_a.credit_code, language="en")
    may_apply = left + datetime.timedelta(days=365)
    assert "may apply to be re-admitted from" in caught.value.messages[0]
    assert str(may_apply.year) in caught.value.messages[0]
    assert not Application.objects.exists()


def test_readmission_after_the_cooling_off_period_reactivates_the_former_member(
    coop, charter, member_a, administrator, sent_mail
):
    removed(member_a, administrator, coop.today() - datetime.timedelta(days=365))
    application = new_application(coop, charter, credit_code=member_a.credit_code, address="新地址")
    member = approve_application(application, by=administrator, checklist=ALL_CONDITIONS)
    assert member.pk == member_a.pk
    assert member.status == Member.Status.ACTIVE
    assert member.left_on is None
    assert member.address == "新地址"
    assert Member.objects.filter(credit_code=member_a.credit_code).count() == 1
    assert StatusChange.objects.filter(member=member).last().to_status == "active"
    assert CharterAcceptance.objects.has_accepted(member, charter)


def test_a_withdrawn_member_may_also_be_readmitted_after_cooling_off(
    coop, charter, member_a, administrator
):
    take_exit_step(
        member_a,
        "withdrawal",
        by=administrator,
        reason="自愿退出",
        on=coop.today() - datetime.timedelta(days=400),
    )
    application = new_application(coop, charter, credit_code=member_a.credit_code)
    assert application.status == Application.Status.PENDING
