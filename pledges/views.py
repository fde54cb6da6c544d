"""Public pledge pages, PDFs and live badges, and the administrators' review of pledges."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_http_methods

from coop_portal.links import absolute_url
from coop_portal.refusal import Refused
from coop_portal.tasks import enqueue
from members.models import Cooperative, Member, Role
from members.scoping import cooperative_for, require

from .diff import pledge_changes
from .forms import PledgeSearchForm, ReviewForm
from .links import public_path
from .models import MemberAssessment
from .models.pledge import KINDS, Commitment, Pledge, ProductLine, Standard, latest_in_force
from .services import approve_pledge, return_pledge
from .tasks import render_pledge_pdf_task

PUBLISHED_RUNS = ("published", "final")
MEMBERS_PER_PAGE = 50


def latest_assessments(members: Iterable[Member]) -> dict[int, MemberAssessment]:
    """Each member's latest published (or final) assessment result, in one query."""
    ids = [member.pk for member in members]
    results: dict[int, MemberAssessment] = {}
    rows = (
        MemberAssessment.objects.filter(member_id__in=ids, run__status__in=PUBLISHED_RUNS)
        .select_related("run__period")
        .order_by("member_id", "-run__period__last_day", "-run__revision", "-run_id")
    )
    for row in rows:
        results.setdefault(row.member_id, row)
    return results


def standing(member: Member, assessment: MemberAssessment | None) -> dict[str, Any]:
    """What the badge and the public page say about a member: its status and latest grade."""
    grade = assessment.grade if assessment is not None and assessment.grade else ""
    texts: dict[str, str] = {
        Member.Status.ACTIVE: _("Member in good standing"),
        Member.Status.WARNED: _("Warned: under rectification"),
        Member.Status.SUSPENDED: _("Suspended from the cooperative"),
        Member.Status.REMOVED: _("Removed from the cooperative"),
        Member.Status.WITHDRAWN: _("No longer a member"),
    }
    status = texts.get(member.status, member.get_status_display())
    text = status
    if grade and member.status in (Member.Status.ACTIVE, Member.Status.WARNED):
        text = _("%(standing)s · grade %(grade)s") % {"standing": status, "grade": grade}
    return {
        "status": member.status,
        # The status alone (pages show the grade in a badge of its own) and with the grade
        # (the one line of the SVG badge).
        "status_text": status,
        "text": text,
        "grade": grade if member.status in (Member.Status.ACTIVE, Member.Status.WARNED) else "",
        "assessment": assessment,
        "ok": member.status == Member.Status.ACTIVE,
    }


def ordered_commitments(pledge: Pledge) -> list[Commitment]:
    """A prefetched pledge's commitments in the order of SCORING.md."""
    return sorted(pledge.commitments.all(), key=lambda c: KINDS.index(c.kind))


def _public_member(slug: str, credit_code: str) -> Member:
    return get_object_or_404(
        Member.objects.public().select_related("cooperative"),
        cooperative__slug=slug,
        credit_code=credit_code.upper(),
    )


def _published_versions(member: Member) -> list[Pledge]:
    return list(
        Pledge.objects.filter(member=member)
        .published()
        .prefetch_related(
            "commitments",
            Prefetch("product_lines", queryset=ProductLine.objects.prefetch_related("standards")),
        )
        .order_by("-version")
    )


