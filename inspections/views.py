from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Exists, OuterRef, QuerySet
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from coop_portal.csvimport import CONNECTION_LOST, connection_lost_message
from coop_portal.evidence import evidence_response
from coop_portal.params import query_id
from coop_portal.refusal import Refused
from members.models import Cooperative, Lab, Member, Role, User
from members.scoping import (
    cooperative_for,
    member_of,
    require,
    signed_in_user,
    works_for_or_oversees,
)

from . import services
from .corrections import result_changes
from .forms import (
    CorrectiveActionForm,
    DecisionForm,
    LabUploadForm,
    ObjectionForm,
    ServiceRequestForm,
    ServiceUpdateForm,
)
from .importers import InspectionImporter, ItemResultsImporter
from .models import (
    Inspection,
    LabUpload,
    Objection,
    ObjectionEvidence,
    Rectification,
    ServiceRequest,
    TestCategory,
)
from .statistics import chart_svg, pass_rates

PAGE_SIZE = 50


def _member_id(request: HttpRequest) -> int | None:
    return query_id(request.GET, "member")


# Public --------------------------------------------------------------------------------------


def statistics(request: HttpRequest, slug: str) -> HttpResponse:
    cooperative = get_object_or_404(Cooperative, slug=slug)
    rates = pass_rates(cooperative)
    title = _("Spot-check pass rate by year")
    return render(
        request,
        "inspections/statistics.html",
        {
            "cooperative": cooperative,
            "rates": rates,
            "headline": rates.headline(),
            "chart": chart_svg(rates, title=title),
            "chart_title": title,
        },
    )


def public_member(request: HttpRequest, slug: str, credit_code: str) -> HttpResponse:
    member = get_object_or_404(
        Member.objects.public().select_related("cooperative"),
        cooperative__slug=slug,
        credit_code=credit_code,
    )
    results = (
        Inspection.objects.filter(member=member)
        .spot_checks()
        .select_related("category")
        .only(
            "report_no",
            "product",
            "category__name_zh",
            "category__name_en",
            "sampled_on",
            "reported_on",
            "verdict",
            "severity",
            "status",
            "void_note",
        )
        .order_by("-reported_on", "report_no")
    )
    page = Paginator(results.final(), PAGE_SIZE).get_page(request.GET.get("page"))
    voided = list(results.filter(status=Inspection.Status.VOIDED)[:PAGE_SIZE])
    return render(
        request,
        "inspections/public_member.html",
        {"member": member, "cooperative": member.cooperative, "page": page, "voided": voided},
    )


# Member portal -------------------------------------------------------------------------------


def _own_inspections(user: User) -> QuerySet[Inspection]:
    return Inspection.objects.filter(
        member__in=Member.objects.filter(roles__user=user, roles__kind=Role.Kind.MEMBER_USER)
    )


@login_required
def member_inspections(request: HttpRequest) -> HttpResponse:
    member = member_of(request.user, _member_id(request))
    inspections = (
        Inspection.objects.filter(member=member)
        .select_related("category", "rectification")
        .annotate(
            objection_pending=Exists(
                Objection.objects.filter(inspection=OuterRef("pk"), status=Objection.Status.PENDING)
            )
        )
        .order_by("-reported_on", "report_no")
    )
    page = Paginator(inspections, PAGE_SIZE).get_page(request.GET.get("page"))
    today = member.cooperative.today()
    rows = [
        (
            inspection,
            hasattr(inspection, "rectification")
            and inspection.failed
            and not inspection.voided
            and inspection.rectification.is_overdue(today),
        )
        for inspection in page
    ]
    return render(
        request,
        "inspections/member_inspections.html",
        {"member": member, "page": page, "rows": rows},
    )


@login_required
def member_inspection(request: HttpRequest, pk: int) -> HttpResponse:
    inspection = get_object_or_404(
        _own_inspections(signed_in_user(request)).select_related(
            "member__cooperative", "category", "lab", "retest_of"
        ),
        pk=pk,
    )
    return _render_member_inspection(request, inspection)


