"""The member portal: a member user's dashboard, profile, team and pledges.

Every page fetches the member through ``members.scoping.member_of`` (a member the user does not
work for is a 404); the owner alone invites and removes colleagues (others get a 403).
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from charter.models import ExitCase, ExitStep
from charter.services import has_accepted_charter_in_force, policy_in_force
from complaints.models import Complaint
from coop_portal.links import with_portal_links
from coop_portal.refusal import Refused
from inspections.models import Inspection, Rectification
from members.forms import InviteForm
from members.models import Invitation, Member, MemberNotice, QualityOfficer, Role, User
from members.scoping import member_of, require, signed_in_user
from members.team import cancel_invitation, invite_colleague, make_owner, remove_colleague
from members.team import is_owner as _is_owner

from ..assessment import published
from ..assessment.services import in_notice_period
from ..forms import PledgeForm, ProductLineFormSet, product_lines_of
from ..models import MemberAssessment, Reply
from ..models.pledge import Pledge, ProductLine, Standard, latest_in_force
from ..services import (
    publish_reply,
    reply_period,
    replyable_inspections,
    start_pledge,
    submit_pledge,
    update_draft,
    withdraw_pledge,
)
from ..views import PUBLISHED_RUNS, STAFF, ordered_commitments
from .forms import MemberProfileForm, ReplyForm


def url_if_exists(name: str, *args: Any) -> str:
    """The address of another app's page, or "" while that app does not offer it yet."""
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return ""


def for_member(url: str, member: Member) -> str:
    """A member's page in another app (``?member=``), for the member the user works on."""
    return f"{url}?member={member.pk}" if url else ""


# The pages of each staff role, in the order the portal lists them: (URL name, title, roles).
_STAFF = frozenset(STAFF)
_ADMINISTRATORS = frozenset({Role.Kind.ADMINISTRATOR})
_LABS = frozenset({Role.Kind.LAB_USER})
STAFF_PAGES: tuple[tuple[str, Any, frozenset[str]], ...] = (
    ("charter:manage", gettext_lazy("Applications, warnings and exits"), _ADMINISTRATORS),
    ("pledges:pledge_review_list", gettext_lazy("Pledges to review"), _STAFF),
    ("complaints:staff_list", gettext_lazy("Complaints"), _STAFF),
    ("inspections:overdue", gettext_lazy("Overdue rectifications"), _STAFF),
    ("inspections:objections", gettext_lazy("Objections to spot-check results"), _STAFF),
    ("pledges:assessment_runs", gettext_lazy("Assessments: review and publication"), _STAFF),
    ("pledges:assessment_dashboard", gettext_lazy("Regulator dashboard"), _STAFF),
    ("inspections:lab_home", gettext_lazy("Lab deliveries"), _LABS),
)


@login_required
def index(request: HttpRequest) -> HttpResponse:
    """The user's work, whatever their roles: straight to the dashboard of the one member a
    member user works for; otherwise the members to choose from and, per cooperative, the
    pages of the user's staff roles (administrator, regulator, lab). 404 with no role."""
    roles = list(
        Role.objects.filter(user=signed_in_user(request))
        .select_related("cooperative", "member__cooperative")
        .order_by("cooperative__slug", "pk")
    )
    members = sorted(
        {role.member for role in roles if role.kind == Role.Kind.MEMBER_USER and role.member},
        key=lambda member: (member.cooperative.slug, member.name),
    )
    kinds: dict[Any, set[str]] = {}
    for role in roles:
        if role.kind != Role.Kind.MEMBER_USER:
            kinds.setdefault(role.cooperative, set()).add(role.kind)
    if not members and not kinds:
        raise Http404  # nothing here for this user
    if len(members) == 1 and not kinds:
        return redirect("portal:dashboard", members[0].pk)
    workplaces = [
        {
            "cooperative": cooperative,
            "roles": [Role.Kind(kind).label for kind in sorted(held)],
            "pages": [
                (title, reverse(name, args=[cooperative.slug]))
                for name, title, allowed in STAFF_PAGES
                if held & allowed
            ],
        }
        for cooperative, held in kinds.items()
    ]
    return render(request, "portal/index.html", {"members": members, "workplaces": workplaces})


