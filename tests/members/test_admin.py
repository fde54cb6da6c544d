import datetime
import io

import pytest
from django.core.files.storage import default_storage
from django.urls import reverse
from django.utils import translation
from openpyxl import load_workbook

from members.models import Conversion, Member, MemberImport
from tests.factories import MemberFactory, credit_code_for

from .factories import PairingFactory, QualityOfficerFactory, TrademarkLicenceFactory

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:members_member_changelist")
IMPORT = reverse("admin:members_member_import")


def change_url(member):
    return reverse("admin:members_member_change", args=[member.pk])


def test_an_administrator_lists_only_the_members_of_their_cooperative(
    personas, member_a, other_coop
):
    theirs = MemberFactory(cooperative=other_coop, name="别社的社员")
    response = personas.administrator.get(CHANGELIST)
    assert response.status_code == 200
    content = response.content.decode()
    assert member_a.name in content
    assert theirs.name not in content
    # The cooperative filter offers only one's own cooperatives.
    assert other_coop.name_zh not in content


@pytest.mark.parametrize(
    "url_name",
    [
        "admin:members_member_change",
        "admin:members_member_history",
        "admin:members_member_delete",
    ],
)
def test_another_cooperatives_administrator_cannot_open_a_member_by_url(
    personas, member_a, url_name
):
    response = personas.other_administrator.get(reverse(url_name, args=[member_a.pk]))
    assert response.status_code == 404
    assert member_a.name not in response.content.decode()


def test_the_history_page_shows_who_changed_what(personas, administrator, member_a):
    personas.administrator.post(
        CHANGELIST,
        {"action": "warn", "_selected_action": [member_a.pk], "apply": "1", "reason": "抽查不合格"},
    )
    response = personas.administrator.get(
        reverse("admin:members_member_history", args=[member_a.pk])
    )
    assert response.status_code == 200
    content = response.content.decode()
    assert administrator.email in content or str(administrator) in content
    assert "抽查不合格" in content


def test_another_administrator_cannot_open_a_historical_version_by_url(personas, member_a):
    record = member_a.history.get()
    url = reverse("admin:members_member_simple_history", args=[member_a.pk, record.history_id])
    assert personas.other_administrator.get(url).status_code == 404
    assert personas.administrator.get(url).status_code == 200


def test_another_administrator_cannot_change_a_member_by_post(personas, member_a):
    response = personas.other_administrator.post(change_url(member_a), {"name": "被篡改"})
    assert response.status_code == 404
    member_a.refresh_from_db()
    assert member_a.name != "被篡改"


@pytest.mark.parametrize(
    ("model", "factory_of"),
    [
        ("qualityofficer", lambda m: QualityOfficerFactory(member=m)),
        (
            "pairing",
            lambda m: PairingFactory(anchor=MemberFactory(cooperative=m.cooperative), member=m),
        ),
        ("trademarklicence", lambda m: TrademarkLicenceFactory(licensee=m)),
    ],
)
def test_records_of_members_are_scoped_the_same_way(personas, member_a, model, factory_of):
    record = factory_of(member_a)
    url = reverse(f"admin:members_{model}_change", args=[record.pk])
    assert personas.administrator.get(url).status_code == 200
    assert personas.other_administrator.get(url).status_code == 404
    listing = personas.other_administrator.get(reverse(f"admin:members_{model}_changelist"))
    assert listing.status_code == 200
    assert listing.context["cl"].result_count == 0


def test_an_administrator_sees_and_changes_only_their_cooperative(personas, coop, other_coop):
    url = reverse("admin:members_cooperative_change", args=[other_coop.pk])
    assert personas.administrator.get(url).status_code == 404
    own = reverse("admin:members_cooperative_change", args=[coop.pk])
    assert personas.administrator.get(own).status_code == 200
    assert personas.administrator.get(reverse("admin:members_cooperative_add")).status_code == 403


def test_a_superuser_sees_every_cooperatives_members(super_client, member_a, other_coop):
    theirs = MemberFactory(cooperative=other_coop)
    response = super_client.get(CHANGELIST)
    assert response.context["cl"].result_count == 2
    assert super_client.get(change_url(theirs)).status_code == 200


@pytest.mark.parametrize("persona", ["anonymous", "regulator", "member_a", "lab"])
def test_people_who_are_not_administrators_cannot_use_the_admin(personas, member_a, persona):
    client = getattr(personas, persona)
    response = client.get(change_url(member_a))
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]
    assert client.get(IMPORT).status_code == 302


def test_search_by_name_and_credit_code_and_filter_by_status(personas, coop):
    firm = MemberFactory(cooperative=coop, name="罗莱家纺", credit_code=credit_code_for(77))
    other = MemberFactory(cooperative=coop, name="紫罗兰", status="warned")
    by_code = personas.administrator.get(CHANGELIST, {"q": firm.credit_code})
    assert list(by_code.context["cl"].result_list) == [firm]
    by_name = personas.administrator.get(CHANGELIST, {"q": "紫罗"})
    assert list(by_name.context["cl"].result_list) == [other]
    warned = personas.administrator.get(CHANGELIST, {"status__exact": "warned"})
    assert list(warned.context["cl"].result_list) == [other]


