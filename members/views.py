"""Public pages of the registry (no login): only public facts, never contact details."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from .forms import DirectoryFilterForm
from .models import Conversion, Cooperative, Member, Pairing

PAGE_SIZE = 50


def home(request: HttpRequest) -> HttpResponse:
    """The front page: the cooperatives on this portal."""
    cooperatives = Cooperative.objects.order_by("slug")
    return render(request, "home.html", {"cooperatives": cooperatives})


def cooperative_home(request: HttpRequest, slug: str) -> HttpResponse:
    cooperative = get_object_or_404(Cooperative, slug=slug)
    counts = cooperative.members.public().aggregate(
        total=Count("pk"),
        firms=Count("pk", filter=Q(kind=Member.Kind.FIRM)),
        sole_proprietors=Count("pk", filter=Q(kind=Member.Kind.SOLE_PROPRIETOR)),
        **{
            status: Count("pk", filter=Q(status=status))
            for status in Member.Status.values
            if status != Member.Status.APPLICANT
        },
    )
    by_status = [
        (label, counts[value])
        for value, label in Member.Status.choices
        if value != Member.Status.APPLICANT
    ]
    conversions = Conversion.objects.filter(sole_proprietor__cooperative=cooperative).count()
    initiators = cooperative.initiators.all()
    return render(
        request,
        "members/cooperative.html",
        {
            "cooperative": cooperative,
            "counts": counts,
            "by_status": by_status,
            "conversions": conversions,
            "initiators": initiators,
        },
    )


def directory(request: HttpRequest, slug: str) -> HttpResponse:
    cooperative = get_object_or_404(Cooperative, slug=slug)
    form = DirectoryFilterForm(request.GET or None)
    members = form.filter(cooperative.members.public()).order_by("name", "pk")
    page = Paginator(members, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "members/directory.html",
        {"cooperative": cooperative, "form": form, "page": page, "query": query.urlencode()},
    )


def member_page(request: HttpRequest, slug: str, credit_code: str) -> HttpResponse:
    cooperative = get_object_or_404(Cooperative, slug=slug)
    member = get_object_or_404(cooperative.members.public(), credit_code=credit_code.upper())
    today = cooperative.today()
    officer = member.quality_officers.current().first()
    pairings = (
        Pairing.objects.filter(Q(anchor=member) | Q(member=member))
        .select_related("anchor", "member")
        .annotate(visit_count=Count("visits"))
    )
    conversion = (
        Conversion.objects.filter(Q(sole_proprietor=member) | Q(firm=member))
        .select_related("sole_proprietor", "firm")
        .first()
    )
    # Drafts await the grant: no licence yet, nothing to show the public.
    licences = member.trademark_licences.granted()
    return render(
        request,
        "members/member.html",
        {
            "cooperative": cooperative,
            "member": member,
            "officer": officer,
            "pairings": pairings,
            "conversion": conversion,
            "licences": licences,
            "today": today,
        },
    )