def cooperative_pledges(request: HttpRequest, slug: str) -> HttpResponse:
    """The public list of a cooperative's members and the pledge each has in force, a page of
    them at a time with a search: a cooperative of 30,000 members took a minute and 11 MB to
    draw whole, for any anonymous reader."""
    cooperative = get_object_or_404(Cooperative, slug=slug)
    form = PledgeSearchForm(request.GET)
    members = Member.objects.public().filter(cooperative=cooperative)
    query = form.cleaned_data["q"] if form.is_valid() else ""
    if query:
        members = members.search(query)
    page = Paginator(
        members.order_by("name", "pk").prefetch_related(
            Prefetch(
                "pledges",
                queryset=Pledge.objects.published().prefetch_related("commitments"),
                to_attr="published_pledges",
            )
        ),
        MEMBERS_PER_PAGE,
    ).get_page(request.GET.get("page"))
    listed = list(page.object_list)
    today = cooperative.today()
    assessments = latest_assessments(listed)
    rows = []
    for member in listed:
        pledge = latest_in_force(member.published_pledges, today)  # type: ignore[attr-defined]
        rows.append(
            {
                "member": member,
                "pledge": pledge,
                "commitments": ordered_commitments(pledge) if pledge else [],
                "standing": standing(member, assessments.get(member.pk)),
            }
        )
    return render(
        request,
        "pledges/cooperative.html",
        {"cooperative": cooperative, "rows": rows, "page": page, "form": form},
    )


def member_pledge(request: HttpRequest, slug: str, credit_code: str) -> HttpResponse:
    """A member's public pledge page: the pledge in force, its history and the member's standing."""
    member = _public_member(slug, credit_code)
    versions = _published_versions(member)
    pledge = latest_in_force(versions, member.cooperative.today())
    return _render_pledge(request, member, pledge, versions, current=True)


def pledge_version(request: HttpRequest, slug: str, credit_code: str, version: int) -> HttpResponse:
    member = _public_member(slug, credit_code)
    versions = _published_versions(member)
    pledge = next((p for p in versions if p.version == version), None)
    if pledge is None:
        raise Http404
    return _render_pledge(request, member, pledge, versions, current=False)


def _render_pledge(
    request: HttpRequest,
    member: Member,
    pledge: Pledge | None,
    versions: list[Pledge],
    *,
    current: bool,
) -> HttpResponse:
    in_force = latest_in_force(versions, member.cooperative.today())
    assessment = latest_assessments([member]).get(member.pk)
    return render(
        request,
        "pledges/member.html",
        {
            "member": member,
            "cooperative": member.cooperative,
            "pledge": pledge,
            "in_force": in_force,
            "current": current,
            "commitments": ordered_commitments(pledge) if pledge else [],
            "versions": versions,
            "standing": standing(member, assessment),
        },
    )


def pledge_pdf(request: HttpRequest, slug: str, credit_code: str, version: int) -> HttpResponseBase:
    """The PDF of a published version, drawn by the background task when it was approved; if
    it is missing, the first reader queues one render (Pledge.claim_pdf_render), the others
    queue nothing and are asked to come back later, not to retry."""
    member = _public_member(slug, credit_code)
    pledge = get_object_or_404(Pledge.objects.published(), member=member, version=version)
    if not pledge.pdf and pledge.claim_pdf_render():
        enqueue(render_pledge_pdf_task, pledge.pk)
        pledge.refresh_from_db()
    if not pledge.pdf:
        response = render(
            request, "pledges/pdf_pending.html", {"member": member, "pledge": pledge}, status=202
        )
        response["Cache-Control"] = "no-store"
        return response
    return FileResponse(
        pledge.pdf.open("rb"),
        content_type="application/pdf",
        filename=f"pledge-{member.credit_code}-v{pledge.version}.pdf",
    )


def current_pdf(request: HttpRequest, slug: str, credit_code: str) -> HttpResponse:
    member = _public_member(slug, credit_code)
    pledge = latest_in_force(
        Pledge.objects.filter(member=member).published(), member.cooperative.today()
    )
    if pledge is None:
        raise Http404
    return redirect("pledges:pdf", slug, member.credit_code, pledge.version)


# Badges are cached briefly by browsers and proxies, so a change of status shows within minutes.
BADGE_CACHE = {"public": True, "max_age": 300}


