"""One record, one truth: every change of a member's status goes through the exit mechanism.

Whatever page starts it, the public exit list and the directory agree, and every warned,
suspended or removed member has the step in effect that explains its status.
"""

import ast
import datetime
import io
import itertools
import re
from html import unescape
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

from charter import demo as charter_demo
from charter.models import Application, ExitStep
from charter.services import (
    STATUS_AFTER,
    approve_application,
    decide_appeal,
    decide_proposal,
    lodge_appeal,
    propose_consequence,
    record_conversion,
    take_exit_step,
)
from charter.setup import setup_charter
from coop_portal.csvimport import run_import
from members import demo as members_demo
from members.importers import MembersImporter
from members.models import Cooperative, Member
from tests.factories import MemberFactory, credit_code_for

pytestmark = pytest.mark.django_db

# The step in effect that explains each status the exit mechanism gives.
EXPLAINED_BY = {status: kind for kind, status in STATUS_AFTER.items()}
SANCTIONS = ("warned", "suspended", "removed")


def rows(html: str) -> list[str]:
    return html.split("<tr")[1:]


def exit_list(client, cooperative: Cooperative) -> set[tuple[str, str]]:
    """(member, status) of each row of the public page of suspensions and removals."""
    page = client.get(reverse("charter:public_exits", args=[cooperative.slug]))
    found = set()
    for row in rows(page.content.decode()):
        match = re.search(r'<td>([^<]+)</td>\s*<td><span class="badge (\w+)">', row)
        if match:
            found.add((unescape(match.group(1)), match.group(2)))
    return found


def directory(client, cooperative: Cooperative, status: str) -> set[tuple[str, str]]:
    """(member, status) of each member the public directory shows with a status."""
    found: set[tuple[str, str]] = set()
    for number in itertools.count(1):
        page = client.get(
            reverse("members:directory", args=[cooperative.slug]),
            {"status": status, "page": number},
        ).content.decode()
        for row in rows(page):
            match = re.search(r'/">([^<]+)</a>.*<span class="badge (\w+)">', row, re.S)
            if match:
                found.add((unescape(match.group(1)), match.group(2)))
        if 'rel="next"' not in page:
            return found


def assert_one_truth(client, cooperative: Cooperative) -> set[tuple[str, str]]:
    """What the public reads agrees, pages served from the cache included; and every status
    of the exit mechanism has the one step in effect that explains it."""
    listed = exit_list(client, cooperative)
    shown = directory(client, cooperative, "suspended") | directory(client, cooperative, "removed")
    assert listed == shown, "the public exit list and the directory disagree"
    for member in cooperative.members.filter(status__in=SANCTIONS):
        steps = ExitStep.objects.for_member(member).in_effect().filter(kind__in=STATUS_AFTER)
        kinds = [step.kind for step in steps]
        assert kinds == [EXPLAINED_BY[member.status]], (
            f"{member} is {member.status}; its steps in effect are {kinds}"
        )
    return listed


def test_no_page_changes_a_status_but_through_the_charters_services():
    """``members.services.change_status`` moves a member; only the exit mechanism calls it."""
    callers = []
    for app in ("members", "charter", "inspections", "complaints", "pledges", "coop_portal"):
        for path in (Path(settings.BASE_DIR) / app).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            tree = ast.parse(path.read_text(encoding="utf-8"))
            for node in ast.walk(tree):
                if isinstance(node, ast.Call):
                    name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
                    if name == "change_status":
                        callers.append(str(path.relative_to(settings.BASE_DIR)))
    assert set(callers) == {"charter/services.py"}


def test_every_way_in_keeps_the_exit_list_the_directory_and_the_cases_in_step(
    client,
    coop,
    charter,
    administrator,
    second_administrator,
    member_a,
    member_b,
    member_user_a,
    personas,
):
    today = coop.today()
    changelist = reverse("admin:members_member_changelist")

    def act(action, member, **extra):
        personas.administrator.post(
            changelist,
            {"action": action, "_selected_action": [member.pk], "apply": "1", **extra},
        )
        return assert_one_truth(client, coop)

    # The member list's actions.
    assert act("warn", member_a, reason="抽查不合格") == set()
    assert act("suspend", member_a, reason="未整改") == {(member_a.name, "suspended")}
    assert act("restore", member_a, reason="复检合格") == set()
    assert act("remove", member_b, reason="拒不整改") == {(member_b.name, "removed")}
    act("withdraw", MemberFactory(cooperative=coop), reason="转产")
    # The charter's own pages and services.
    third = MemberFactory(cooperative=coop)
    case = propose_consequence(third, "suspension", reason="两次 D", source_ref="run:1")
    decide_proposal(case.steps.get(), by=administrator, confirm=True, reason="核实")
    assert_one_truth(client, coop)
    removal = take_exit_step(third, "removal", by=administrator, reason="未恢复")
    assert_one_truth(client, coop)
    decide_appeal(
        lodge_appeal(removal, by=administrator, grounds="材料已交"),
        by=second_administrator,
        upheld=True,
        reason="属实",
    )
    assert_one_truth(client, coop)
    record_conversion(
        MemberFactory(cooperative=coop, kind="sole_proprietor", scale=""),
        credit_code=credit_code_for(4242),
        name="新公司",
        on=today,
        by=administrator,
    )
    assert_one_truth(client, coop)
    # A removed member re-admitted on application, after its cooling-off.
    gone = MemberFactory(cooperative=coop, joined_on=datetime.date(2019, 1, 1))
    take_exit_step(gone, "removal", by=administrator, reason="x", on=datetime.date(2020, 1, 1))
    application = Application.objects.create(
        cooperative=coop,
        credit_code=gone.credit_code,
        name=gone.name,
        kind=gone.kind,
        address="南通",
        contact_person="王",
        phone="1",
        email="a@example.cn",
        charter_version=charter,
        signatory_name="王",
    )
    approve_application(
        application,
        by=administrator,
        checklist=list(range(len(charter.basic_conditions("zh")))),
    )
    assert_one_truth(client, coop)
    # A file cannot change a status, so it cannot make the record disagree.
    header = "credit_code,name,kind,scale,joined_on,address,chief_quality_officer,left_on\n"
    member_b.refresh_from_db()
    row = f"{member_b.credit_code},{member_b.name},firm,sme,2020-01-01,,,\n"
    assert not run_import(MembersImporter(coop), io.BytesIO((header + row).encode())).ok
    assert_one_truth(client, coop)
    assert set(coop.members.values_list("status", flat=True)) >= {"active", "removed"}


def test_the_demo_keeps_the_record_in_step(client):
    cooperative = members_demo.load()
    setup_charter(cooperative)
    charter_demo.load(cooperative)
    statuses = set(Member.objects.filter(cooperative=cooperative).values_list("status", flat=True))
    assert statuses == set(Member.Status.values)
    listed = assert_one_truth(client, cooperative)
    assert {status for _member, status in listed} == {"suspended", "removed"}
