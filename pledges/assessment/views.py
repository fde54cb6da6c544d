"""Regulator pages (review, publication, objections, dashboard) and a member's objection page.

Every object is fetched through the cooperative the user holds a role in: another
cooperative's run is a 404; an administrator may read the review but only a regulator may
start, publish or decide (403).
"""

from __future__ import annotations

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views.decorators.http import require_POST

from charter.models import ExitStep
from coop_portal import charts
from coop_portal.evidence import evidence_response
from coop_portal.export import csv_response
from coop_portal.params import record_id
from members.models import Cooperative, Member, Role
from members.scoping import (
    cooperative_for,
    member_of,
    require,
    signed_in_user,
    works_for_or_oversees,
)
from pledges.models.assessment import (
    AssessmentPeriod,
    AssessmentRun,
    MemberAssessment,
    MemberObjection,
    MemberObjectionEvidence,
)

from . import facts, publication, published, services
from .behind import Links, records_behind
from .consequences import proposal_counts
from .dashboard import Dashboard, Month, as_of_today_note, dashboard
from .dashboard import tables as dashboard_tables
from .forms import (
    DashboardFilterForm,
    DecisionForm,
    FactsReviewForm,
    ObjectionForm,
    PublishForm,
    StartRunForm,
)
from .periods import period_label
from .review import GRADES, review

READERS = (Role.Kind.REGULATOR, Role.Kind.ADMINISTRATOR)
PAGE_SIZE = 50


def _is_regulator(request: HttpRequest, cooperative: Cooperative) -> bool:
    return bool(request.user.has_role(cooperative, Role.Kind.REGULATOR))  # type: ignore[union-attr]


def _run_of(cooperative: Cooperative, run_id: int) -> AssessmentRun:
    return get_object_or_404(
        AssessmentRun.objects.select_related(
            "period__cooperative", "charter_version", "published_by", "created_by"
        ),
        pk=run_id,
        period__cooperative=cooperative,
    )


def _periods_with_runs(
    cooperative: Cooperative,
) -> list[tuple[AssessmentPeriod, list[AssessmentRun]]]:
    """Each period, newest first, with its runs: the list the runs page shows, also under a
    refused computation's form (a typing mistake must not hide the periods)."""
    periods = AssessmentPeriod.objects.filter(cooperative=cooperative).order_by("-last_day", "code")
    all_runs = (
        AssessmentRun.objects.filter(period__cooperative=cooperative)
        .select_related("period")
        .order_by("-period__last_day", "period__code", "-revision", "-started_at")
    )
    by_period: dict[int, list[AssessmentRun]] = {}
    for run in all_runs:
        by_period.setdefault(run.period_id, []).append(run)
    return [(period, by_period.get(period.pk, [])) for period in periods]


@login_required
def runs(request: HttpRequest, slug: str) -> HttpResponse:
    cooperative = cooperative_for(request.user, slug, *READERS)
    rows = _periods_with_runs(cooperative)
    return render(
        request,
        "pledges/assessment/runs.html",
        {
            "cooperative": cooperative,
            "periods": rows,
            "form": StartRunForm(today=cooperative.today(), periods=[period for period, _ in rows]),
            "can_start": _is_regulator(request, cooperative),
        },
    )


@login_required
@require_POST
def start(request: HttpRequest, slug: str) -> HttpResponse:
    cooperative = cooperative_for(request.user, slug, *READERS)
    require(_is_regulator(request, cooperative))
    form = StartRunForm(
        request.POST,
        today=cooperative.today(),
        periods=AssessmentPeriod.objects.filter(cooperative=cooperative),
    )
    if form.is_valid():
        try:
            # Atomic: a refused period (not started yet) leaves no empty period behind.
            with transaction.atomic():
                period = services.period_for(cooperative, form.cleaned_data["code"])
                run = services.start_run(period, by=request.user)  # type: ignore[arg-type]
        except ValidationError as error:
            form.add_error("code", error)
        else:
            messages.success(request, _("The computation has started."))
            return redirect("pledges:assessment_run", slug=cooperative.slug, run_id=run.pk)
    return render(
        request,
        "pledges/assessment/runs.html",
        {
            "cooperative": cooperative,
            "periods": _periods_with_runs(cooperative),
            "form": form,
            "can_start": True,
        },
        status=400,
    )


