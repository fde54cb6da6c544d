"""Every page of the URLconf, with the demo's data, and the person who may see it.

The accessibility test visits these pages in a browser; ``test_accessibility`` also checks,
without a browser, that every named URL of the URLconf is either listed here or excluded
below with a reason, so a new page cannot escape the check.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from charter.models import Application, ExitCase, ExitStep
from complaints.models import Complaint
from coop_portal.accounts import PENDING_BACKEND, PENDING_USER
from inspections.models import Inspection, LabUpload, Objection, ServiceRequest, TestCategory
from members.models import Cooperative, Member, Role, User
from members.team import invite_colleague
from members.two_factor import must_use_two_factor
from pledges.models import AssessmentRun, MemberAssessment, Pledge, Reply
from pledges.services import start_pledge

# The demo's people (coop_portal/management/commands/demo.py and the apps' demo modules).
PERSONAS = {
    "public": None,
    "member": "owner1@example.cn",
    "lab": "lab@example.cn",
    "regulator": "regulator@example.cn",
    "administrator": "admin@example.cn",
}

# Named URLs that are not pages a person reads, each with the reason.
NOT_PAGES = {
    "set_language": "POST only (the switcher in every page's header)",
    "logout": "POST only (the button in every page's header)",
    "accounts:login": "the same view as `login`",
    "accounts:two_factor_disable": "POST only",
    "accounts:two_factor_recovery_codes": "POST only (the button is on two_factor_setup)",
    "complaints:track_data_request": "POST only (the form is on track_detail)",
    "complaints:track_data_copy": "JSON, once an administrator granted the request",
    "complaints:staff_data_request": "POST only (the forms are on staff_detail)",
    "portal:remove": "POST only",
    "charter:decide_proposals": "POST only (the proposals are ticked on charter:manage; the "
    "confirmation is browser journey 6)",
    "complaints:filed": "the confirmation of the browser that filed a complaint only: the "
    "same page as complaints:file's answer (browser journey 2 reaches it)",
    "portal:make_owner": "POST only (the button is on portal:team)",
    "portal:cancel_invitation": "POST only (the button is on portal:team)",
    "portal:pledge_new": "POST only (the button is on the dashboard)",
    "portal:pledge_submit": "POST only",
    "portal:pledge_withdraw": "POST only",
    "charter:appeal": "POST only (the form is on charter:member_cases)",
    "charter:decide_step": "POST only (the form is on charter:case)",
    "charter:decide_appeal": "POST only (the form is on charter:case)",
    "inspections:add_corrective_action": "POST only (the form is on member_inspection)",
    "inspections:object": "POST only (the form is on member_inspection)",
    "inspections:lab_confirm": "POST only (the form is on lab_upload)",
    "complaints:evidence": "the uploaded photo itself",
    "charter:appeal_evidence": "the uploaded photo or PDF itself",
    "inspections:objection_evidence": "the uploaded photo or PDF itself",
    "pledges:assessment_objection_evidence": "the uploaded photo or PDF itself",
    "complaints:track_add": "POST only (the form is on track_detail)",
    "complaints:track_feedback": "POST only (the form is on track_detail)",
    "complaints:staff_action": "POST only (the forms are on staff_detail)",
    "pledges:pdf": "a PDF",
    "inspections:lab_inspections_template": "a CSV file",
    "inspections:lab_items_template": "a CSV file",
    "pledges:current_pdf": "a PDF",
    "pledges:badge_svg": "an SVG image (its text alternative is checked on pledges:badge)",
    "pledges:assessment_start": "POST only (the form is on assessment_runs)",
    "pledges:assessment_objection_decide": "POST only (the form is on assessment_run)",
    "pledges:assessment_facts_review": "POST only (the form is on assessment_run)",
    "pledges:public_notice_pdf": "a PDF",
    "pledges:assessment_dashboard_export": "a CSV file (the figures of assessment_dashboard)",
    "pledges:public_report_pdf": "a PDF",
    "api-schema": "OpenAPI YAML",
    "api-index": "JSON: the API's list of endpoints",
    "api-docs": "Redoc's own page (tests/e2e/test_api_docs.py)",
    "open-data-periods": "JSON",
    "open-data-assessments": "JSON",
    "open-data-members": "JSON",
    "open-data-pledges": "JSON",
    "open-data-inspection-statistics": "JSON",
    "open-data-complaint-statistics": "JSON",
    "lab-inspections": "JSON",
}


# The page's own form (not a search form, nor the header's log-out and language forms).
POST_FORM = "main form.form[method=post]"


@dataclass(frozen=True)
class Page:
    persona: str
    name: str
    path: str
    # A form to send empty, so that the page is also checked with its errors shown.
    invalid_form: str = ""
    # Session data the page needs besides the log-in (a consumer's tracking access).
    session: tuple[tuple[str, object], ...] = ()


def url_names() -> set[str]:
    """Every named URL of the project, admin excluded (it is listed separately)."""
    names: set[str] = set()

    def walk(resolver: URLResolver, namespace: str) -> None:
        for pattern in resolver.url_patterns:
            if isinstance(pattern, URLResolver):
                if pattern.namespace == "admin":
                    continue
                inner = namespace
                if pattern.namespace:
                    inner = f"{namespace}:{pattern.namespace}" if namespace else pattern.namespace
                walk(pattern, inner)
            elif isinstance(pattern, URLPattern) and pattern.name:
                names.add(f"{namespace}:{pattern.name}" if namespace else pattern.name)

    walk(get_resolver(), "")
    return names


def demo_pages() -> list[Page]:
    """The pages, built from the demo cooperative's rows (load it with `manage.py demo`)."""
    return list(_pages())


