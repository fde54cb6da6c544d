"""Public pages of published assessments: no login, and drafts are a 404 for everyone.

Per period every member's status, score and grade (filters, search, pages); per member the
"why this score" page with the grade history chart; a verification page for a run and for a
member's result in it (the target of the PDFs' QR codes); and the PDFs themselves.
"""

from __future__ import annotations

from django import forms
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import FileResponse, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import get_object_or_404, render
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from members.models import Cooperative
from members.scoping import works_for

from ..models import AssessmentPdf, MemberAssessment, Reply
from . import pdf, published
from .behind import Links, records_behind
from .services import in_notice_period

RESULTS_PER_PAGE = 50


class ResultFilterForm(forms.Form):
    q = forms.CharField(
        label=_("Search by name or credit code"), required=False, max_length=100, strip=True
    )
    grade = forms.ChoiceField(
        label=_("Grade"),
        required=False,
        choices=[("", _("All grades")), *((grade, grade) for grade in published.GRADES)],
    )
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("All statuses")), *MemberAssessment.Status.choices],
    )


def periods(request: HttpRequest, cooperative: str) -> HttpResponse:
    found = get_object_or_404(Cooperative, slug=cooperative)
    rows = published.public_periods(found).order_by("-last_day")
    return render(
        request,
        "pledges/assessment_public/periods.html",
        {"cooperative": found, "periods": rows},
    )


def period_results(
    request: HttpRequest, cooperative: str, code: str, revision: int | None = None
) -> HttpResponse:
    period = published.period_or_404(cooperative, code)
    run = published.run_or_404(period, revision)
    form = ResultFilterForm(request.GET)
    results = published.results_of(run).order_by("member__name", "member__credit_code")
    if form.is_valid():
        query = form.cleaned_data["q"]
        if query:
            results = results.filter(
                Q(member__name__icontains=query)
                | Q(member__name_en__icontains=query)
                | Q(member__credit_code__iexact=query.upper())
            )
        if form.cleaned_data["grade"]:
            results = results.filter(grade=form.cleaned_data["grade"])
        if form.cleaned_data["status"]:
            results = results.filter(status=form.cleaned_data["status"])
    else:
        results = results.none()
    page = Paginator(results, RESULTS_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "pledges/assessment_public/period.html",
        {
            "cooperative": period.cooperative,
            "period": period,
            "run": run,
            "form": form,
            "page": page,
            "counts": published.grade_counts(run),
            "revisions": published.revisions_of(period),
        },
    )


def member_result(
    request: HttpRequest,
    cooperative: str,
    code: str,
    credit_code: str,
    revision: int | None = None,
) -> HttpResponse:
    period = published.period_or_404(cooperative, code)
    run = published.run_or_404(period, revision)
    member = published.member_or_404(period.cooperative, credit_code)
    result = published.result_or_404(run, member)
    history = published.grade_history(member)
    member_reads = works_for(request.user, member)
    return render(
        request,
        "pledges/assessment_public/member.html",
        {
            "cooperative": period.cooperative,
            "period": period,
            "run": run,
            "member": member,
            "result": result,
            "explanation": published.explain(result),
            "revisions": published.revisions_of(period, member),
            "history": history,
            "chart": published.grade_chart(history),
            "may_object": in_notice_period(run) and member_reads,
            "reply": Reply.objects.shown().filter(member=member, period=period).first(),
            # A reply may be written until a newer period's result of the member is published.
            "may_reply": member_reads and bool(history) and history[-1].period == period,
            **records_behind(result, Links("member" if member_reads else "")),
        },
    )


def member_history(request: HttpRequest, cooperative: str, credit_code: str) -> HttpResponse:
    found = get_object_or_404(Cooperative, slug=cooperative)
    member = published.member_or_404(found, credit_code)
    history = published.grade_history(member)
    return render(
        request,
        "pledges/assessment_public/history.html",
        {
            "cooperative": found,
            "member": member,
            "history": history,
            "chart": published.grade_chart(history),
        },
    )


def verify_run(request: HttpRequest, cooperative: str, code: str, revision: int) -> HttpResponse:
    period = published.period_or_404(cooperative, code)
    run = published.run_or_404(period, revision)
    return render(
        request,
        "pledges/assessment_public/verify.html",
        {
            "cooperative": period.cooperative,
            "period": period,
            "run": run,
            "counts": published.grade_counts(run),
            "current": published.current_run(period),
            "check": published.recomputation_check(run),
        },
    )


def verify_member(
    request: HttpRequest, cooperative: str, code: str, revision: int, credit_code: str
) -> HttpResponse:
    period = published.period_or_404(cooperative, code)
    run = published.run_or_404(period, revision)
    member = published.member_or_404(period.cooperative, credit_code)
    result = published.result_or_404(run, member)
    return render(
        request,
        "pledges/assessment_public/verify.html",
        {
            "cooperative": period.cooperative,
            "period": period,
            "run": run,
            "member": member,
            "result": result,
            "counts": published.grade_counts(run),
            "current": published.current_run(period),
            "check": published.recomputation_check(run),
        },
    )


def _serve(request: HttpRequest, document: AssessmentPdf | None, filename: str) -> HttpResponseBase:
    if document is None:
        # A worker is drawing it. No Retry-After and no refresh: coming back sooner changes
        # nothing (the render is queued once), so browsers are not asked to retry.
        response = render(request, "pledges/assessment_public/pdf_pending.html", status=202)
        response["Cache-Control"] = "no-store"
        return response
    return FileResponse(document.file.open("rb"), content_type="application/pdf", filename=filename)


def notice_pdf(
    request: HttpRequest, cooperative: str, code: str, revision: int
) -> HttpResponseBase:
    period = published.period_or_404(cooperative, code)
    run = published.run_or_404(period, revision)
    document = pdf.notice_pdf(run, get_language())
    return _serve(request, document, f"notice-{cooperative}-{code}-r{revision}.pdf")


def report_pdf(
    request: HttpRequest, cooperative: str, code: str, revision: int, credit_code: str
) -> HttpResponseBase:
    period = published.period_or_404(cooperative, code)
    run = published.run_or_404(period, revision)
    member = published.member_or_404(period.cooperative, credit_code)
    result = published.result_or_404(run, member)
    document = pdf.report_pdf(result, get_language())
    return _serve(request, document, f"report-{credit_code}-{code}-r{revision}.pdf")