@login_required
def run_detail(request: HttpRequest, slug: str, run_id: int) -> HttpResponse:
    cooperative = cooperative_for(request.user, slug, *READERS)
    run = _run_of(cooperative, run_id)
    context: dict[str, object] = {
        "cooperative": cooperative,
        "run": run,
        "is_regulator": _is_regulator(request, cooperative),
        "grades": GRADES,
    }
    if run.status not in (AssessmentRun.Status.COMPUTING, AssessmentRun.Status.FAILED):
        summary = review(run)
        context["review"] = summary
        series = [[count for _grade, count in summary.distribution]]
        if summary.compared_with is not None:
            series.insert(0, [count for _grade, count in summary.distribution_before])
        context["distribution_chart"] = charts.bar_chart(
            _("Members per grade"), list(GRADES), series
        )
        page = Paginator(
            MemberAssessment.objects.filter(run=run)
            .select_related("member")
            .order_by("member__name", "pk"),
            PAGE_SIZE,
        ).get_page(request.GET.get("page"))
        context["page"] = page
        context["rows"] = [(result, published.result_reason(result)) for result in page]
        context["objections"] = list(
            MemberObjection.objects.filter(run__period=run.period)
            .select_related("member", "run")
            .prefetch_related("evidence")
            .order_by("-lodged_at")
        )
        context["publishable_from"] = services.publishable_from(run)
        context["publication_deadline"] = deadline = services.publication_deadline(run)
        context["publication_overdue"] = deadline.is_past(cooperative.today())
        context["notice_deadline"] = run.notice_deadline()
        context["publication_progress"] = services.publication_progress(run)
        context.update(_facts_context(run))
    return render(request, "pledges/assessment/run.html", context)


@login_required
def run_result(request: HttpRequest, slug: str, run_id: int, member_id: int) -> HttpResponse:
    """Why a member got its result in any run, drafts and previews included: the regulator
    checks it before publishing (the public "why this score" exists only once published)."""
    cooperative = cooperative_for(request.user, slug, *READERS)
    run = _run_of(cooperative, run_id)
    result = get_object_or_404(
        MemberAssessment.objects.select_related("member"), run=run, member_id=member_id
    )
    return render(
        request,
        "pledges/assessment/result.html",
        {
            "cooperative": cooperative,
            "run": run,
            "result": result,
            "explanation": published.explain(result),
            **records_behind(result, Links("staff", cooperative.slug)),
        },
    )


def _facts_context(run: AssessmentRun, form: FactsReviewForm | None = None) -> dict[str, object]:
    """What changed in the period's facts since publication, and the decisions taken."""
    return {
        "facts_changes": list(facts.facts_changed(run).order_by("-at")[:50]),
        "facts_reviews": list(run.facts_reviews.select_related("decided_by"))
        if run.status in facts.FLAGGED_STATUSES
        else [],
        "facts_review_form": form or FactsReviewForm(),
    }


@login_required
@require_POST
def facts_review(request: HttpRequest, slug: str, run_id: int) -> HttpResponse:
    """The regulator records why facts changed since publication need no correction."""
    cooperative = cooperative_for(request.user, slug, *READERS)
    run = _run_of(cooperative, run_id)
    require(_is_regulator(request, cooperative))
    form = FactsReviewForm(request.POST)
    if form.is_valid():
        try:
            facts.record_facts_review(
                run,
                by=request.user,  # type: ignore[arg-type]
                reason=form.cleaned_data["reason"],
            )
        except facts.FactsReviewRefused as refused:
            form.add_error("reason", str(refused))
        else:
            messages.success(request, _("Recorded: the published results stand."))
            return redirect("pledges:assessment_run", slug=cooperative.slug, run_id=run.pk)
    return render(
        request,
        "pledges/assessment/facts_review.html",
        {"cooperative": cooperative, "run": run, **_facts_context(run, form)},
        status=400,
    )


@login_required
def publish(request: HttpRequest, slug: str, run_id: int) -> HttpResponse:
    """The confirmation step of a publication (GET), and its request (POST): the publication
    itself runs in the background (services.publish_requested)."""
    cooperative = cooperative_for(request.user, slug, *READERS)
    run = _run_of(cooperative, run_id)
    require(_is_regulator(request, cooperative))
    if run.status != AssessmentRun.Status.DRAFT:
        messages.error(request, _("Only a draft can be published."))
        return redirect("pledges:assessment_run", slug=cooperative.slug, run_id=run.pk)
    form = PublishForm(request.POST or None)
    refusal = ""
    try:
        services.check_publishable(run)
    except ValidationError as error:
        refusal = " ".join(error.messages)
    if request.method == "POST" and not refusal and form.is_valid():
        try:
            queued = publication.request_publication(
                run,
                by=request.user,  # type: ignore[arg-type]
                note=form.cleaned_data["note"],
            )
        except ValidationError as error:
            form.add_error("note", error)
        else:
            if queued:
                messages.success(request, _("The publication has started."))
            else:
                messages.info(request, _("This run is being published already."))
            return redirect("pledges:assessment_run", slug=cooperative.slug, run_id=run.pk)
    counts = proposal_counts(run)
    needs_note = AssessmentRun.objects.filter(period=run.period, revision__gt=0).exists()
    deadline = services.publication_deadline(run)
    return render(
        request,
        "pledges/assessment/publish.html",
        {
            "cooperative": cooperative,
            "run": run,
            "form": form,
            "refusal": refusal,
            "members": MemberAssessment.objects.filter(run=run).count(),
            "proposals": [
                (ExitStep.Kind(kind).label, counts[kind])
                for kind in ExitStep.Kind.values
                if counts.get(kind)
            ],
            "needs_note": needs_note,
            # A first publication after its deadline says so; a correction has none.
            "late_deadline": deadline
            if not needs_note and deadline.is_past(cooperative.today())
            else None,
        },
        status=400 if request.method == "POST" else 200,
    )