def _pages() -> Iterator[Page]:
    cooperative = Cooperative.objects.get()
    slug = cooperative.slug
    owner = User.objects.get(email=PERSONAS["member"])
    member = Member.objects.get(roles__user=owner, roles__kind=Role.Kind.MEMBER_USER)
    public_member = cooperative.members.public().order_by("pk").first()
    assert public_member is not None
    code = member.credit_code

    def page(persona: str, name: str, *args: object, **options: object) -> Page:
        return Page(persona, name, reverse(name, args=args), **options)  # type: ignore[arg-type]

    # Public pages.
    yield page("public", "home")
    yield page("public", "privacy")
    yield page("public", "login", invalid_form=POST_FORM)
    yield page("public", "accounts:password_reset", invalid_form=POST_FORM)
    yield page("public", "accounts:password_reset_done")
    yield page("public", "accounts:password_reset_complete")
    yield page("public", "accounts:password_reset_confirm", "MQ", "wrong-token")
    _, token = invite_colleague(member, email="new-colleague@example.cn", by=owner)
    yield page("public", "accounts:invitation", token, invalid_form=POST_FORM)
    yield page("public", "members:cooperative", slug)
    yield page("public", "members:directory", slug)
    yield page("public", "members:member", slug, code)
    yield page("public", "charter:current", slug)
    yield page("public", "charter:archive", slug)
    version = cooperative.charter_versions.published().order_by("number").first()
    assert version is not None
    yield page("public", "charter:version", slug, version.number)
    yield page("public", "charter:diff", slug)
    yield page("public", "charter:methodology", slug)
    yield page("public", "charter:public_exits", slug)
    yield page("public", "charter:apply", slug, invalid_form=POST_FORM)
    yield page("public", "charter:applied", slug)
    yield page("public", "inspections:statistics", slug)
    yield page("public", "inspections:public_member", slug, code)
    yield page("public", "complaints:file", slug, invalid_form=POST_FORM)
    yield page("public", "complaints:track", slug, invalid_form=POST_FORM)
    complaint = Complaint.objects.filter(member=member).order_by("pk").first()
    assert complaint is not None
    yield page(
        "public",
        "complaints:track_detail",
        slug,
        complaint.reference,
        session=(("complaints_access", [complaint.pk]),),
    )
    yield page("public", "complaints:statistics", slug)
    yield page("public", "complaints:member_statistics", slug, public_member.pk)
    yield page("public", "pledges:cooperative_pledges", slug)
    yield page("public", "pledges:standards", slug)
    pledge = Pledge.objects.filter(member=member, published_on__isnull=False).first()
    assert pledge is not None
    yield page("public", "pledges:member", slug, code)
    yield page("public", "pledges:version", slug, code, pledge.version)
    yield page("public", "pledges:badge", slug, code)
    run = AssessmentRun.objects.filter(published_at__isnull=False).order_by("-pk").first()
    assert run is not None
    period = run.period.code
    assessed = MemberAssessment.objects.filter(run=run).order_by("pk").first()
    assert assessed is not None
    assessed_code = assessed.member.credit_code
    yield page("public", "pledges:public_periods", slug)
    yield page("public", "pledges:public_member_history", slug, assessed_code)
    yield page("public", "pledges:public_period", slug, period)
    yield page("public", "pledges:public_member", slug, period, assessed_code)
    yield page("public", "pledges:public_revision", slug, period, run.revision)
    yield page("public", "pledges:public_result", slug, period, run.revision, assessed_code)
    yield page("public", "pledges:public_verify_run", slug, period, run.revision)
    yield page("public", "pledges:public_verify_member", slug, period, run.revision, assessed_code)

    # A member user's pages.
    yield page("member", "portal:dashboard", member.pk)
    yield page("member", "portal:profile", member.pk)
    yield page("member", "portal:notifications", member.pk)
    yield page("member", "portal:team", member.pk, invalid_form=POST_FORM)
    yield page("member", "portal:pledge", member.pk, pledge.pk)
    draft = start_pledge(member, by=owner, use_template=True)
    yield page("member", "portal:pledge_edit", member.pk, draft.pk)
    yield page("member", "charter:accept")
    yield page("member", "charter:member_cases")
    yield page("member", "inspections:member_inspections")
    inspection = Inspection.objects.filter(member=member).order_by("pk").first()
    assert inspection is not None
    yield page("member", "inspections:member_inspection", inspection.pk)
    yield page("member", "inspections:member_services", invalid_form=POST_FORM)
    service = ServiceRequest.objects.filter(member=member).order_by("pk").first()
    assert service is not None
    yield page("member", "inspections:member_service", service.pk)
    yield page("member", "complaints:member_list")
    yield page("member", "complaints:member_detail", complaint.pk)
    yield page("member", "pledges:assessment_objection", slug, run.pk)
    # The member's replies beside its public results: the demo's first owner answered its
    # latest assessment result already; its spot-check and complaint replies are empty forms.
    answered = Reply.objects.filter(member=member, period__isnull=False).first()
    assert answered is not None
    assert answered.period is not None
    yield page("member", "portal:reply_assessment", member.pk, answered.period.pk)
    spot_check = Inspection.objects.filter(member=member).spot_checks().final().first()
    assert spot_check is not None
    yield page(
        "member", "portal:reply_inspection", member.pk, spot_check.pk, invalid_form=POST_FORM
    )
    yield page("member", "portal:reply_complaints", member.pk, invalid_form=POST_FORM)

    # A testing lab's pages.
    yield page("lab", "inspections:lab_home", slug, invalid_form=POST_FORM)
    upload = LabUpload.objects.order_by("pk").first()
    assert upload is not None
    yield page("lab", "inspections:lab_upload", slug, upload.pk)
    yield page("lab", "inspections:lab_services", slug)
    lab_service = ServiceRequest.objects.order_by("pk").first()
    assert lab_service is not None
    yield page("lab", "inspections:lab_service", slug, lab_service.pk)

    # The regulator's pages.
    yield page("regulator", "inspections:overdue", slug)
    yield page("regulator", "inspections:objections", slug)
    objection = Objection.objects.order_by("pk").first()
    assert objection is not None
    yield page("regulator", "inspections:decide_objection", slug, objection.pk)
    yield page("regulator", "complaints:staff_list", slug)
    yield page("regulator", "complaints:staff_detail", slug, complaint.pk)
    yield page("regulator", "pledges:assessment_runs", slug)
    yield page("regulator", "pledges:assessment_run", slug, run.pk)
    draft = AssessmentRun.objects.filter(status=AssessmentRun.Status.DRAFT).order_by("pk").first()
    assert draft is not None
    yield page("regulator", "pledges:assessment_publish", slug, draft.pk)
    result = MemberAssessment.objects.filter(run=draft).order_by("pk").first()
    assert result is not None
    yield page("regulator", "pledges:assessment_run_result", slug, draft.pk, result.member_id)
    yield page("regulator", "pledges:assessment_dashboard", slug)
    # Narrowed to one product category, and with a filter it refuses (its message shown).
    category = TestCategory.objects.filter(cooperative__slug=slug).order_by("code").first()
    assert category is not None
    dashboard = reverse("pledges:assessment_dashboard", args=[slug])
    yield Page("regulator", "pledges:assessment_dashboard", f"{dashboard}?category={category.code}")
    yield Page("regulator", "pledges:assessment_dashboard", f"{dashboard}?year=1")

    # The administrator's pages.
    yield page("administrator", "portal:index")
    # The administrator logs in with two factors (set up already); the regulator may set one up.
    yield page("regulator", "accounts:two_factor_setup", invalid_form=POST_FORM)
    yield page("member", "accounts:email_language")
    yield page("administrator", "charter:manage", slug)
    yield page("administrator", "charter:not_accepted", slug)
    application = Application.objects.order_by("pk").first()
    assert application is not None
    yield page("administrator", "charter:review_application", slug, application.pk)
    yield page("administrator", "charter:take_step", slug, invalid_form=POST_FORM)
    case = ExitCase.objects.filter(steps__in=ExitStep.objects.all()).order_by("pk").first()
    assert case is not None
    yield page("administrator", "charter:case", slug, case.pk)
    yield page("administrator", "pledges:pledge_review_list", slug)
    yield page("administrator", "pledges:pledge_review", slug, pledge.pk)

    # The second step of log-in, for a staff person who enabled two-factor log-in.
    administrator = User.objects.get(email=PERSONAS["administrator"])
    yield page(
        "public",
        "accounts:two_factor_verify",
        invalid_form=POST_FORM,
        session=(
            (PENDING_USER, administrator.pk),
            (PENDING_BACKEND, "django.contrib.auth.backends.ModelBackend"),
        ),
    )


