import re
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from charter import services
from charter.models import Appeal, CharterVersion
from inspections.models import TestCategory
from members.models import Cooperative, User

pytestmark = pytest.mark.django_db


def test_setup_cooperative_creates_it_with_a_charter_and_the_textile_catalogue():
    out = StringIO()
    call_command(
        "setup_cooperative",
        "nantong",
        "--name",
        "南通家纺质量合作社",
        "--industry",
        "home-textiles",
        stdout=out,
    )
    cooperative = Cooperative.objects.get(slug="nantong")
    version = CharterVersion.objects.in_force(
        cooperative, on=__import__("datetime").date(2000, 1, 1)
    )
    assert version is not None
    assert version.policy.min_pass_rate == 90
    assert set(
        TestCategory.objects.filter(cooperative=cooperative).values_list("code", flat=True)
    ) == {
        "fabrics",
        "fibre-products",
        "garments",
        "bedding",
    }
    assert len(out.getvalue().strip().splitlines()) == 1


def test_setup_cooperative_leaves_an_existing_one_as_it_is():
    call_command("setup_cooperative", "rice", "--name", "大米质量合作社", stdout=StringIO())
    out = StringIO()
    call_command(
        "setup_cooperative",
        "rice",
        "--name",
        "另一个名字",
        "--industry",
        "home-textiles",
        stdout=out,
    )
    cooperative = Cooperative.objects.get(slug="rice")
    assert cooperative.name_zh == "大米质量合作社"
    assert not TestCategory.objects.filter(cooperative=cooperative).exists()
    assert cooperative.charter_versions.count() == 1


def test_setup_cooperative_refuses_a_bad_slug():
    with pytest.raises(CommandError):
        call_command("setup_cooperative", "Not A Slug", "--name", "x", stdout=StringIO())
    assert not Cooperative.objects.exists()


def test_demo_can_be_loaded_twice():
    call_command("demo", stdout=StringIO())
    counts = Cooperative.objects.count(), Cooperative.objects.get().members.count()
    call_command("demo", stdout=StringIO())
    assert (Cooperative.objects.count(), Cooperative.objects.get().members.count()) == counts


def test_demo_prints_every_login_that_works_and_no_email(capsys):
    out = StringIO()
    call_command("demo", stdout=out)
    printed = out.getvalue()
    assert "Content-Type" not in printed + capsys.readouterr().out
    logins = re.findall(r"^  (.+)[:：] ?(\S+@\S+) / (\S+)$", printed, re.MULTILINE)
    roles = {who for who, _, _ in logins}
    assert len(logins) >= 6
    assert len(roles) == len(logins)
    for _who, email, password in logins:
        assert User.objects.get(email=email).check_password(password), email


def test_the_shell_imports_every_model_without_a_warning(capsys):
    out = StringIO()
    call_command("shell", command="print(Pledge.history.model.__name__)", verbosity=1, stdout=out)
    printed = out.getvalue() + capsys.readouterr().out
    assert "HistoricalPledge" in printed
    assert "could not be automatically imported" not in printed


def test_demo_prints_a_second_administrator_who_may_decide_its_pending_appeal():
    """An appeal is decided by an administrator who took no part in the step: the demo's
    printed logins include one for its pending appeal and for steps the first one takes."""
    out = StringIO()
    call_command("demo", stdout=out)
    logins = re.findall(r"^  (.+)[:：] ?(\S+@\S+) / (\S+)$", out.getvalue(), re.MULTILINE)
    emails = [email for _who, email, _password in logins]
    cooperative = Cooperative.objects.get()
    administrators = [
        email
        for email in emails
        if User.objects.get(email=email).has_role(cooperative, "administrator")
    ]
    assert len(administrators) == 2
    appeal = Appeal.objects.get(status=Appeal.Status.PENDING)
    deciders = [
        email
        for email in administrators
        if User.objects.get(email=email).pk
        not in {appeal.step.proposed_by_id, appeal.step.decided_by_id}
    ]
    assert deciders == administrators
    services.decide_appeal(
        appeal, by=User.objects.get(email=administrators[1]), upheld=False, reason="证据不足。"
    )
    appeal.refresh_from_db()
    assert appeal.status == Appeal.Status.REJECTED