@login_required
@require_POST
def decide(request: HttpRequest, slug: str, objection_id: int) -> HttpResponse:
    cooperative = cooperative_for(request.user, slug, *READERS)
    objection = get_object_or_404(
        MemberObjection.objects.select_related("run"),
        pk=objection_id,
        run__period__cooperative=cooperative,
    )
    require(_is_regulator(request, cooperative))
    form = DecisionForm(request.POST, prefix=f"objection-{objection.pk}")
    if form.is_valid():
        try:
            services.decide_objection(
                objection,
                decision=form.cleaned_data["decision"],
                note=form.cleaned_data["note"],
                by=request.user,  # type: ignore[arg-type]
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("The decision is recorded."))
    else:
        messages.error(request, _("Choose a decision and give a reason."))
    return redirect("pledges:assessment_run", slug=cooperative.slug, run_id=objection.run_id)


def _filtered_dashboard(
    request: HttpRequest, cooperative: Cooperative
) -> tuple[DashboardFilterForm, Dashboard]:
    """The dashboard narrowed by the GET filter. An invalid field is shown with its message and
    left out; the valid one still applies (the page says which figures it shows)."""
    form = DashboardFilterForm(
        request.GET or None, cooperative=cooperative, today=cooperative.today()
    )
    if form.is_bound:
        form.is_valid()
        board = dashboard(
            cooperative,
            year=form.cleaned_data.get("year"),
            category=form.cleaned_data.get("category"),
        )
    else:
        board = dashboard(cooperative)
    return form, board


def _dashboard_page(
    request: HttpRequest,
    cooperative: Cooperative,
    form: DashboardFilterForm,
    board: Dashboard,
    status: int = 200,
) -> HttpResponse:
    grade_series = [[row["counts"][index] for row in board.grades] for index in range(len(GRADES))]
    context = {
        "cooperative": cooperative,
        "board": board,
        "form": form,
        "tables": {table.key: table for table in dashboard_tables(board)},
        "export_query": request.GET.urlencode() if form.is_bound and form.is_valid() else "",
        "grades": GRADES,
        "as_of_today_note": as_of_today_note(),
        "pass_rate_chart": charts.line_chart(
            _("Spot-check pass rate per month (%)"),
            [row["month"].short() for row in board.pass_rates],
            [
                charts.Series(
                    board.category.name if board.category else _("All categories"),
                    [
                        None if row["rate"] is None else float(row["rate"])
                        for row in board.pass_rates
                    ],
                )
            ],
        ),
        "grade_chart": charts.bar_chart(
            _("Members per grade and period (A, B, C, D)"),
            [row["label"] for row in board.grades],
            grade_series,
        ),
        "timeliness_chart": charts.bar_chart(
            _("Complaints answered and resolved on time (%)"),
            [row["label"] for row in board.timeliness],
            [
                [float(row["answered_rate"] or 0) for row in board.timeliness],
                [float(row["resolved_rate"] or 0) for row in board.timeliness],
            ],
            maximum=100,
        ),
        "conversion_chart": charts.bar_chart(
            _("Sole proprietors converted into companies per year"),
            [row["label"] for row in board.conversions],
            [[row["count"] for row in board.conversions]],
        ),
    }
    return render(request, "pledges/assessment/dashboard.html", context, status=status)


@login_required
def regulator_dashboard(request: HttpRequest, slug: str) -> HttpResponse:
    cooperative = cooperative_for(request.user, slug, *READERS)
    form, board = _filtered_dashboard(request, cooperative)
    return _dashboard_page(request, cooperative, form, board)