def action_post(client, action, members, follow=False, **extra):
    data = {"action": action, "_selected_action": [m.pk for m in members], **extra}
    return client.post(CHANGELIST, data, follow=follow)


HEADER = "credit_code,name,kind,scale,joined_on,address,chief_quality_officer,left_on\n"


def imported():
    return Member.objects.filter(credit_code__in=[credit_code_for(n) for n in range(1, 50)])


def upload(client, cooperative, content, name="members.csv"):
    data = content.encode() if isinstance(content, str) else content
    file = io.BytesIO(data)
    file.name = name
    return client.post(IMPORT, {"cooperative": cooperative.pk, "file": file})


def confirm_url(preview):
    return reverse("admin:members_member_import_confirm", args=[preview.context["upload"].pk])


def status_url(preview):
    return reverse("admin:members_member_import_status", args=[preview.context["upload"].pk])


def three_members():
    return HEADER + "".join(
        f"{credit_code_for(n)},公司{n},firm,sme,2020-01-01,,,\n" for n in range(1, 4)
    )


def test_import_previews_every_row_then_a_worker_writes_it_on_confirmation(
    personas, coop, administrator, django_capture_on_commit_callbacks
):
    preview = upload(personas.administrator, coop, three_members())
    assert preview.status_code == 200
    report = preview.context["report"]
    assert report.ok
    assert [(row.line, row.action) for row in report.preview] == [
        (2, "create"),
        (3, "create"),
        (4, "create"),
    ]
    assert not imported().exists()
    # The file waits in the storage every web process and worker shares.
    assert default_storage.exists(preview.context["upload"].file.name)
    with django_capture_on_commit_callbacks(execute=True):
        done = personas.administrator.post(confirm_url(preview))
    assert done["Location"] == status_url(preview)
    assert imported().count() == 3
    assert Member.history.filter(history_user=administrator).count() == 3
    assert personas.administrator.get(status_url(preview)).context["upload"].rows_done == 3
    # A file is imported once only.
    with django_capture_on_commit_callbacks(execute=True):
        personas.administrator.post(confirm_url(preview))
    assert imported().count() == 3


def test_the_import_page_shows_the_progress_while_a_worker_imports(personas, coop):
    preview = upload(personas.administrator, coop, three_members())
    personas.administrator.post(confirm_url(preview))
    member_import = MemberImport.objects.get()
    assert member_import.status == MemberImport.Status.QUEUED
    member_import.note_progress(2)
    page = personas.administrator.get(status_url(preview)).content.decode()
    assert 'max="3" value="2"' in page
    assert not imported().exists()


def test_a_bad_file_shows_every_problem_and_offers_no_confirmation(personas, coop):
    content = HEADER + f"{credit_code_for(1)[:17]}0,甲,firm,sme,2020-01-01,,,\n"
    content += f"{credit_code_for(2)},乙,firm,sme,2020-01-01,,,\n"
    with translation.override("en"):
        preview = upload(personas.administrator, coop, content)
    report = preview.context["report"]
    assert not report.ok
    assert confirm_url(preview) not in preview.content.decode()
    # Every row, the good one marked as such, the refused one with its key as written.
    assert [(row.action, row.key) for row in report.preview] == [
        ("error", f"{credit_code_for(1)[:17]}0"),
        ("ok", credit_code_for(2)),
    ]
    assert "无问题" in preview.content.decode()
    assert (
        "Line 2, column “credit_code”" in preview.content.decode()
        or "第 2 行" in preview.content.decode()
    )
    personas.administrator.post(confirm_url(preview))
    assert not imported().exists()


def test_a_file_over_the_upload_limit_is_refused(personas, coop, settings):
    settings.CSV_IMPORT_MAX_BYTES = 1000
    content = HEADER + "".join(
        f"{credit_code_for(n)},公司{n},firm,sme,2020-01-01,,,\n" for n in range(1, 40)
    )
    response = upload(personas.administrator, coop, content)
    assert response.status_code == 200
    assert response.context["form"].errors["file"]
    assert not imported().exists()


def test_the_import_can_be_cancelled(personas, coop):
    preview = upload(personas.administrator, coop, three_members())
    stored = preview.context["upload"].file.name
    personas.administrator.post(confirm_url(preview), {"cancel": "1"})
    assert not imported().exists()
    assert not MemberImport.objects.exists()
    assert not default_storage.exists(stored)


def test_another_administrator_can_neither_see_nor_confirm_an_import(personas, coop):
    preview = upload(personas.administrator, coop, three_members())
    assert personas.other_administrator.get(status_url(preview)).status_code == 404
    assert personas.other_administrator.post(confirm_url(preview)).status_code == 404
    assert MemberImport.objects.get().status == MemberImport.Status.PREVIEWED