def _cases_shown_to(member: Member) -> list[ExitCase]:
    """The member's cases with a step an administrator took, showing only such steps: the
    same as its cases page, so that the two never disagree."""
    shown = ExitStep.objects.shown_to_member().select_related("appeal").order_by("proposed_at")
    cases = (
        ExitCase.objects.filter(member=member, steps__in=shown)
        .distinct()
        .select_related("member")
        .prefetch_related(Prefetch("steps", queryset=shown))
    )
    return list(cases)


@login_required
def dashboard(request: HttpRequest, member_id: int) -> HttpResponse:
    member = member_of(request.user, member_id)
    cooperative = member.cooperative
    today = cooperative.today()
    pledges = list(
        Pledge.objects.filter(member=member).prefetch_related("commitments").order_by("-version")
    )
    complaints = list(
        Complaint.objects.filter(member=member)
        .forwarded()
        .awaiting_answer()
        .order_by("response_due_on")
    )
    inspections = list(
        Inspection.objects.filter(member=member)
        .select_related("category")
        .order_by("-reported_on", "report_no")[:20]
    )
    rectifications = list(
        Rectification.objects.open()
        .filter(inspection__member=member)
        .select_related("inspection")
        .order_by("deadline")
    )
    cases = _cases_shown_to(member)
    assessments = list(
        MemberAssessment.objects.filter(member=member, run__status__in=PUBLISHED_RUNS)
        .select_related("run__period__cooperative")
        .order_by("-run__period__last_day", "-run__revision")
    )
    officer = QualityOfficer.objects.current().filter(member=member).first()
    in_force = latest_in_force(pledges, today)
    return render(
        request,
        "portal/dashboard.html",
        {
            "member": member,
            "cooperative": cooperative,
            "today": today,
            "officer": officer,
            "pledges": pledges,
            "in_force": in_force,
            "open_pledge": next((p for p in pledges if p.status in OPEN), None),
            "complaints": complaints,
            "inspections": inspections,
            "rectifications": rectifications,
            "cases": cases,
            "assessments": assessments,
            "objection_runs": [a.run for a in assessments if in_notice_period(a.run)],
            "is_owner": _is_owner(signed_in_user(request), member),
            "several": Role.objects.filter(user=signed_in_user(request), kind=Role.Kind.MEMBER_USER)
            .exclude(member=member)
            .exists(),
            # The member's pages in other apps, for this member of the several a user may
            # work for.
            "links": {
                name: for_member(url_if_exists(url_name), member)
                for name, url_name in (
                    ("complaints", "complaints:member_list"),
                    ("inspections", "inspections:member_inspections"),
                    ("cases", "charter:member_cases"),
                    ("accept", "charter:accept"),
                )
            },
            "accepted_charter": has_accepted_charter_in_force(member, today),
            "reply_period": reply_period(member),
        },
    )


OPEN = (Pledge.Status.DRAFT, Pledge.Status.SUBMITTED, Pledge.Status.RETURNED)


NOTICES_PER_PAGE = 20


