"""Journey 1: an administrator approves an application, imports members.csv and publishes a
new charter version, in the browser, in Chinese and in English."""

from __future__ import annotations

import pytest
from django.utils import translation

from charter.models import Application, CharterAcceptance, CharterVersion
from members.models import Member
from tests.charter.factories import ApplicationFactory
from tests.e2e.journeys import enable_two_factor
from tests.factories import credit_code_for
from tests.pledges.pledge_factories import charter_for

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

IMPORTED = [credit_code_for(70001), credit_code_for(70002, sole_proprietor=True)]


def named(person, record) -> str:
    """A record as the admin names it in the person's language (a charter version in words)."""
    with translation.override(person.language):
        return str(record)


def members_csv() -> bytes:
    header = "credit_code,name,kind,scale,joined_on,address,chief_quality_officer,left_on"
    rows = [
        f"{IMPORTED[0]},南通丙家纺有限公司,firm,sme,2021-03-01,江苏省南通市通州区,陈红,",
        f"{IMPORTED[1]},川姜镇丁氏床品店,sole_proprietor,,2022-05-10,江苏省南通市川姜镇,,",
    ]
    return ("\n".join([header, *rows]) + "\n").encode()


def test_administrator_admits_imports_and_publishes_a_charter(
    people, coop, administrator, member_a
):
    version = charter_for(coop)
    application = ApplicationFactory(
        cooperative=coop, charter_version=version, name="南通戊家纺有限公司"
    )
    device = enable_two_factor(administrator)
    admin = people.person()
    t = admin.t
    page = admin.page

    # The management page sends a visitor to the log-in, and back after the code.
    admin.open(f"/charter/{coop.slug}/manage/")
    admin.log_in(administrator, device=device)
    assert admin.heading() == t("Charter and exit mechanism")

    # 1. The application: every basic condition checked, then approved.
    admin.follow(page.get_by_role("link", name=application.name))
    assert admin.heading() == application.name
    page.get_by_label(t("Approve")).check()
    conditions = page.locator("input[name=checklist]")
    assert conditions.count() == len(version.basic_conditions())
    for index in range(conditions.count()):
        conditions.nth(index).check()
    admin.submit(page.get_by_role("button", name=t("Record the decision")))
    assert page.get_by_role("status").get_by_text(t("The applicant is admitted.")).is_visible()
    application.refresh_from_db()
    assert application.status == Application.Status.APPROVED
    admitted = Member.objects.get(cooperative=coop, credit_code=application.credit_code)
    assert admitted.status == Member.Status.ACTIVE
    assert CharterAcceptance.objects.filter(member=admitted, version=version).exists()

    # 2. members.csv: upload, read the preview of every row, then import.
    admin.follow(page.get_by_role("link", name=t("Administration")))
    admin.follow(page.get_by_role("link", name=t("members").capitalize(), exact=True))
    admin.follow(page.get_by_role("link", name=t("Import members.csv")))
    page.get_by_label(t("members.csv")).set_input_files(
        files=[{"name": "members.csv", "mimeType": "text/csv", "buffer": members_csv()}]
    )
    admin.submit(page.get_by_role("button", name=t("Check the file")))
    preview = page.get_by_role("table", name=t("Every row of the file"))
    for code in IMPORTED:
        assert preview.get_by_role("row").filter(has_text=code).get_by_text(t("create")).count()
    assert not Member.objects.filter(credit_code__in=IMPORTED).exists()
    admin.submit(page.get_by_role("button", name=t("Import"), exact=True))
    # A worker imports it (in-process here); the import's page tells the outcome.
    assert Member.objects.filter(cooperative=coop, credit_code__in=IMPORTED).count() == 2
    page.reload()
    admin.follow(page.locator("#content").get_by_role("link", name=t("members").capitalize()).last)
    for code in IMPORTED:
        assert page.locator("#result_list").get_by_text(code).is_visible()

    # 3. The next charter version: drafted from the one in force, edited, published.
    admin.follow(page.get_by_role("link", name=t("Home"), exact=True))
    admin.follow(page.get_by_role("link", name=t("charter versions").capitalize(), exact=True))
    page.get_by_role("checkbox", name=named(admin, version)).check()
    page.get_by_label(t("Action:")).select_option(
        label=t("Draft the next version of the selected charter")
    )
    admin.submit(page.get_by_role("button", name=t("Go"), exact=True))
    draft = CharterVersion.objects.get(cooperative=coop, number=version.number + 1)
    assert draft.status == CharterVersion.Status.DRAFT
    admin.follow(page.locator("#result_list").get_by_role("link", name=named(admin, draft)))
    page.get_by_label(t("what changed (Chinese)")).fill("第二版：明确投诉答复时限。")
    page.get_by_label(t("what changed (English)")).fill(
        "Version 2: complaint answer deadlines made explicit."
    )
    admin.submit(page.get_by_role("button", name=t("Save"), exact=True))
    page.get_by_role("checkbox", name=named(admin, draft)).check()
    page.get_by_label(t("Action:")).select_option(label=t("Publish the selected drafts"))
    admin.submit(page.get_by_role("button", name=t("Go"), exact=True))
    draft.refresh_from_db()
    assert draft.status == CharterVersion.Status.PUBLISHED
    assert draft.published_by == administrator

    # The public charter page now shows the new version, in force from today.
    admin.follow(page.get_by_role("link", name=t("View site")))
    admin.follow(page.get_by_role("link", name=admin.shown(coop, "name")))
    admin.follow(page.locator("nav.coop-nav").get_by_role("link", name=t("Charter")))
    assert page.get_by_text(admin.shown(draft, "change_note")).is_visible()
    admin.finish("admin")