@login_required
def dashboard_export(request: HttpRequest, slug: str) -> HttpResponse:
    """The figures the dashboard shows under the same filter, as a CSV file with one figure a
    line (table, row, column, value), headed by the filter it follows. An invalid filter
    gives the page with its message, not a file."""
    cooperative = cooperative_for(request.user, slug, *READERS)
    form, board = _filtered_dashboard(request, cooperative)
    if form.is_bound and not form.is_valid():
        return _dashboard_page(request, cooperative, form, board, status=400)
    filter_name = pgettext("dashboard export", "Filter")
    year = period_label(str(board.year)) if board.year else _("The last two years")
    category = board.category.name if board.category else _("All categories")
    rows: list[list[object]] = [
        [filter_name, _("Figures as of"), "", board.today.isoformat()],
        [filter_name, _("Year"), "", year],
        [filter_name, _("Product category"), "", category],
    ]
    if board.category is None:
        rows.append([filter_name, pgettext("dashboard export", "Note"), "", as_of_today_note()])
    for table in dashboard_tables(board):
        for row in table.rows:
            for column, cell in zip(table.columns[1:], row[1:], strict=True):
                rows.append([table.title, _csv_cell(row[0]), column, _csv_cell(cell)])
    suffix = f"-{board.year}" if board.year else ""
    if board.category is not None:
        suffix += "-" + slugify(board.category.name, allow_unicode=True)
    return csv_response(
        f"dashboard{suffix}.csv",
        [
            pgettext("dashboard export", "Table"),
            pgettext("dashboard export", "Row"),
            pgettext("dashboard export", "Column"),
            pgettext("dashboard export", "Value"),
        ],
        rows,
    )


def _csv_cell(cell: object) -> object:
    """A cell as a spreadsheet reads it best: dates in ISO form, months in words (kept as
    text), nothing for no figure."""
    if cell is None:
        return ""
    if isinstance(cell, Month):
        return cell.words()
    if isinstance(cell, datetime.date):
        return cell.isoformat()
    return cell


@login_required
def objection(request: HttpRequest, slug: str, run_id: int) -> HttpResponse:
    """A member user's own result in a published run, and its objection during the notice.

    The member is the one named by ``?member=`` (every link to the page carries it); a user
    who works for several members assessed in the run and follows a link without it chooses
    one first, never gets the first of them."""
    run = get_object_or_404(
        AssessmentRun.objects.select_related("period__cooperative"),
        pk=run_id,
        period__cooperative__slug=slug,
        status__in=[
            AssessmentRun.Status.PUBLISHED,
            AssessmentRun.Status.FINAL,
            AssessmentRun.Status.SUPERSEDED,
        ],
    )
    if "member" in request.GET:
        member_id = record_id(request.GET["member"])
        if member_id is None:
            raise Http404
        member = member_of(request.user, member_id)
    else:
        assessed = list(
            Member.objects.filter(
                roles__user=signed_in_user(request),
                roles__kind=Role.Kind.MEMBER_USER,
                assessments__run=run,
            )
            .distinct()
            .order_by("name", "pk")
        )
        if not assessed:
            raise Http404
        if len(assessed) > 1:
            return render(
                request,
                "pledges/assessment/objection_choice.html",
                {"run": run, "members": assessed},
            )
        member = assessed[0]
    result = get_object_or_404(MemberAssessment, run=run, member=member)
    open_for_objection = services.in_notice_period(run)
    form = ObjectionForm(request.POST or None, request.FILES or None)
    if request.method == "POST":
        require(open_for_objection)
        if form.is_valid():
            try:
                services.lodge_objection(
                    run,
                    member,
                    text=form.cleaned_data["text"],
                    by=request.user,  # type: ignore[arg-type]
                    evidence=form.cleaned_data["evidence"],
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(
                    request, _("Your objection is lodged. The regulator will answer it.")
                )
                return redirect(request.get_full_path())
    return render(
        request,
        "pledges/assessment/objection.html",
        {
            "run": run,
            "member": member,
            "result": result,
            "form": form,
            "open_for_objection": open_for_objection,
            "notice_deadline": run.notice_deadline(),
            "objections": MemberObjection.objects.filter(run=run, member=member)
            .prefetch_related("evidence")
            .order_by("-lodged_at"),
        },
        status=400 if request.method == "POST" else 200,
    )


@login_required
def objection_evidence(request: HttpRequest, pk: int) -> FileResponse:
    """A file the member sent with its objection to an assessment: for the member's users
    and the cooperative's regulators and administrators; 404 for everyone else."""
    evidence = get_object_or_404(
        MemberObjectionEvidence.objects.select_related("objection__member__cooperative"), pk=pk
    )
    if not works_for_or_oversees(request.user, evidence.objection.member, *READERS):
        raise Http404
    return evidence_response(evidence)
