from __future__ import annotations

import datetime
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from coop_portal.evidence import ACCEPTED_FILES, evidence_response
from coop_portal.params import record_id
from coop_portal.ratelimits import seconds_to_wait
from coop_portal.workdays import ACCEPTANCE_DECISION_WORKING_DAYS, PUBLICATION_WORKING_DAYS
from members.models import Cooperative, Member, Role
from members.scoping import cooperative_for, member_of, signed_in_user, works_for_or_oversees

from . import services, sources
from .diff import diff_policies, diff_versions
from .forms import (
    AcceptanceForm,
    AppealForm,
    ApplicationForm,
    DecisionForm,
    DiffForm,
    ExitStepForm,
    MemberChoiceForm,
    ProposalsDecisionForm,
    ReviewForm,
)
from .models import (
    Appeal,
    AppealEvidence,
    Application,
    CharterAcceptance,
    CharterVersion,
    ExitCase,
    ExitStep,
    ScoringPolicy,
)


def _error_text(error: ValidationError) -> str:
    return " ".join(str(message) for message in error.messages)


# Public pages ---------------------------------------------------------------------------


def _public_cooperative(slug: str) -> Cooperative:
    return get_object_or_404(Cooperative, slug=slug)


def current(request: HttpRequest, slug: str) -> HttpResponse:
    cooperative = _public_cooperative(slug)
    version = CharterVersion.objects.in_force(cooperative, on=cooperative.today())
    if version is None:
        raise Http404
    return render(
        request,
        "charter/version.html",
        {
            "cooperative": cooperative,
            "version": version,
            "in_force": True,
            "today": cooperative.today(),
        },
    )