@login_required
def notifications(request: HttpRequest, member_id: int) -> HttpResponse:
    """What the e-mails to the member said, newest first: each one's subject, date and text,
    the portal's links in it clickable (secrets an e-mail carried stay blanked)."""
    member = member_of(request.user, member_id)
    notices = MemberNotice.objects.for_reader(member, get_language() or "")
    page = Paginator(notices, NOTICES_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "portal/notifications.html",
        {
            "member": member,
            "page": page,
            "rows": [
                (
                    notice.email.created_at,
                    notice.email.redacted_subject(),
                    with_portal_links(notice.email.redacted_body()),
                )
                for notice in page
            ],
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def profile(request: HttpRequest, member_id: int) -> HttpResponse:
    member = member_of(request.user, member_id)
    form = MemberProfileForm(request.POST or None, instance=member)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("The profile is saved."))
        return redirect("portal:dashboard", member.pk)
    return render(request, "portal/profile.html", {"member": member, "form": form})


@login_required
@require_http_methods(["GET", "POST"])
def team(request: HttpRequest, member_id: int) -> HttpResponse:
    member = member_of(request.user, member_id)
    user = signed_in_user(request)
    is_owner = _is_owner(user, member)
    form = InviteForm(request.POST or None)
    if request.method == "POST":
        require(is_owner)
        if form.is_valid():
            try:
                invite_colleague(
                    member,
                    email=form.cleaned_data["email"],
                    as_owner=form.cleaned_data["as_owner"],
                    by=user,
                )
            except Refused as error:
                form.add_error("email", error.messages[0])
            else:
                messages.success(request, _("The invitation is on its way."))
                return redirect("portal:team", member.pk)
    roles = list(
        Role.objects.filter(member=member, kind=Role.Kind.MEMBER_USER)
        .select_related("user")
        .order_by("-is_owner", "user__email")
    )
    invitations = Invitation.objects.pending().filter(member=member).order_by("-created_at")
    return render(
        request,
        "portal/team.html",
        {
            "member": member,
            "roles": roles,
            "invitations": invitations,
            "form": form,
            "is_owner": is_owner,
            # The last owner is not offered removal: a team always keeps an owner.
            "several_owners": sum(role.is_owner for role in roles) > 1,
        },
    )


def _colleague(request: HttpRequest, member_id: int, role_id: int) -> tuple[Member, Role, User]:
    """The member, one of its team's roles and the owner who changes it: another member's
    role is not found (404), a colleague who is not an owner may not change it (403)."""
    member = member_of(request.user, member_id)
    role = get_object_or_404(Role, pk=role_id, member=member, kind=Role.Kind.MEMBER_USER)
    user = signed_in_user(request)
    require(_is_owner(user, member))
    return member, role, user


@login_required
@require_POST
def remove(request: HttpRequest, member_id: int, role_id: int) -> HttpResponse:
    member, role, user = _colleague(request, member_id, role_id)
    try:
        remove_colleague(role, by=user)
    except Refused as error:
        messages.error(request, error.messages[0])
    else:
        messages.success(request, _("%(user)s is no longer on the team.") % {"user": role.user})
    if role.user_id == user.pk and not Role.objects.filter(pk=role.pk).exists():
        return redirect("home")
    return redirect("portal:team", member.pk)


@login_required
@require_POST
def make_team_owner(request: HttpRequest, member_id: int, role_id: int) -> HttpResponse:
    member, role, user = _colleague(request, member_id, role_id)
    make_owner(role, by=user)
    messages.success(request, _("%(user)s is now an owner.") % {"user": role.user})
    return redirect("portal:team", member.pk)


@login_required
@require_POST
def cancel(request: HttpRequest, member_id: int, invitation_id: int) -> HttpResponse:
    member = member_of(request.user, member_id)
    invitation = get_object_or_404(Invitation.objects.pending(), pk=invitation_id, member=member)
    user = signed_in_user(request)
    require(_is_owner(user, member))
    try:
        cancel_invitation(invitation, by=user)
    except Refused as error:
        messages.error(request, error.messages[0])
    else:
        messages.success(request, _("The invitation is cancelled."))
    return redirect("portal:team", member.pk)


# Pledges ---------------------------------------------------------------------------------------


def _pledge_of(member: Member, pk: int) -> Pledge:
    return get_object_or_404(
        Pledge.objects.select_related("member__cooperative").prefetch_related(
            "commitments",
            Prefetch("product_lines", queryset=ProductLine.objects.prefetch_related("standards")),
        ),
        pk=pk,
        member=member,
    )


@login_required
@require_POST
def pledge_new(request: HttpRequest, member_id: int) -> HttpResponse:
    member = member_of(request.user, member_id)
    try:
        pledge = start_pledge(
            member, by=signed_in_user(request), use_template=request.POST.get("template") == "1"
        )
    except Refused as error:
        messages.error(request, error.messages[0])
        return redirect("portal:dashboard", member.pk)
    return redirect("portal:pledge_edit", member.pk, pledge.pk)


@login_required
def pledge(request: HttpRequest, member_id: int, pk: int) -> HttpResponse:
    member = member_of(request.user, member_id)
    pledge = _pledge_of(member, pk)
    return render(
        request,
        "portal/pledge.html",
        {"member": member, "pledge": pledge, "commitments": ordered_commitments(pledge)},
    )


@login_required
@require_http_methods(["GET", "POST"])
def pledge_edit(request: HttpRequest, member_id: int, pk: int) -> HttpResponse:
    member = member_of(request.user, member_id)
    pledge = _pledge_of(member, pk)
    require(pledge.is_editable)
    policy = policy_in_force(member.cooperative, member.cooperative.today())
    standards = Standard.objects.filter(cooperative=member.cooperative).order_by("kind", "number")
    initial = [
        {"name": line.name, "standards": list(line.standards.all())}
        for line in pledge.product_lines.all()
    ]
    form = PledgeForm(request.POST or None, instance=pledge, policy=policy)
    lines = ProductLineFormSet(
        request.POST or None,
        initial=initial,
        prefix="lines",
        form_kwargs={"standards": standards},
    )
    if request.method == "POST" and form.is_valid() and lines.is_valid():
        try:
            update_draft(pledge, form.content(product_lines_of(lines)))
        except Refused as error:
            for message in error.messages:
                form.add_error(None, message)
        else:
            if "submit" in request.POST:
                return pledge_submit(request, member.pk, pledge.pk)
            messages.success(request, _("The draft is saved."))
            return redirect("portal:pledge", member.pk, pledge.pk)
    return render(
        request,
        "portal/pledge_form.html",
        {"member": member, "pledge": pledge, "form": form, "lines": lines},
    )


@login_required
@require_POST
def pledge_submit(request: HttpRequest, member_id: int, pk: int) -> HttpResponse:
    member = member_of(request.user, member_id)
    pledge = _pledge_of(member, pk)
    try:
        submit_pledge(pledge, by=signed_in_user(request))
    except Refused as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("The pledge is submitted for review."))
    return redirect("portal:pledge", member.pk, pledge.pk)