def _render_member_inspection(
    request: HttpRequest,
    inspection: Inspection,
    *,
    action_form: CorrectiveActionForm | None = None,
    objection_form: ObjectionForm | None = None,
    status: int = 200,
) -> HttpResponse:
    cooperative = inspection.member.cooperative
    today = cooperative.today()
    rectification = Rectification.objects.filter(inspection=inspection).first()
    objection_deadline = inspection.objection_deadline(services.objection_window_days(inspection))
    closes_on = objection_deadline.due
    objections = list(inspection.objections.prefetch_related("evidence"))
    can_object = (
        not inspection.voided
        and today <= closes_on
        and not any(o.status == Objection.Status.PENDING for o in objections)
    )
    return render(
        request,
        "inspections/member_inspection.html",
        {
            "inspection": inspection,
            "items": inspection.items.select_related("item"),
            "rectification": rectification,
            "actions": rectification.actions.all() if rectification else [],
            "overdue": rectification is not None
            and inspection.failed
            and not inspection.voided
            and rectification.is_overdue(today),
            "objections": objections,
            # What changed since the result was first recorded: old → new, when and why.
            "changes": result_changes(inspection),
            "objection_closes_on": closes_on,
            "objection_deadline": objection_deadline,
            "can_object": can_object,
            "action_form": action_form or CorrectiveActionForm(today=today),
            "objection_form": objection_form or ObjectionForm(),
        },
        status=status,
    )


@login_required
@require_POST
def add_corrective_action(request: HttpRequest, pk: int) -> HttpResponse:
    user = signed_in_user(request)
    inspection = get_object_or_404(
        _own_inspections(user).select_related("member__cooperative", "category"), pk=pk
    )
    rectification = Rectification.objects.filter(inspection=inspection).first()
    require(rectification is not None and not inspection.voided)
    assert rectification is not None  # noqa: S101 - required above
    form = CorrectiveActionForm(request.POST, today=inspection.member.cooperative.today())
    if not form.is_valid():
        return _render_member_inspection(request, inspection, action_form=form, status=400)
    services.record_corrective_action(
        rectification,
        taken_on=form.cleaned_data["taken_on"],
        description=form.cleaned_data["description"],
        by=user,
    )
    messages.success(request, _("The corrective action is recorded."))
    return redirect("inspections:member_inspection", pk=inspection.pk)


@login_required
@require_POST
def object_to_result(request: HttpRequest, pk: int) -> HttpResponse:
    user = signed_in_user(request)
    inspection = get_object_or_404(
        _own_inspections(user).select_related("member__cooperative", "category"), pk=pk
    )
    form = ObjectionForm(request.POST, request.FILES)
    if not form.is_valid():
        return _render_member_inspection(request, inspection, objection_form=form, status=400)
    try:
        services.raise_objection(
            inspection,
            reason=form.cleaned_data["reason"],
            by=user,
            evidence=form.cleaned_data["evidence"],
        )
    except Refused as refused:
        form.add_error(None, refused)
        return _render_member_inspection(request, inspection, objection_form=form, status=400)
    messages.success(request, _("Your objection is lodged; the regulator will decide it."))
    return redirect("inspections:member_inspection", pk=inspection.pk)


@login_required
def objection_evidence(request: HttpRequest, pk: int) -> FileResponse:
    """A file the member sent with its objection to a result: for the member's users and the
    cooperative's regulators and administrators; 404 for everyone else."""
    evidence = get_object_or_404(
        ObjectionEvidence.objects.select_related("objection__inspection__member__cooperative"),
        pk=pk,
    )
    member = evidence.objection.inspection.member
    if not works_for_or_oversees(
        request.user, member, Role.Kind.ADMINISTRATOR, Role.Kind.REGULATOR
    ):
        raise Http404
    return evidence_response(evidence)


# Regulators and administrators ----------------------------------------------------------------


@login_required
def overdue(request: HttpRequest, slug: str) -> HttpResponse:
    cooperative = cooperative_for(request.user, slug, Role.Kind.ADMINISTRATOR, Role.Kind.REGULATOR)
    today = cooperative.today()
    rectifications = (
        Rectification.objects.filter(inspection__cooperative=cooperative)
        .overdue(today)
        .select_related("inspection__member", "inspection__category")
        .order_by("deadline", "pk")
    )
    page = Paginator(rectifications, 100).get_page(request.GET.get("page"))
    rows = [(rectification, (today - rectification.deadline).days) for rectification in page]
    return render(
        request,
        "inspections/overdue.html",
        {"cooperative": cooperative, "page": page, "rows": rows, "today": today},
    )