def session_cookie(persona: str, extra: tuple[tuple[str, object], ...] = ()) -> str:
    """A session key for the persona (logged in unless public), with extra session data."""
    session = SessionStore()
    email = PERSONAS[persona]
    if email is not None:
        user = User.objects.get(email=email)
        session[SESSION_KEY] = str(user.pk)
        session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
        session[HASH_SESSION_KEY] = user.get_session_auth_hash()
        if must_use_two_factor(user):
            # Verified with a second factor, as administrators must be.
            device, _ = TOTPDevice.objects.get_or_create(
                user=user, confirmed=True, defaults={"name": "phone"}
            )
            session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    for key, value in extra:
        session[key] = value
    session.create()
    assert session.session_key is not None
    return session.session_key


def admin_pages() -> list[Page]:
    """The administrator's pages of Django's admin: every model's list, and a row's form."""
    from django.contrib import admin

    pages = [Page("administrator", "admin:index", reverse("admin:index"))]
    for model in sorted(admin.site._registry, key=lambda model: model._meta.label):
        info = (model._meta.app_label, model._meta.model_name)
        name = "admin:{}_{}_changelist".format(*info)
        pages.append(Page("administrator", name, reverse(name)))
        row = model._default_manager.order_by("pk").first()
        if row is not None:
            name = "admin:{}_{}_change".format(*info)
            pages.append(Page("administrator", name, reverse(name, args=[row.pk])))
    # The pages the admin adds to its own: a member's team.
    from members.models import Member

    member = Member.objects.order_by("pk").first()
    if member is not None:
        name = "admin:members_member_team"
        pages.append(Page("administrator", name, reverse(name, args=[member.pk])))
    return pages
