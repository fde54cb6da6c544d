"""Production on several machines, on loopback: two web processes and two workers share
PostgreSQL, Redis and an S3 bucket (moto's server) and nothing on disk.

Whichever process answers, the work of another is there: a members import previewed on one
web is confirmed on the other and imported by either worker, evidence filed through one web
is downloaded through the other, and the assessment PDFs a worker draws are served by both.
"""

from __future__ import annotations

import re

from members.models import Member, MemberImport
from tests.complaints.factories import image_bytes
from tests.factories import credit_code_for

from .conftest import (
    SERVICES,
    Browser,
    compute_assessment,
    deliver_results,
    download_pdf,
    file_complaint,
    forward_complaint,
    publish_assessment,
    wait_for,
)

pytestmark = SERVICES

IMPORTED = [credit_code_for(80001), credit_code_for(80002)]


def members_csv() -> bytes:
    header = "credit_code,name,kind,scale,joined_on,address,chief_quality_officer,left_on"
    rows = [
        f"{IMPORTED[0]},南通庚家纺有限公司,firm,sme,2021-03-01,江苏省南通市通州区,陈红,",
        f"{IMPORTED[1]},南通辛家纺有限公司,firm,sme,2022-05-10,江苏省南通市川姜镇,李明,",
    ]
    return ("\n".join([header, *rows]) + "\n").encode()


def preview_import(administrator: Browser, portal) -> str:
    """Upload members.csv; returns the address of the preview's Import button."""
    page = "/admin/members/member/import/"
    response = administrator.post(
        page,
        data={**administrator.form(page), "cooperative": portal.cooperative.pk},
        files={"file": ("members.csv", members_csv(), "text/csv")},
    )
    assert response.status_code == 200, response.text[:3000]
    assert "Nothing has been changed yet" in response.text, response.text[:3000]
    confirm = re.search(r'action="(/admin/members/member/import/\d+/confirm/)"', response.text)
    assert confirm is not None, response.text[:3000]
    return confirm.group(1)


def test_any_web_and_any_worker_serve_what_another_process_stored(
    stack, object_storage, portal, browser
):
    web_1, web_2 = stack.start_webs(2)
    workers = stack.start_workers(2)
    stack.start_beat()

    # Previewed on web 1, confirmed on web 2; a worker imports it, the page shows progress.
    administrator = Browser(web_1)
    administrator.log_in(portal.administrator.email)
    confirm = preview_import(administrator, portal)
    assert not Member.objects.filter(credit_code__in=IMPORTED).exists()
    status = confirm.removesuffix("confirm/")
    response = administrator.via(web_2).post_form(confirm, {}, form_page=status)
    assert response.status_code == 302, response.text[:3000]
    wait_for(
        lambda: "2 created" in administrator.get(status).text,
        timeout=90,
        message="no worker imported the members\n" + stack.logs(),
    )
    upload = MemberImport.objects.get()
    assert (upload.rows_done, upload.rows) == (2, 2)
    assert any("import_members" in worker.output() for worker in workers)
    listing = administrator.via(web_1).get("/admin/members/member/")
    assert all(code in listing.text for code in IMPORTED)

    # Evidence filed through web 2 is read through web 1 by the administrator and the member.
    photo = image_bytes("JPEG")
    complaint = file_complaint(Browser(web_2), portal, "全棉四件套", evidence=photo)
    evidence = f"/complaints/evidence/{complaint.evidence.get().pk}/"
    forward_complaint(administrator, portal, complaint)
    member = Browser(web_1)
    member.log_in(portal.member_user.email)
    for reader in (administrator, member):
        response = reader.get(evidence)
        assert response.status_code == 200, response.text[:2000]
        assert response.content[:3] == b"\xff\xd8\xff"
        assert response.headers["Content-Type"] == "image/jpeg"

    # A worker draws the published assessment's PDFs; both webs serve them.
    lab = Browser(web_2)
    lab.headers.pop("Origin")
    deliver_results(lab, portal)
    regulator = Browser(web_2)
    regulator.log_in(portal.regulator.email)
    run = compute_assessment(stack, regulator, portal)
    publish_assessment(stack, regulator.via(web_1), portal, run)
    revision = f"/pledges/assessments/{portal.cooperative.slug}/{run.period.code}/r1/"
    report = f"{revision}members/{portal.member_a.credit_code}/report.pdf"
    for path in (f"{revision}notice.pdf", report):
        first, second = (download_pdf(Browser(web), path, stack) for web in (web_2, web_1))
        assert first == second

    # Everything uploaded or drawn is in the bucket, nothing under any process's MEDIA_ROOT.
    stored = object_storage.objects()
    assert any(key.startswith("member-imports/") for key in stored), stored
    assert complaint.evidence.get().file.name in stored
    assert len(stored) >= 4, stored
    assert not any((stack.directory / "media").rglob("*"))