@login_required
@require_POST
def pledge_withdraw(request: HttpRequest, member_id: int, pk: int) -> HttpResponse:
    member = member_of(request.user, member_id)
    pledge = _pledge_of(member, pk)
    try:
        withdraw_pledge(pledge, by=signed_in_user(request))
    except Refused as error:
        messages.error(request, error.messages[0])
    else:
        messages.success(request, _("The pledge is withdrawn."))
    return redirect("portal:pledge", member.pk, pledge.pk)


# The member's replies beside its public results ---------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def reply_assessment(request: HttpRequest, member_id: int, period_id: int) -> HttpResponse:
    """The member's reply beside its published assessment result of a period."""
    member = member_of(request.user, member_id)
    history = published.grade_history(member)
    point = next((point for point in history if point.period.pk == period_id), None)
    if point is None:
        raise Http404
    # An earlier period's result may be read, no longer answered.
    require(point is history[-1])
    public_url = reverse(
        "pledges:public_member",
        args=[member.cooperative.slug, point.period.code, member.credit_code],
    )
    return _reply_page(
        request,
        member,
        Reply.objects.filter(member=member, period=point.period).first(),
        _("Your assessment result of the %(period)s") % {"period": point.period.label},
        public_url,
        period=point.period,
    )


@login_required
@require_http_methods(["GET", "POST"])
def reply_inspection(request: HttpRequest, member_id: int, inspection_id: int) -> HttpResponse:
    """The member's reply beside one of its spot-check results on its public page."""
    member = member_of(request.user, member_id)
    inspection = get_object_or_404(replyable_inspections(member), pk=inspection_id)
    public_url = reverse(
        "inspections:public_member", args=[member.cooperative.slug, member.credit_code]
    )
    return _reply_page(
        request,
        member,
        Reply.objects.filter(member=member, inspection=inspection).first(),
        _("Your spot-check result %(report)s (%(product)s)")
        % {"report": inspection.report_no, "product": inspection.product},
        public_url,
        inspection=inspection,
    )


@login_required
@require_http_methods(["GET", "POST"])
def reply_complaints(request: HttpRequest, member_id: int) -> HttpResponse:
    """The member's reply beside its public complaint statistics."""
    member = member_of(request.user, member_id)
    public_url = reverse("complaints:member_statistics", args=[member.cooperative.slug, member.pk])
    return _reply_page(
        request,
        member,
        Reply.objects.filter(member=member, subject=Reply.Subject.COMPLAINTS).first(),
        _("Your complaint statistics"),
        public_url,
    )


def _reply_page(
    request: HttpRequest,
    member: Member,
    reply: Reply | None,
    answers: str,
    public_url: str,
    **target: Any,
) -> HttpResponse:
    form = ReplyForm(
        request.POST if request.method == "POST" else None,
        initial={"text": reply.text if reply is not None else ""},
    )
    if form.is_valid():
        try:
            publish_reply(
                member, text=form.cleaned_data["text"], by=signed_in_user(request), **target
            )
        except Refused as error:
            form.add_error("text", error)
        else:
            messages.success(request, _("Your reply is published."))
            return redirect(request.path)
    return render(
        request,
        "portal/reply.html",
        {
            "member": member,
            "reply": reply,
            "answers": answers,
            "public_url": public_url,
            "form": form,
        },
    )
