"""Security headers and settings: the content security policy holds on every page, production
sends secure cookies and HSTS with secrets only from the environment, and uploads are checked
and never served as something a browser would run."""

from __future__ import annotations

import io
import json
import re
import secrets
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from coop_portal.models import OutboxEmail
from inspections.models import Inspection, LabUpload
from tests.coop_portal.test_settings import PRODUCTION_ENV, run_manage
from tests.e2e.site_pages import demo_pages, session_cookie

# A script element that runs code written in the page: no src, and not a JSON data block.
INLINE_SCRIPT = re.compile(
    r"<script\b(?![^>]*\bsrc=)(?![^>]*\btype=[\"']application/(?:ld\+)?json[\"'])[^>]*>",
    re.IGNORECASE,
)
# An event-handler attribute (onclick=, onload= …) in any tag, or a javascript: address.
EVENT_HANDLER = re.compile(r"<[a-z][^>]*\son[a-z]+\s*=", re.IGNORECASE)
JAVASCRIPT_URL = re.compile(r"(?:href|src|action)\s*=\s*[\"']?\s*javascript:", re.IGNORECASE)


def inline_code(html: str) -> list[str]:
    found = []
    for pattern in (INLINE_SCRIPT, EVENT_HANDLER, JAVASCRIPT_URL):
        found += [match.group(0)[:120] for match in pattern.finditer(html)]
    return found


def script_sources(policy: str) -> list[str]:
    directives = dict(
        [*part.strip().split(" ", 1), ""][:2] for part in policy.split(";") if part.strip()
    )
    return directives.get("script-src", directives.get("default-src", "")).split()


def template_files() -> list[Path]:
    roots = [Path(settings.BASE_DIR, "templates")]
    roots += sorted(Path(settings.BASE_DIR).glob("*/templates"))
    return sorted(path for root in roots for path in root.rglob("*.html"))


def test_no_template_holds_an_inline_script_or_an_event_handler():
    templates = template_files()
    assert len(templates) > 50
    found = {
        str(path.relative_to(settings.BASE_DIR)): code
        for path in templates
        if (code := inline_code(path.read_text()))
    }
    assert found == {}


def test_the_patterns_find_what_they_look_for():
    assert inline_code('<script>alert(1)</script><a href="#" onclick="x()">') == [
        "<script>",
        '<a href="#" onclick=',
    ]
    assert inline_code('<a href="javascript:alert(1)">') == ['href="javascript:']
    assert (
        inline_code(
            '<script src="/static/app.js"></script><script type="application/json">{}</script>'
        )
        == []
    )
    assert script_sources("default-src 'self'; script-src 'self' 'unsafe-inline'") == [
        "'self'",
        "'unsafe-inline'",
    ]


@pytest.fixture
def demo(db):
    call_command("demo", stdout=io.StringIO())


def test_every_page_type_renders_no_inline_script_under_a_policy_that_forbids_it(demo):
    """Each page of the site (tests/e2e/site_pages.py), as the person who may see it, and
    again with its form sent empty so that its error state renders too."""
    pages = demo_pages()
    assert len(pages) > 60
    problems = []
    for page in pages:
        client = Client()
        client.cookies["sessionid"] = session_cookie(page.persona, page.session)
        responses = [client.get(page.path)]
        if page.invalid_form:
            responses.append(client.post(page.path, {}))
        for response in responses:
            where = f"{page.persona} {response.request['REQUEST_METHOD']} {page.path}"
            if response.status_code not in (200, 400):
                problems.append((where, response.status_code))
                continue
            policy = response.headers.get("Content-Security-Policy", "")
            sources = script_sources(policy)
            if not sources or "'unsafe-inline'" in sources or "'unsafe-eval'" in sources:
                problems.append((where, policy))
            if "frame-ancestors 'none'" not in policy or "object-src 'none'" not in policy:
                problems.append((where, policy))
            if response["X-Content-Type-Options"] != "nosniff":
                problems.append((where, "no nosniff"))
            if code := inline_code(response.content.decode()):
                problems.append((where, code))
    assert problems == []


def test_admin_pages_render_no_inline_script(demo):
    """The admin's list and change pages of every model it registers (Django's templates and
    ours under templates/admin/)."""
    from django.contrib import admin

    client = Client()
    client.cookies["sessionid"] = session_cookie("administrator")
    problems = []
    checked = 0
    for model, model_admin in admin.site._registry.items():
        prefix = f"admin:{model._meta.app_label}_{model._meta.model_name}"
        paths = [reverse(f"{prefix}_changelist")]
        first = model_admin.get_queryset(_request(client)).order_by("pk").first()
        if first is not None:
            paths.append(reverse(f"{prefix}_change", args=[first.pk]))
            paths.append(reverse(f"{prefix}_history", args=[first.pk]))
        for path in paths:
            response = client.get(path)
            checked += 1
            if response.status_code != 200:
                problems.append((path, response.status_code))
            elif code := inline_code(response.content.decode()):
                problems.append((path, code))
            elif "'unsafe-inline'" in script_sources(response["Content-Security-Policy"]):
                problems.append((path, response["Content-Security-Policy"]))
    assert checked > 40
    assert problems == []