def test_an_administrator_cannot_import_into_another_cooperative(personas, coop, other_coop):
    response = upload(
        personas.other_administrator,
        coop,
        HEADER + f"{credit_code_for(1)},甲,firm,sme,2020-01-01,,,\n",
    )
    assert response.context["form"].errors["cooperative"]
    assert not imported().exists()


def test_export_as_csv_escapes_formulas_and_can_be_imported_again(personas, coop):
    member = MemberFactory(cooperative=coop, name="=HYPERLINK(1)", address="+1")
    QualityOfficerFactory(member=member, name="张三")
    response = action_post(personas.administrator, "export_csv", [member])
    text = response.content.decode("utf-8-sig")
    lines = text.splitlines()
    assert lines[0] == HEADER.strip()
    assert lines[1].startswith(f"{member.credit_code},'=HYPERLINK(1),firm,sme,2020-01-01,'+1,张三,")


def test_export_as_xlsx_escapes_formulas(personas, coop):
    member = MemberFactory(cooperative=coop, name="@SUM(A1)")
    response = action_post(personas.administrator, "export_xlsx", [member])
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[1][:2] == (member.credit_code, "'@SUM(A1)")


def test_a_firm_cannot_be_converted(personas, member_a):
    response = personas.administrator.post(
        reverse("admin:members_conversion_add"),
        {
            "sole_proprietor": member_a.pk,
            "new_credit_code": credit_code_for(500),
            "new_name": "x",
            "converted_on": "2021-09-15",
        },
    )
    assert response.status_code == 200
    assert not Conversion.objects.exists()


@pytest.mark.parametrize(
    "name",
    [
        "members_member",
        "members_cooperative",
        "members_initiator",
        "members_lab",
        "members_role",
        "members_qualityofficer",
        "members_pairing",
        "members_conversion",
        "members_trademarklicence",
        "members_statuschange",
    ],
)
def test_every_admin_list_opens_for_an_administrator(personas, member_a, name):
    assert personas.administrator.get(reverse(f"admin:{name}_changelist")).status_code == 200


def test_the_member_add_and_change_pages_open(personas, member_a):
    assert personas.administrator.get(reverse("admin:members_member_add")).status_code == 200
    assert personas.administrator.get(change_url(member_a)).status_code == 200
    assert personas.administrator.get(IMPORT).status_code == 200


def test_a_role_cannot_tie_a_user_to_another_cooperatives_member(
    super_client, coop, other_coop, administrator
):
    theirs = MemberFactory(cooperative=other_coop)
    response = super_client.post(
        reverse("admin:members_role_add"),
        {
            "user": administrator.pk,
            "cooperative": coop.pk,
            "kind": "member_user",
            "member": theirs.pk,
        },
    )
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["member"]


def test_users_are_managed_by_superusers_only(personas, super_client):
    url = reverse("admin:members_user_changelist")
    assert personas.administrator.get(url).status_code == 403
    assert super_client.get(url).status_code == 200
    assert super_client.get(reverse("admin:members_user_add")).status_code == 200


def test_an_administrator_grants_a_draft_licence_from_the_list(personas, coop, member_a):
    draft = TrademarkLicenceFactory(licensee=member_a, granted_on=None, trademark="川姜家纺")
    left = MemberFactory(cooperative=coop, status="removed", left_on=datetime.date(2024, 1, 1))
    refused = TrademarkLicenceFactory(licensee=left, granted_on=None)
    url = reverse("admin:members_trademarklicence_changelist")
    response = personas.administrator.post(
        url,
        {"action": "grant", "_selected_action": [draft.pk, refused.pk]},
        follow=True,
        headers={"accept-language": "en"},
    )
    texts = [str(message) for message in response.context["messages"]]
    assert any("1 licence(s) granted" in text for text in texts)
    assert any("not a member of the cooperative" in text for text in texts)
    draft.refresh_from_db()
    refused.refresh_from_db()
    assert (draft.state, draft.granted_on) == ("in_force", coop.today())
    assert refused.state == "draft"
    assert draft.history.first().history_user.email == "admin@nantong.example.cn"


def test_another_administrator_cannot_grant_a_licence(personas, member_a):
    draft = TrademarkLicenceFactory(licensee=member_a, granted_on=None)
    personas.other_administrator.post(
        reverse("admin:members_trademarklicence_changelist"),
        {"action": "grant", "_selected_action": [draft.pk]},
    )
    draft.refresh_from_db()
    assert draft.state == "draft"


def test_a_draft_granted_to_a_suspended_member_is_suspended_at_once(coop):
    from members.services import grant_licence

    member = MemberFactory(cooperative=coop, status="suspended")
    draft = TrademarkLicenceFactory(licensee=member, granted_on=None)
    grant_licence(draft, by=None)
    draft.refresh_from_db()
    assert (draft.state, draft.suspended_on) == ("suspended", coop.today())
