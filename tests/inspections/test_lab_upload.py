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
        ("zh-hans", "第 1 行，“verdict”列（检验结论）：表头缺少此必填列。"),
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
    assert preview.context["outcome"].report.preview[0].details[:2] == ["Firm A", "四件套"]
    page = preview.content.decode()
    assert "<td>Firm A</td><td>四件套</td>" in page


def test_a_refused_row_is_previewed_with_its_member_and_product_too(
    personas, coop, member_a, catalogue
):
    response = upload(personas.lab, coop, {"file": inspections_csv(member_a, verdict="fail")})
    personas.lab.cookies["django_language"] = "en"
    row = personas.lab.get(response["Location"]).context["outcome"].report.preview[0]
    assert (row.action, row.key, row.details[:2]) == ("error", "LAB-2025-001", ["Firm A", "四件套"])


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


# The first walk's findings on the lab page ----------------------------------------------------


def rows_csv(*rows: str, name: str = "inspections.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, ("\n".join([HEADER, *rows]) + "\n").encode(), "text/csv")


def row(member, report_no, *, verdict="pass", severity="", lab_name=""):
    return (
        f"{report_no},{member.credit_code},四件套,bedding,2025-03-01,2025-03-10,"
        f"{verdict},{severity},{lab_name},"
    )


def preview_of(client, coop, files, language="en"):
    client.cookies["django_language"] = language
    response = upload(client, coop, files)
    assert response.status_code == 302
    return client.get(response["Location"]).content.decode()


def test_a_refused_row_shows_its_report_number_as_typed(personas, coop, member_a, catalogue):
    text = preview_of(
        personas.lab, coop, {"file": rows_csv(row(member_a, "WALK-2026-002", verdict="fail"))}
    )
    assert "WALK-2026-002" in text
    assert "refused" in text


def test_a_refused_file_lists_every_row_and_offers_the_upload_form_again(
    personas, coop, member_a, catalogue
):
    text = preview_of(
        personas.lab,
        coop,
        {
            "file": rows_csv(
                row(member_a, "GOOD-1"),
                row(member_a, "BAD-2", verdict="fail"),
                row(member_a, "GOOD-3"),
            )
        },
    )
    assert text.index("GOOD-1") < text.index("BAD-2") < text.index("GOOD-3")
    assert text.count(">fine<") == 2
    assert "1 problem found; nothing was imported." in text
    assert "Upload a corrected file" in text
    assert f'action="{reverse("inspections:lab_home", args=[coop.slug])}"' in text
    assert not Inspection.objects.exists()


def test_the_preview_of_a_good_file_shows_what_will_be_stored(personas, coop, member_a, catalogue):
    items = SimpleUploadedFile(
        "items.csv",
        b"report_no,item,measured_value,limit,result\n"
        b"LAB-2025-001,formaldehyde,90,,fail\nLAB-2025-001,ph,6.5,,pass\n",
    )
    text = preview_of(
        personas.lab,
        coop,
        {
            "file": rows_csv(row(member_a, "LAB-2025-001", verdict="fail", severity="major")),
            "items_file": items,
        },
    )
    for shown in (
        "<td>fail</td>",
        "<td>major</td>",
        "1 March 2025",
        "10 March 2025",
        '"num">2</td>',
    ):
        assert shown in text, shown
    assert "Confirm: import every row" in text


def test_the_confirmation_says_the_file_was_imported_with_plurals(
    personas, coop, member_a, catalogue
):
    personas.lab.cookies["django_language"] = "en"
    upload(personas.lab, coop, {"file": rows_csv(row(member_a, "A-1"), row(member_a, "A-2"))})
    record = LabUpload.objects.get()
    confirm = reverse("inspections:lab_confirm", args=[coop.slug, record.pk])
    page = personas.lab.post(confirm, follow=True).content.decode()
    assert (
        "The file inspections.csv was imported. 2 rows: 2 created, 0 updated, 0 unchanged." in page
    )
    assert "(s)" not in page


@pytest.mark.parametrize(
    "written", ["国家家纺检测中心", " 国家 家纺检测中心 ", "NATIONAL HOME-TEXTILE  test centre"]
)
def test_the_lab_column_takes_the_labs_own_name_in_any_case_and_spacing(
    personas, coop, member_a, lab, catalogue, written
):
    preview_of(personas.lab, coop, {"file": rows_csv(row(member_a, "A-1", lab_name=written))})
    record = LabUpload.objects.get()
    assert record.status == LabUpload.Status.PREVIEWED
    personas.lab.post(reverse("inspections:lab_confirm", args=[coop.slug, record.pk]))
    inspection = Inspection.objects.get()
    assert (inspection.lab, inspection.lab_name) == (lab, "国家家纺检测中心")


def test_another_lab_name_is_refused_with_a_plain_message_and_nothing_stored(
    personas, coop, member_a, lab, catalogue
):
    files = {"file": rows_csv(row(member_a, "A-1", lab_name="National Textile Testing Centre"))}
    text = preview_of(personas.lab, coop, files)
    assert (
        "The lab name “National Textile Testing Centre” is not this lab's name "
        "(“National home-textile test centre”): leave the column empty or write exactly "
        "that name."
    ) in text.replace("&#x27;", "'")
    assert LabUpload.objects.get().status == LabUpload.Status.REFUSED
    assert not Inspection.objects.exists()
    zh = preview_of(
        personas.lab, coop, {"file": rows_csv(row(member_a, "A-1", lab_name="别的中心"))}, "zh-hans"
    )
    assert "检验检测机构名称“别的中心”不是本机构的名称（“国家家纺检测中心”）" in zh
    assert not Inspection.objects.exists()


def test_the_lab_page_says_what_the_lab_column_takes(personas, coop, lab, catalogue):
    personas.lab.cookies["django_language"] = "zh-hans"
    text = personas.lab.get(reverse("inspections:lab_home", args=[coop.slug])).content.decode()
    assert (
        "“lab”列（检验检测机构）可以留空；如填写，须准确填写本机构名称：国家家纺检测中心。" in text
    )
    # Chinese punctuation between and after the template links, no Latin marks, no stray space.
    assert "填写后上传：<a" in text
    assert "</a>、<a" in text
    assert "</a>。日期写作" in text
    personas.lab.cookies["django_language"] = "en"
    text = personas.lab.get(reverse("inspections:lab_home", args=[coop.slug])).content.decode()
    assert (
        "The “lab” column may be left empty; if it is filled in, it must hold exactly this "
        "lab's name: National home-textile test centre."
    ) in text
    assert "fill in: <a" in text
    assert "</a>, <a" in text
    assert "</a>. Dates are written" in text


def test_the_portal_link_is_named_as_the_page_it_opens(personas, coop, lab, catalogue):
    for language, name in (("zh-hans", "检测结果报送"), ("en", "Lab deliveries")):
        personas.lab.cookies["django_language"] = language
        portal = personas.lab.get(reverse("portal:index")).content.decode()
        page = personas.lab.get(reverse("inspections:lab_home", args=[coop.slug])).content.decode()
        assert f"<h1>{name}</h1>" in page
        assert name in portal
        assert "Upload spot-check results" not in portal
        assert "上传抽检结果" not in portal


def test_every_problem_of_a_row_is_reported_in_one_upload(personas, coop, member_a, lab, catalogue):
    """Walk finding M8: cells that cannot be read do not hide the row's other problems."""
    bad = f"WALK-1,{member_a.credit_code},=cmd|x,towels,2025-03-01,2099-01-03,maybe,,某某检测所,"
    text = preview_of(personas.lab, coop, {"file": rows_csv(bad)}).replace("&#x27;", "'")
    record = LabUpload.objects.get()
    assert record.status == LabUpload.Status.REFUSED
    for column in ("product", "verdict", "category", "reported_on", "lab"):
        assert f"Line 2, column “{column}”" in text
    assert "“towels” is not a category of the test catalogue" in text
    assert "The date 2099-01-03 is after today" in text
    assert "The lab name “某某检测所” is not this lab's name" in text
    assert record.errors == 5
    assert not Inspection.objects.exists()


def test_a_column_that_cannot_be_read_is_reported_once(personas, coop, member_a, lab, catalogue):
    """A severity that is not one of the words is not also reported as missing."""
    text = preview_of(
        personas.lab, coop, {"file": rows_csv(row(member_a, "A-1", verdict="fail", severity="bad"))}
    )
    assert "Line 2, column “severity”" in text
    assert "A failed result needs a severity" not in text
    assert LabUpload.objects.get().errors == 1


def items_csv(*lines: str) -> SimpleUploadedFile:
    content = "\n".join(["report_no,item,measured_value,limit,result", *lines]) + "\n"
    return SimpleUploadedFile("items.csv", content.encode(), "text/csv")


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        (
            "en",
            "Item-results file: Line 3, column “report_no” (Report number): "
            "Report NT2026-0999 is not in the inspections file of this upload.",
        ),
        (
            "zh-hans",
            "报告 NT2026-0999 不在本次上传的检验结果文件中。",
        ),
    ],
)
def test_item_results_of_a_report_not_in_the_upload_refuse_it_with_their_line(
    personas, coop, member_a, lab, catalogue, language, expected
):
    """Walk finding M8: an orphan item row is an error, not silently dropped."""
    items = items_csv("A-1,ph,6.5,,pass", "NT2026-0999,ph,6.5,,pass")
    files = {"file": rows_csv(row(member_a, "A-1")), "items_file": items}
    text = preview_of(personas.lab, coop, files, language)
    assert expected in text
    record = LabUpload.objects.get()
    assert record.status == LabUpload.Status.REFUSED
    assert record.errors == 1
    assert not Inspection.objects.exists()


def test_orphan_item_results_are_reported_with_the_inspections_files_own_problems(
    personas, coop, member_a, lab, catalogue
):
    items = items_csv("A-1,ph,6.5,,pass", "NT2026-0999,ph,6.5,,pass")
    bad = f"A-1,{member_a.credit_code},四件套,towels,2025-03-01,2025-03-10,maybe,,,"
    text = preview_of(personas.lab, coop, {"file": rows_csv(bad), "items_file": items})
    assert "Report NT2026-0999 is not in the inspections file" in text
    # The items of a report that is in the file, though refused, are not orphans.
    assert "Report A-1 is not" not in text
    assert LabUpload.objects.get().errors == 3