def _request(client: Client):
    from django.contrib.auth import get_user_model
    from django.test import RequestFactory

    request = RequestFactory().get("/admin/")
    request.user = get_user_model().objects.get(email="admin@example.cn")
    return request


def test_the_api_documentation_allows_redoc_its_styles_but_no_inline_script(client, db):
    response = client.get(reverse("api-docs"))
    assert response.status_code == 200
    sources = script_sources(response["Content-Security-Policy"])
    assert "'unsafe-inline'" not in sources
    assert "'unsafe-eval'" not in sources
    assert INLINE_SCRIPT.findall(response.content.decode()) == []


def production_settings(**env: str) -> dict:
    names = [
        "DEBUG",
        "SECRET_KEY",
        "SESSION_COOKIE_SECURE",
        "SESSION_COOKIE_HTTPONLY",
        "CSRF_COOKIE_SECURE",
        "SECURE_SSL_REDIRECT",
        "SECURE_HSTS_SECONDS",
        "SECURE_HSTS_INCLUDE_SUBDOMAINS",
        "SECURE_PROXY_SSL_HEADER",
        "SECURE_CONTENT_TYPE_NOSNIFF",
        "X_FRAME_OPTIONS",
        "EMAIL_HOST_PASSWORD",
    ]
    script = (
        "import json; from django.conf import settings; "
        f"print(json.dumps({{n: getattr(settings, n, None) for n in {names!r}}}))"
    )
    result = run_manage("shell", "-c", script, env={**PRODUCTION_ENV, **env})
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_production_sends_secure_cookies_and_hsts_and_redirects_to_https():
    values = production_settings()
    assert values["DEBUG"] is False
    assert values["SESSION_COOKIE_SECURE"] is True
    assert values["SESSION_COOKIE_HTTPONLY"] is True
    assert values["CSRF_COOKIE_SECURE"] is True
    assert values["SECURE_SSL_REDIRECT"] is True
    assert values["SECURE_HSTS_SECONDS"] >= 31536000
    assert values["SECURE_HSTS_INCLUDE_SUBDOMAINS"] is True
    assert values["SECURE_PROXY_SSL_HEADER"] == ["HTTP_X_FORWARDED_PROTO", "https"]
    assert values["SECURE_CONTENT_TYPE_NOSNIFF"] is True
    assert values["X_FRAME_OPTIONS"] == "DENY"


def test_secrets_come_from_the_environment_only():
    values = production_settings(EMAIL_URL="smtp+tls://portal:s3cret-from-env@smtp.example.cn:587")
    assert values["SECRET_KEY"] == PRODUCTION_ENV["SECRET_KEY"]
    assert values["EMAIL_HOST_PASSWORD"] == "s3cret-from-env"
    # The development key exists only for DEBUG; with DEBUG off the key must be given.
    source = Path(settings.BASE_DIR, "coop_portal", "settings.py").read_text()
    assert source.count("insecure-embedded-development-key") == 1
    refused = run_manage("check", env={"DEBUG": "off", "ALLOWED_HOSTS": "coop.example.cn"})
    assert refused.returncode != 0
    assert "SECRET_KEY must be set" in refused.stderr
    # The example environment file carries placeholders, never a usable secret.
    example = Path(settings.BASE_DIR, ".env.example").read_text()
    assert "SECRET_KEY=change-me" in example


def test_evidence_is_served_as_a_sandboxed_download_and_never_from_the_media_url(
    personas, coop, member_a, settings
):
    from complaints import services
    from coop_portal.evidence import check_file
    from tests.complaints.factories import image_bytes, upload

    complaint, _code = services.submit_complaint(
        coop,
        services.Submission(
            member=member_a,
            product="毛巾",
            description="掉毛",
            desired_outcome="换货",
            contact_name="王五",
            contact_email="wang@example.com",
            evidence=[check_file(upload("photo.jpg", image_bytes("JPEG")))],
        ),
    )
    evidence = complaint.evidence.get()
    # The stored file has no public address: only the evidence view, with its checks, serves it.
    direct = settings.MEDIA_URL + evidence.file.name
    assert direct.startswith("/")
    assert personas.anonymous.get(direct).status_code == 404
    assert personas.administrator.get(direct).status_code == 404

    # Closing a streamed response ends the request (and, in a test, its database
    # connection): it comes last.
    response = personas.administrator.get(reverse("complaints:evidence", args=[evidence.pk]))
    assert response.status_code == 200
    # A photo is shown in the browser (it was re-encoded when received).
    assert response["Content-Disposition"].startswith("inline")
    assert response["X-Content-Type-Options"] == "nosniff"
    policy = response["Content-Security-Policy"]
    assert "sandbox" in policy
    assert "default-src 'none'" in policy
    assert "private" in response["Cache-Control"]
    response.getvalue()  # read to the end: the test client then closes the file