@cache_control(**BADGE_CACHE)
def badge(request: HttpRequest, slug: str, credit_code: str) -> HttpResponse:
    member = _public_member(slug, credit_code)
    info = standing(member, latest_assessments([member]).get(member.pk))
    page = absolute_url(public_path(member))
    image = absolute_url(reverse("pledges:badge_svg", args=[slug, member.credit_code]))
    return render(
        request,
        "pledges/badge.html",
        {"member": member, "standing": info, "page_url": page, "image_url": image},
    )


def _text_width(text: str) -> int:
    return sum(13 if ord(char) > 0x2E80 else 7 for char in text) + 16


@cache_control(**BADGE_CACHE)
def badge_svg(request: HttpRequest, slug: str, credit_code: str) -> HttpResponse:
    member = _public_member(slug, credit_code)
    info = standing(member, latest_assessments([member]).get(member.pk))
    label = _("Quality pledge")
    left, right = _text_width(label), _text_width(info["text"])
    colours: dict[str, str] = {
        Member.Status.ACTIVE: "#1a7f37",
        Member.Status.WARNED: "#9a6700",
    }
    colour = colours.get(member.status, "#b42318")
    response = render(
        request,
        "pledges/badge.svg",
        {
            "member": member,
            "label": label,
            "standing": info,
            "left": left,
            "right": right,
            "width": left + right,
            "colour": colour,
        },
        content_type="image/svg+xml; charset=utf-8",
    )
    return response


def standards(request: HttpRequest, slug: str) -> HttpResponse:
    cooperative = get_object_or_404(Cooperative, slug=slug)
    rows = Standard.objects.filter(cooperative=cooperative).order_by("kind", "number")
    return render(
        request, "pledges/standards.html", {"cooperative": cooperative, "standards": rows}
    )


# Review by administrators (regulators may read) ----------------------------------------------

STAFF = (Role.Kind.ADMINISTRATOR, Role.Kind.REGULATOR)


@login_required
def review_list(request: HttpRequest, slug: str) -> HttpResponse:
    cooperative = cooperative_for(request.user, slug, *STAFF)
    pledges = (
        Pledge.objects.filter(member__cooperative=cooperative)
        .awaiting_review()
        .select_related("member", "submitted_by")
        .order_by("submitted_at")
    )
    return render(
        request, "pledges/review_list.html", {"cooperative": cooperative, "pledges": pledges}
    )


@login_required
@require_http_methods(["GET", "POST"])
def review(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    cooperative = cooperative_for(request.user, slug, *STAFF)
    pledge = get_object_or_404(
        Pledge.objects.select_related("member", "submitted_by").prefetch_related(
            "commitments", "product_lines__standards"
        ),
        pk=pk,
        member__cooperative=cooperative,
    )
    may_decide = request.user.administers(cooperative)  # type: ignore[union-attr]
    form = ReviewForm(request.POST or None)
    if request.method == "POST":
        require(may_decide)
        if form.is_valid():
            try:
                if form.cleaned_data["decision"] == "approve":
                    approve_pledge(pledge, by=request.user)  # type: ignore[arg-type]
                    messages.success(request, _("The pledge is published."))
                else:
                    return_pledge(
                        pledge,
                        by=request.user,  # type: ignore[arg-type]
                        comments=form.cleaned_data["comments"],
                    )
                    messages.success(request, _("The pledge was returned to the member."))
                return redirect("pledges:pledge_review_list", cooperative.slug)
            except Refused as error:
                for message in error.messages:
                    form.add_error(None, message)
    return render(
        request,
        "pledges/review.html",
        {
            "cooperative": cooperative,
            "pledge": pledge,
            "commitments": ordered_commitments(pledge),
            "changes": pledge_changes(pledge),
            # Each time this version was returned, with the comments the member was given.
            "returns": pledge.history.filter(status=Pledge.Status.RETURNED)
            .exclude(review_comments="")
            .select_related("history_user")
            .order_by("history_date"),
            "form": form,
            "may_decide": may_decide and pledge.status == Pledge.Status.SUBMITTED,
        },
    )