@login_required
def objections(request: HttpRequest, slug: str) -> HttpResponse:
    cooperative = cooperative_for(request.user, slug, Role.Kind.ADMINISTRATOR, Role.Kind.REGULATOR)
    found = (
        Objection.objects.filter(inspection__cooperative=cooperative)
        .select_related("inspection__member")
        .order_by("-status", "-raised_on", "-pk")
    )
    pending = found.filter(status=Objection.Status.PENDING)
    decided = Paginator(found.exclude(status=Objection.Status.PENDING), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "inspections/objections.html",
        {"cooperative": cooperative, "pending": pending, "page": decided},
    )


@login_required
def decide_objection(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    user = signed_in_user(request)
    cooperative = cooperative_for(user, slug, Role.Kind.ADMINISTRATOR, Role.Kind.REGULATOR)
    objection = get_object_or_404(
        Objection.objects.select_related("inspection__member", "inspection__category"),
        pk=pk,
        inspection__cooperative=cooperative,
    )
    may_decide = user.has_role(cooperative, Role.Kind.REGULATOR)
    form = DecisionForm(request.POST or None)
    if request.method == "POST":
        require(may_decide and objection.status == Objection.Status.PENDING)
        if form.is_valid():
            services.decide_objection(
                objection,
                upheld=form.cleaned_data["decision"] == "upheld",
                note=form.cleaned_data["note"],
                by=user,
            )
            messages.success(request, _("The decision is recorded."))
            return redirect("inspections:objections", slug=cooperative.slug)
    return render(
        request,
        "inspections/decide_objection.html",
        {
            "cooperative": cooperative,
            "objection": objection,
            "form": form,
            "may_decide": may_decide and objection.status == Objection.Status.PENDING,
        },
        status=400 if form.errors else 200,
    )


# Labs ----------------------------------------------------------------------------------------


def _lab_scope(request: HttpRequest, slug: str) -> tuple[Cooperative, QuerySet[Lab], User]:
    """The cooperative and the labs the user works for in it; 404 for anybody else."""
    user = signed_in_user(request)
    cooperative = cooperative_for(user, slug, Role.Kind.LAB_USER)
    labs = Lab.objects.filter(
        roles__user=user, roles__cooperative=cooperative, roles__kind=Role.Kind.LAB_USER
    ).distinct()
    return cooperative, labs, user


@login_required
def lab_home(request: HttpRequest, slug: str) -> HttpResponse:
    cooperative, labs, user = _lab_scope(request, slug)
    lab = labs.order_by("pk").first()
    if lab is None:
        raise Http404
    form = LabUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload_file = form.cleaned_data["file"]
        items_file = form.cleaned_data.get("items_file")
        upload, _outcome = services.preview_lab_upload(
            cooperative,
            lab,
            user,
            file_name=upload_file.name,
            content=upload_file.read(),
            items_file_name=items_file.name if items_file else "",
            items_content=items_file.read() if items_file else None,
            change_reason=form.cleaned_data["change_reason"],
        )
        return redirect("inspections:lab_upload", slug=cooperative.slug, pk=upload.pk)
    uploads = (
        LabUpload.objects.filter(cooperative=cooperative)
        .of_labs(labs)
        .select_related("lab", "user")
    )
    page = Paginator(uploads, PAGE_SIZE).get_page(request.GET.get("page"))
    categories = TestCategory.objects.filter(cooperative=cooperative).prefetch_related("items")
    return render(
        request,
        "inspections/lab_home.html",
        {
            "cooperative": cooperative,
            "lab": lab,
            "form": form,
            "page": page,
            "categories": categories,
        },
        status=400 if form.errors else 200,
    )


# The files a lab uploads, by the name the template download gives them.
FILE_TEMPLATES: dict[str, type[InspectionImporter] | type[ItemResultsImporter]] = {
    "inspections": InspectionImporter,
    "items": ItemResultsImporter,
}


@login_required
def lab_template(request: HttpRequest, slug: str, name: str) -> HttpResponse:
    """An empty file to fill in: the header row of inspections.csv or of the item results."""
    _lab_scope(request, slug)
    importer = FILE_TEMPLATES[name]
    header = ",".join(column.name for column in importer.columns)
    response = HttpResponse(header + "\r\n", content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
    return response


@login_required
def lab_upload(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    cooperative, labs, __ = _lab_scope(request, slug)
    upload = get_object_or_404(
        LabUpload.objects.filter(cooperative=cooperative).of_labs(labs).select_related("lab"),
        pk=pk,
    )
    outcome = None
    if upload.status != LabUpload.Status.IMPORTED and upload.file:
        # Checked again on every view: the catalogue or the members may have changed.
        outcome = services.import_inspections(
            cooperative,
            upload.file.open("rb"),
            items_stream=upload.items_file.open("rb") if upload.items_file else None,
            lab=upload.lab,
            dry_run=True,
            keep_preview=True,
        )
        upload.file.close()
        if upload.items_file:
            upload.items_file.close()
    return render(
        request,
        "inspections/lab_upload.html",
        {
            "cooperative": cooperative,
            "upload": upload,
            "outcome": outcome,
            # A refused file is corrected and uploaded again from here.
            "form": LabUploadForm() if outcome is not None and not outcome.ok else None,
        },
    )


@login_required
@require_POST
def lab_confirm(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    cooperative, labs, __ = _lab_scope(request, slug)
    upload = get_object_or_404(
        LabUpload.objects.filter(cooperative=cooperative).of_labs(labs), pk=pk
    )
    require(upload.status == LabUpload.Status.PREVIEWED)
    try:
        outcome = services.confirm_lab_upload(upload, by=signed_in_user(request))
    except CONNECTION_LOST:
        messages.error(request, connection_lost_message())
        return redirect("inspections:lab_upload", slug=cooperative.slug, pk=upload.pk)
    if outcome.written:
        messages.success(
            request,
            _("The file %(file)s was imported. %(summary)s")
            % {"file": upload.file_name, "summary": outcome.summary()},
        )
        return redirect("inspections:lab_home", slug=cooperative.slug)
    messages.error(request, outcome.summary())
    return redirect("inspections:lab_upload", slug=cooperative.slug, pk=upload.pk)


# One-stop service ----------------------------------------------------------------------------


@login_required
def member_services(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    member = member_of(user, _member_id(request))
    labs = member.cooperative.labs.all()
    form = ServiceRequestForm(request.POST or None, labs=labs)
    if request.method == "POST" and form.is_valid():
        created = services.request_service(
            member,
            lab=form.cleaned_data["lab"],
            product=form.cleaned_data["product"],
            question=form.cleaned_data["question"],
            by=user,
        )
        messages.success(request, _("Your request has been sent to the test centre."))
        return redirect("inspections:member_service", pk=created.pk)
    requests = ServiceRequest.objects.filter(member=member).select_related("lab")
    page = Paginator(requests, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "inspections/member_services.html",
        {"member": member, "form": form, "page": page},
        status=400 if form.errors else 200,
    )


@login_required
def member_service(request: HttpRequest, pk: int) -> HttpResponse:
    user = signed_in_user(request)
    service = get_object_or_404(
        ServiceRequest.objects.filter(
            member__roles__user=user, member__roles__kind=Role.Kind.MEMBER_USER
        )
        .select_related("lab", "member")
        .distinct(),
        pk=pk,
    )
    return render(
        request,
        "inspections/service.html",
        {"service": service, "updates": service.updates.select_related("by"), "form": None},
    )


@login_required
def lab_services(request: HttpRequest, slug: str) -> HttpResponse:
    cooperative, labs, __ = _lab_scope(request, slug)
    requests = ServiceRequest.objects.filter(cooperative=cooperative, lab__in=labs).select_related(
        "member", "lab"
    )
    page = Paginator(requests, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request, "inspections/lab_services.html", {"cooperative": cooperative, "page": page}
    )


@login_required
def lab_service(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    cooperative, labs, user = _lab_scope(request, slug)
    service = get_object_or_404(
        ServiceRequest.objects.filter(cooperative=cooperative, lab__in=labs).select_related(
            "member", "lab"
        ),
        pk=pk,
    )
    form = ServiceUpdateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        require(not form.cleaned_data["advance"] or service.next_step() is not None)
        services.update_service(
            service,
            note=form.cleaned_data["note"],
            advance=form.cleaned_data["advance"],
            by=user,
        )
        messages.success(request, _("The request is updated."))
        return redirect("inspections:lab_service", slug=cooperative.slug, pk=service.pk)
    context: dict[str, Any] = {
        "cooperative": cooperative,
        "service": service,
        "updates": service.updates.select_related("by"),
        "form": form,
    }
    return render(request, "inspections/service.html", context, status=400 if form.errors else 200)