def version_detail(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    cooperative = _public_cooperative(slug)
    version = get_object_or_404(cooperative.charter_versions.published(), number=number)
    in_force = CharterVersion.objects.in_force(cooperative, on=cooperative.today())
    return render(
        request,
        "charter/version.html",
        {
            "cooperative": cooperative,
            "version": version,
            "in_force": version == in_force,
            "today": cooperative.today(),
        },
    )


def archive(request: HttpRequest, slug: str) -> HttpResponse:
    cooperative = _public_cooperative(slug)
    versions = list(cooperative.charter_versions.published().order_by("-effective_from"))
    in_force = CharterVersion.objects.in_force(cooperative, on=cooperative.today())
    return render(
        request,
        "charter/archive.html",
        {"cooperative": cooperative, "versions": versions, "in_force": in_force},
    )


def diff(request: HttpRequest, slug: str) -> HttpResponse:
    cooperative = _public_cooperative(slug)
    versions = list(cooperative.charter_versions.published().order_by("number"))
    if len(versions) < 2:
        raise Http404
    initial = {"older": versions[-2].number, "newer": versions[-1].number}
    form = DiffForm(request.GET or initial, versions=versions)
    if not form.is_valid():
        form = DiffForm(initial, versions=versions)
        form.is_valid()
    by_number = {version.number: version for version in versions}
    older, newer = by_number[form.cleaned_data["older"]], by_number[form.cleaned_data["newer"]]
    return render(
        request,
        "charter/diff.html",
        {
            "cooperative": cooperative,
            "form": form,
            "older": older,
            "newer": newer,
            "sections": diff_versions(older, newer),
            "policy_changes": diff_policies(older, newer),
        },
    )


def methodology(request: HttpRequest, slug: str) -> HttpResponse:
    cooperative = _public_cooperative(slug)
    version = CharterVersion.objects.in_force(cooperative, on=cooperative.today())
    if version is None:
        raise Http404
    return render(
        request,
        "charter/methodology.html",
        {
            "cooperative": cooperative,
            "version": version,
            "policy": version.policy,
            "deadline_days": {
                "acceptance": ACCEPTANCE_DECISION_WORKING_DAYS,
                "publication": PUBLICATION_WORKING_DAYS,
            },
        },
    )


def public_exits(request: HttpRequest, slug: str) -> HttpResponse:
    cooperative = _public_cooperative(slug)
    steps = (
        ExitStep.objects.public()
        .of_cooperative(cooperative)
        .select_related("case__member")
        .order_by("-decided_on", "-pk")
    )
    return render(
        request, "charter/public_exits.html", {"cooperative": cooperative, "steps": steps}
    )


# Applications one address may post in an hour: enough for a typing error or two.
APPLICATION_RATE = "10/h"


def _over_application_rate(request: HttpRequest) -> bool:
    return seconds_to_wait(request, "charter-apply", APPLICATION_RATE) is not None


def apply(request: HttpRequest, slug: str) -> HttpResponse:
    cooperative = _public_cooperative(slug)
    version = CharterVersion.objects.in_force(cooperative, on=cooperative.today())
    if version is None:
        raise Http404
    form = ApplicationForm(request.POST or None)
    if request.method == "POST" and _over_application_rate(request):
        form.is_valid()
        form.add_error(
            None,
            _("Too many applications were sent from your address. Please try again later."),
        )
        return render(
            request,
            "charter/apply.html",
            {"cooperative": cooperative, "version": version, "form": form},
            status=429,
        )
    if request.method == "POST" and form.is_valid():
        application = form.save(commit=False)
        application.cooperative = cooperative
        application.charter_version = version
        application.language = request.LANGUAGE_CODE
        try:
            services.submit_application(application)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            return redirect("charter:applied", slug=cooperative.slug)
    return render(
        request,
        "charter/apply.html",
        {"cooperative": cooperative, "version": version, "form": form},
    )


def applied(request: HttpRequest, slug: str) -> HttpResponse:
    cooperative = _public_cooperative(slug)
    return render(request, "charter/applied.html", {"cooperative": cooperative})


# Member pages ---------------------------------------------------------------------------


def _member_id(request: HttpRequest) -> int | None:
    value = request.GET.get("member") or request.POST.get("member")
    if value is None:
        return None
    member_id = record_id(value)
    if member_id is None:
        raise Http404
    return member_id


@login_required
def accept(request: HttpRequest) -> HttpResponse:
    member = member_of(request.user, _member_id(request))
    version = CharterVersion.objects.in_force(member.cooperative, on=member.cooperative.today())
    if version is None:
        raise Http404
    accepted = CharterAcceptance.objects.filter(member=member, version=version).first()
    form = AcceptanceForm(request.POST or None)
    if request.method == "POST" and accepted is None and form.is_valid():
        services.accept_charter(
            member,
            version,
            signatory_name=form.cleaned_data["signatory_name"],
            by=signed_in_user(request),
        )
        messages.success(request, _("Thank you: the acceptance of the charter is recorded."))
        return redirect(reverse("charter:accept") + f"?member={member.pk}")
    return render(
        request,
        "charter/accept.html",
        {"member": member, "version": version, "accepted": accepted, "form": form},
    )


@login_required
def member_cases(request: HttpRequest) -> HttpResponse:
    member = member_of(request.user, _member_id(request))
    cases = (
        ExitCase.objects.filter(member=member)
        # A case is named by its member (ExitCase.__str__); its appeal windows follow the charter
        # of the member's cooperative.
        .select_related("member__cooperative")
        .prefetch_related(
            Prefetch(
                "steps",
                queryset=ExitStep.objects.shown_to_member()
                .select_related("appeal")
                .prefetch_related("appeal__evidence")
                .order_by("proposed_at"),
            )
        )
        .order_by("-opened_at")
    )
    today = member.cooperative.today()
    policies: dict[datetime.date, ScoringPolicy] = {}
    rows = []
    for case in cases:
        steps = []
        for step in case.steps.all():
            window = services.appeal_window(step, policies)
            deadline = None if window is None else window.due
            appealable = (
                step.status == ExitStep.Status.CONFIRMED
                and step.kind in ExitStep.APPEALABLE_KINDS
                and not hasattr(step, "appeal")
                and deadline is not None
                and today <= deadline
            )
            steps.append(
                {
                    "step": step,
                    "appeal_until": deadline,
                    # Shown for the steps a member may appeal, open or closed.
                    "appeal_window": window
                    if step.status == ExitStep.Status.CONFIRMED
                    and step.kind in ExitStep.APPEALABLE_KINDS
                    else None,
                    "appealable": appealable,
                }
            )
        if steps:
            rows.append({"case": case, "steps": steps})
    return render(
        request,
        "charter/member_cases.html",
        {
            "member": member,
            "cases": rows,
            "appeal_form": AppealForm(),
            "accepted_files": ACCEPTED_FILES,
        },
    )


@login_required
@require_POST
def appeal(request: HttpRequest, step_id: int) -> HttpResponse:
    step = get_object_or_404(ExitStep.objects.select_related("case__member"), pk=step_id)
    # 404 unless the user works for the member the step concerns.
    member = member_of(request.user, step.case.member_id)
    form = AppealForm(request.POST, request.FILES)
    target = reverse("charter:member_cases") + f"?member={member.pk}"
    if not form.is_valid():
        if "grounds" in form.errors:
            messages.error(request, _("Give the grounds of the appeal."))
        for error in form.errors.get("evidence", []):
            messages.error(request, str(error))
        return redirect(target)
    try:
        services.lodge_appeal(
            step,
            by=signed_in_user(request),
            grounds=form.cleaned_data["grounds"],
            evidence=form.cleaned_data["evidence"],
        )
    except ValidationError as error:
        messages.error(request, _error_text(error))
    else:
        messages.success(request, _("Your appeal is lodged; an administrator will decide it."))
    return redirect(target)


@login_required
def appeal_evidence(request: HttpRequest, pk: int) -> FileResponse:
    """A file the member sent with its appeal: for the member's users and the cooperative's
    administrators, who decide appeals; 404 for everyone else."""
    evidence = get_object_or_404(
        AppealEvidence.objects.select_related("appeal__step__case__member__cooperative"), pk=pk
    )
    member = evidence.appeal.step.case.member
    if not works_for_or_oversees(request.user, member, Role.Kind.ADMINISTRATOR):
        raise Http404
    return evidence_response(evidence)


# Administrators' pages ------------------------------------------------------------------


def _administered(request: HttpRequest, slug: str) -> Cooperative:
    return cooperative_for(request.user, slug, Role.Kind.ADMINISTRATOR)


@login_required
def manage(request: HttpRequest, slug: str) -> HttpResponse:
    cooperative = _administered(request, slug)
    proposals_form = ProposalsDecisionForm(
        proposals=_pending_proposals(cooperative),
        choices=_proposal_choices(),
        initial={"decision": "confirm"},
    )
    return _desk(request, cooperative, proposals_form)


def _desk(
    request: HttpRequest,
    cooperative: Cooperative,
    proposals_form: ProposalsDecisionForm,
    *,
    status: int = 200,
) -> HttpResponse:
    """The charter desk; with a bound proposals form that was refused, its errors are shown
    above the list and the ticks, the decision and the reason are kept as they were sent."""
    version = CharterVersion.objects.in_force(cooperative, on=cooperative.today())
    applications = cooperative.applications.pending().order_by("submitted_at")
    proposals = _pending_proposals(cooperative)
    appeals = (
        Appeal.objects.filter(
            status=Appeal.Status.PENDING, step__case__member__cooperative=cooperative
        )
        .select_related("step__case__member")
        .order_by("lodged_on")
    )
    ticked = {str(pk) for pk in proposals_form["steps"].value() or []}
    cases = (
        ExitCase.objects.of_cooperative(cooperative)
        .open()
        .select_related("member")
        .order_by("-opened_at")
    )
    not_accepted = version.members_not_accepted().count() if version else 0
    return render(
        request,
        "charter/manage.html",
        {
            "cooperative": cooperative,
            "version": version,
            "applications": applications,
            "proposals": proposals,
            "proposals_form": proposals_form,
            "ticked": ticked,
            "appeals": appeals,
            "cases": cases,
            "not_accepted": not_accepted,
        },
        status=status,
    )


@login_required
def not_accepted(request: HttpRequest, slug: str) -> HttpResponse:
    cooperative = _administered(request, slug)
    version = CharterVersion.objects.in_force(cooperative, on=cooperative.today())
    if version is None:
        raise Http404
    if request.method == "POST":
        count = services.remind_to_accept(version)
        messages.success(request, _("%(count)d reminder(s) queued.") % {"count": count})
        return redirect("charter:not_accepted", slug=cooperative.slug)
    return render(
        request,
        "charter/not_accepted.html",
        {"cooperative": cooperative, "version": version, "members": version.members_not_accepted()},
    )


@login_required
def review_application(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    cooperative = _administered(request, slug)
    application = get_object_or_404(
        cooperative.applications.select_related("charter_version"), pk=pk
    )
    conditions = application.charter_version.basic_conditions()
    form = ReviewForm(request.POST or None, conditions=conditions)
    decidable = application.status == Application.Status.PENDING
    if request.method == "POST":
        if not decidable:
            messages.error(request, _("This application was decided already."))
            return redirect("charter:review_application", slug=cooperative.slug, pk=pk)
        if form.is_valid():
            try:
                if form.cleaned_data["decision"] == "approve":
                    services.approve_application(
                        application,
                        by=signed_in_user(request),
                        checklist=form.cleaned_data["checklist"],
                    )
                    messages.success(request, _("The applicant is admitted."))
                else:
                    services.reject_application(
                        application, by=signed_in_user(request), reason=form.cleaned_data["reason"]
                    )
                    messages.success(request, _("The application is rejected."))
            except ValidationError as error:
                form.add_error(None, error)
            else:
                return redirect("charter:manage", slug=cooperative.slug)
    former = Member.objects.filter(
        cooperative=cooperative, credit_code=application.credit_code
    ).first()
    return render(
        request,
        "charter/review_application.html",
        {
            "cooperative": cooperative,
            "application": application,
            "form": form,
            "decidable": decidable,
            "former": former,
        },
    )


@login_required
def take_step(request: HttpRequest, slug: str) -> HttpResponse:
    cooperative = _administered(request, slug)
    members = cooperative.members.public().order_by("name")
    chooser = MemberChoiceForm(request.POST or request.GET or None, members=members)
    form = ExitStepForm(request.POST or None)
    if request.method == "POST" and chooser.is_valid() and form.is_valid():
        try:
            step = services.take_exit_step(
                chooser.cleaned_data["member"],
                form.cleaned_data["kind"],
                by=signed_in_user(request),
                reason=form.cleaned_data["reason"],
                evidence=form.cleaned_data["evidence"],
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The step is recorded and the member is told."))
            return redirect("charter:case", slug=cooperative.slug, pk=step.case_id)
    return render(
        request,
        "charter/take_step.html",
        {
            "cooperative": cooperative,
            "chooser": chooser,
            "form": form,
            # One summary of both forms' errors at the top of the page.
            "error_forms": [each for each in (chooser, form) if each.is_bound and each.errors],
        },
    )


def _proposal_choices() -> list[tuple[str, Any]]:
    return [("confirm", _("Confirm: it takes effect")), ("dismiss", _("Dismiss"))]


def _appeal_choices() -> list[tuple[str, Any]]:
    return [("uphold", _("Uphold: revoke the step")), ("reject", _("Reject: the step stands"))]


@login_required
def case(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    cooperative = _administered(request, slug)
    exit_case = get_object_or_404(
        ExitCase.objects.of_cooperative(cooperative).select_related("member", "opened_by"), pk=pk
    )
    steps = (
        exit_case.steps.select_related("proposed_by", "decided_by", "appeal__decided_by")
        .prefetch_related("appeal__evidence")
        .order_by("proposed_at")
    )
    rows = []
    for step in steps:
        appeal = getattr(step, "appeal", None)
        rows.append(
            {
                "step": step,
                "appeal": appeal,
                "proposal_form": DecisionForm(choices=_proposal_choices(), prefix=f"step{step.pk}"),
                "appeal_form": DecisionForm(choices=_appeal_choices(), prefix=f"appeal{appeal.pk}")
                if appeal
                else None,
            }
        )
    return render(
        request, "charter/case.html", {"cooperative": cooperative, "case": exit_case, "rows": rows}
    )


@login_required
@require_POST
def decide_step(request: HttpRequest, slug: str, step_id: int) -> HttpResponse:
    cooperative = _administered(request, slug)
    step = get_object_or_404(ExitStep.objects.of_cooperative(cooperative), pk=step_id)
    form = DecisionForm(request.POST, choices=_proposal_choices(), prefix=f"step{step.pk}")
    if not form.is_valid():
        messages.error(request, _("Choose a decision and give the reason."))
    else:
        try:
            services.decide_proposal(
                step,
                by=signed_in_user(request),
                confirm=form.cleaned_data["decision"] == "confirm",
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as error:
            messages.error(request, _error_text(error))
        else:
            messages.success(request, _("The proposal is decided."))
    return redirect("charter:case", slug=cooperative.slug, pk=step.case_id)


def _pending_proposals(cooperative: Cooperative) -> Any:
    return (
        ExitStep.objects.proposed()
        .of_cooperative(cooperative)
        .select_related("case__member")
        .order_by("proposed_at", "pk")
    )


def _outcome(step: ExitStep, confirm: bool) -> str:
    """What deciding the proposal will do, in words, for the confirmation page."""
    if not confirm:
        return _("Dismissed; the member's status does not change.")
    target = services.STATUS_AFTER.get(step.kind)
    if target is None:
        outcome = _("Takes effect; the member is told by e-mail.")
    else:
        outcome = _("Takes effect: the member becomes %(status)s and is told by e-mail.") % {
            "status": Member.Status(target).label
        }
    caveat = sources.source_caveat(step.case.member.cooperative_id, step.source_ref)
    if not caveat:
        return outcome
    return _("%(outcome)s %(caveat)s") % {"outcome": outcome, "caveat": caveat}


@login_required
@require_POST
def decide_proposals(request: HttpRequest, slug: str) -> HttpResponse:
    """Several proposals decided at once: the ticked ones are listed with what will happen,
    and decided (all or none) once the administrator confirms."""
    cooperative = _administered(request, slug)
    form = ProposalsDecisionForm(
        request.POST, proposals=_pending_proposals(cooperative), choices=_proposal_choices()
    )
    if not form.is_valid():
        # Back on the desk's list, with what was ticked, chosen and written still there.
        return _desk(request, cooperative, form, status=400)
    confirm = form.cleaned_data["decision"] == "confirm"
    steps = list(form.cleaned_data["steps"])
    context = {
        "cooperative": cooperative,
        "form": form,
        "confirm": confirm,
        "rows": [(step, _outcome(step, confirm)) for step in steps],
    }
    if request.POST.get("confirmed") != "1":
        return render(request, "charter/decide_proposals.html", context)
    try:
        services.decide_proposals(
            steps, by=signed_in_user(request), confirm=confirm, reason=form.cleaned_data["reason"]
        )
    except ValidationError as error:
        context["refusal"] = _error_text(error)
        return render(request, "charter/decide_proposals.html", context, status=400)
    messages.success(
        request,
        ngettext("%(count)d proposal is decided.", "%(count)d proposals are decided.", len(steps))
        % {"count": len(steps)},
    )
    return redirect("charter:manage", slug=cooperative.slug)


@login_required
@require_POST
def decide_appeal(request: HttpRequest, slug: str, appeal_id: int) -> HttpResponse:
    cooperative = _administered(request, slug)
    appeal = get_object_or_404(
        Appeal.objects.filter(step__case__member__cooperative=cooperative).select_related("step"),
        pk=appeal_id,
    )
    form = DecisionForm(request.POST, choices=_appeal_choices(), prefix=f"appeal{appeal.pk}")
    if not form.is_valid():
        messages.error(request, _("Choose a decision and give the reason."))
    else:
        try:
            services.decide_appeal(
                appeal,
                by=signed_in_user(request),
                upheld=form.cleaned_data["decision"] == "uphold",
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as error:
            messages.error(request, _error_text(error))
        else:
            messages.success(request, _("The appeal is decided."))
    return redirect("charter:case", slug=cooperative.slug, pk=appeal.step.case_id)
