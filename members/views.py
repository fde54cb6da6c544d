from __future__ import annotations

from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from .models import Cooperative, Member


def cooperative_home(request: HttpRequest, slug: str) -> HttpResponse:
    cooperative = get_object_or_404(Cooperative, slug=slug)
    counts = cooperative.members.public().aggregate(
        total=Count("pk"),
        firms=Count("pk", filter=Q(kind=Member.Kind.FIRM)),
        sole_proprietors=Count("pk", filter=Q(kind=Member.Kind.SOLE_PROPRIETOR)),
    )
    initiators = cooperative.initiators.all()
    return render(
        request,
        "members/cooperative.html",
        {"cooperative": cooperative, "counts": counts, "initiators": initiators},
    )
