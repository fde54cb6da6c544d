"""The lab page: upload, preview of every row with its problems, all-or-nothing confirm."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from inspections.models import Inspection, LabUpload
from tests.factories import LabFactory, RoleFactory, UserFactory
from tests.inspections.conftest import HEADER
from tests.inspections.factories import InspectionFactory

pytestmark = pytest.mark.django_db


def inspections_csv(
    member, *, verdict="pass", severity="", report_no="LAB-2025-001", reported_on="2025-03-10"
):
    line = (
        f"{report_no},{member.credit_code},四件套,bedding,2025-03-01,{reported_on},"
        f"{verdict},{severity},,"
    )
    return SimpleUploadedFile("inspections.csv", f"{HEADER}\n{line}\n".encode(), "text/csv")


def upload(client, coop, files):
    return client.post(reverse("inspections:lab_home", args=[coop.slug]), files)


def test_a_lab_user_previews_then_confirms_an_upload(personas, coop, member_a, lab, catalogue):
    items = SimpleUploadedFile(
        "items.csv",
        b"report_no,item,measured_value,limit,result\nLAB-2025-001,formaldehyde,90,,fail\n",
    )
    response = upload(
        personas.lab,
        coop,
        {"file": inspections_csv(member_a, verdict="fail", severity="minor"), "items_file": items},
    )
    record = LabUpload.objects.get()
    assert response.status_code == 302
    assert record.status == LabUpload.Status.PREVIEWED
    preview = personas.lab.get(response["Location"])
    assert preview.status_code == 200
    assert "LAB-2025-001" in preview.content.decode()
    assert not Inspection.objects.exists()

    confirmed = personas.lab.post(reverse("inspections:lab_confirm", args=[coop.slug, record.pk]))
    assert confirmed.status_code == 302
    record.refresh_from_db()
    assert record.status == LabUpload.Status.IMPORTED
    assert (record.rows, record.created, record.item_rows) == (1, 1, 1)
    inspection = Inspection.objects.get()
    assert inspection.lab == lab
    assert inspection.source == Inspection.Source.UPLOAD
    assert inspection.items.count() == 1
    # A confirmed upload is not confirmed twice.
    again = personas.lab.post(reverse("inspections:lab_confirm", args=[coop.slug, record.pk]))
    assert again.status_code == 403


def test_a_bad_upload_shows_each_row_with_its_problems_and_cannot_be_confirmed(
    personas, coop, member_a, catalogue
):
    response = upload(personas.lab, coop, {"file": inspections_csv(member_a, verdict="fail")})
    record = LabUpload.objects.get()
    assert record.status == LabUpload.Status.REFUSED
    assert record.errors == 1
    personas.lab.cookies["django_language"] = "en"
    preview = personas.lab.get(response["Location"])
    text = preview.content.decode()
    assert "Line 2, column “severity”" in text
    assert "Confirm" not in text
    refused = personas.lab.post(reverse("inspections:lab_confirm", args=[coop.slug, record.pk]))
    assert refused.status_code == 403
    assert not Inspection.objects.exists()


def test_an_upload_of_a_report_dated_after_today_is_refused_as_the_api_refuses_it(
    personas, coop, member_a, catalogue
):
    """Finding F7: one rule for both ways in (inspections/validation.py, check_not_future)."""
    response = upload(
        personas.lab, coop, {"file": inspections_csv(member_a, reported_on="2099-01-02")}
    )
    record = LabUpload.objects.get()
    assert record.status == LabUpload.Status.REFUSED
    personas.lab.cookies["django_language"] = "en"
    text = personas.lab.get(response["Location"]).content.decode()
    assert "The date 2099-01-02 is after today" in text


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("en", "Line 1, column “verdict” (Verdict): This required column is missing"),
        ("zh-hans", "第 1 行，“verdict”列（结论）：表头缺少此必填列。"),
    ],
)
def test_a_missing_column_is_named_in_the_readers_language(
    personas, coop, member_a, catalogue, language, expected
):
    header = HEADER.replace(",verdict", "")
    line = f"LAB-1,{member_a.credit_code},四件套,bedding,2025-03-01,2025-03-10,,,"
    csv = SimpleUploadedFile("inspections.csv", f"{header}\n{line}\n".encode(), "text/csv")
    response = upload(personas.lab, coop, {"file": csv})
    personas.lab.cookies["django_language"] = language
    assert expected in personas.lab.get(response["Location"]).content.decode()


def test_the_preview_shows_the_member_and_product_of_each_row(personas, coop, member_a, catalogue):
    response = upload(personas.lab, coop, {"file": inspections_csv(member_a)})
    personas.lab.cookies["django_language"] = "en"
    preview = personas.lab.get(response["Location"])
    assert preview.context["outcome"].report.preview[0].details == ["Firm A", "四件套"]
    page = preview.content.decode()
    assert "<td>Firm A</td><td>四件套</td>" in page


def test_a_refused_row_is_previewed_with_its_member_and_product_too(
    personas, coop, member_a, catalogue
):
    response = upload(personas.lab, coop, {"file": inspections_csv(member_a, verdict="fail")})
    personas.lab.cookies["django_language"] = "en"
    row = personas.lab.get(response["Location"]).context["outcome"].report.preview[0]
    assert (row.action, row.details) == ("error", ["Firm A", "四件套"])


def test_a_lab_cannot_change_another_labs_report(personas, coop, member_a, catalogue):
    InspectionFactory(
        cooperative=coop,
        member=member_a,
        category=catalogue["bedding"],
        report_no="LAB-2025-001",
        lab=LabFactory(),
    )
    upload(personas.lab, coop, {"file": inspections_csv(member_a)})
    assert LabUpload.objects.get().status == LabUpload.Status.REFUSED


def test_a_lab_user_sees_only_its_own_labs_uploads(personas, coop, lab, member_a, catalogue):
    other_lab = LabFactory()
    other_lab.cooperatives.add(coop)
    theirs = LabUpload.objects.create(
        cooperative=coop, lab=other_lab, file_name="their-results.csv"
    )
    mine = LabUpload.objects.create(cooperative=coop, lab=lab, file_name="our-results.csv")
    page = personas.lab.get(reverse("inspections:lab_home", args=[coop.slug]))
    text = page.content.decode()
    assert "our-results.csv" in text
    assert "their-results.csv" not in text
    assert (
        personas.lab.get(reverse("inspections:lab_upload", args=[coop.slug, mine.pk])).status_code
        == 200
    )
    assert (
        personas.lab.get(reverse("inspections:lab_upload", args=[coop.slug, theirs.pk])).status_code
        == 404
    )
    assert (
        personas.lab.post(
            reverse("inspections:lab_confirm", args=[coop.slug, theirs.pk])
        ).status_code
        == 404
    )


def test_people_who_are_not_lab_users_of_the_cooperative_do_not_reach_the_lab_page(
    personas, coop, other_coop
):
    url = reverse("inspections:lab_home", args=[coop.slug])
    assert personas.anonymous.get(url).status_code == 302
    for client in (
        personas.administrator,
        personas.regulator,
        personas.member_a,
        personas.other_administrator,
    ):
        assert client.get(url).status_code == 404
    # The lab user of one cooperative has no lab page in another.
    assert (
        personas.lab.get(reverse("inspections:lab_home", args=[other_coop.slug])).status_code == 404
    )


def test_the_upload_list_has_a_constant_query_count(
    personas, coop, lab, catalogue, django_assert_num_queries
):
    user = UserFactory()
    RoleFactory(user=user, cooperative=coop, kind="lab_user", lab=lab)
    url = reverse("inspections:lab_home", args=[coop.slug])
    # The page also lists the categories and their test items: two queries, whatever the count.
    LabUpload.objects.create(cooperative=coop, lab=lab, user=user, file_name="one.csv")
    with django_assert_num_queries(8):
        personas.lab.get(url)
    for number in range(20):
        LabUpload.objects.create(cooperative=coop, lab=lab, user=user, file_name=f"f{number}.csv")
    with django_assert_num_queries(8):
        personas.lab.get(url)