def lab_upload(client: Client, slug: str, content: bytes, name: str = "inspections.csv"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return client.post(
        reverse("inspections:lab_home", args=[slug]),
        {"file": SimpleUploadedFile(name, content, content_type="text/csv")},
        headers={"accept-language": "en"},
    )


def test_a_lab_file_over_the_size_limit_is_refused_and_nothing_is_kept(
    personas, coop, member_a, catalogue, settings
):
    settings.CSV_IMPORT_MAX_BYTES = 1024 * 1024
    header = b"report_no,credit_code,product,category,sampled_on,reported_on,verdict,severity\n"
    row = f"R-1,{member_a.credit_code},x,bedding,2025-03-01,2025-03-10,pass,\n".encode()
    response = lab_upload(personas.lab, coop.slug, header + row * (1024 * 1024 // len(row) + 1))
    assert response.status_code == 400
    assert "larger than the limit of 1 MB" in response.content.decode()
    assert not LabUpload.objects.exists()
    assert not Inspection.objects.exists()


def test_a_lab_file_that_is_not_csv_text_is_refused_by_its_content(
    personas, coop, member_a, catalogue
):
    png = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4
    response = lab_upload(personas.lab, coop.slug, png)
    assert response.status_code == 302
    upload = LabUpload.objects.get()
    assert upload.status == LabUpload.Status.REFUSED
    preview = personas.lab.get(response["Location"], headers={"accept-language": "en"})
    assert "not valid UTF-8" in preview.content.decode()
    # Confirming a refused file writes nothing either.
    personas.lab.post(reverse("inspections:lab_confirm", args=[coop.slug, upload.pk]))
    assert not Inspection.objects.exists()


def unique_address() -> str:
    """An address of its own (rate limits count in the cache, Redis on PostgreSQL runs)."""
    return f"2001:db8:{secrets.randbelow(65536):x}:{secrets.randbelow(65536):x}::1"


def test_reset_links_are_limited_per_address_so_no_mailbox_is_flooded(
    client, member_user_a, member_user_b
):
    url = reverse("accounts:password_reset")
    address = unique_address()
    for _ in range(5):
        response = client.post(url, {"email": member_user_a.email}, REMOTE_ADDR=address)
        assert response.status_code == 302
    refused = client.post(
        url,
        {"email": member_user_a.email},
        REMOTE_ADDR=address,
        headers={"accept-language": "en"},
    )
    assert refused.status_code == 429
    assert "Too many reset links" in refused.content.decode()
    # Reset mail goes through the outbox (issue 20, point 12); the account's own limit sent
    # three of the five (tests/security/test_fail_closed.py).
    assert OutboxEmail.objects.count() == 3
    # Another address is not held back by the first one's limit.
    other = client.post(url, {"email": member_user_b.email}, REMOTE_ADDR=unique_address())
    assert other.status_code == 302
    assert OutboxEmail.objects.count() == 4


def test_every_csv_and_xlsx_download_goes_through_the_formula_escaping_writer():
    """Cells a spreadsheet would run (=, +, -, @ …) are escaped in coop_portal/export.py; no
    other module of the portal writes CSV or XLSX for download on its own."""
    writers = re.compile(r"csv\.(?:writer|DictWriter)\(|Workbook\(")
    apps = ["coop_portal", "members", "charter", "inspections", "complaints", "pledges"]
    found = [
        str(path.relative_to(settings.BASE_DIR))
        for app in apps
        for path in Path(settings.BASE_DIR, app).rglob("*.py")
        if "migrations" not in path.parts and writers.search(path.read_text())
    ]
    assert found == ["coop_portal/export.py"]
    from coop_portal.export import escape_formula

    for cell in ("=1+1", "+1", "-1", "@SUM(A1)", "\t=1", "\r=1"):
        assert escape_formula(cell) == "'" + cell
    assert escape_formula("南通甲家纺") == "南通甲家纺"
    assert escape_formula(-1) == -1
