"""URLs of pledges (namespace pledges): public pages, PDFs and badges, the standards catalogue,
and review; those of assessments (assessment/urls.py) join the same namespace."""

from django.urls import URLPattern, URLResolver, include, path

from . import views
from .assessment import urls as assessment_urls

app_name = "pledges"

urlpatterns: list[URLPattern | URLResolver] = [
    path("<slug:slug>/", views.cooperative_pledges, name="cooperative_pledges"),
    path("<slug:slug>/standards/", views.standards, name="standards"),
    path("<slug:slug>/review/", views.review_list, name="pledge_review_list"),
    path("<slug:slug>/review/<int:pk>/", views.review, name="pledge_review"),
    path("<slug:slug>/members/<str:credit_code>/", views.member_pledge, name="member"),
    path(
        "<slug:slug>/members/<str:credit_code>/v<int:version>/",
        views.pledge_version,
        name="version",
    ),
    path(
        "<slug:slug>/members/<str:credit_code>/v<int:version>/pdf/",
        views.pledge_pdf,
        name="pdf",
    ),
    path("<slug:slug>/members/<str:credit_code>/pdf/", views.current_pdf, name="current_pdf"),
    path("<slug:slug>/members/<str:credit_code>/badge/", views.badge, name="badge"),
    path("<slug:slug>/members/<str:credit_code>/badge.svg", views.badge_svg, name="badge_svg"),
    path("", include(assessment_urls)),
]
