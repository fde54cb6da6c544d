from django.urls import URLPattern, path

from . import views

app_name = "complaints"

urlpatterns: list[URLPattern] = [
    # The member's portal (linked from the member dashboard).
    path("member/", views.member_list, name="member_list"),
    path("member/<int:pk>/", views.member_detail, name="member_detail"),
    path("evidence/<int:pk>/", views.evidence_file, name="evidence"),
    # The consumer's pages.
    path("<slug:slug>/file/", views.file_complaint, name="file"),
    path("<slug:slug>/filed/<str:form_key>/", views.filed, name="filed"),
    path("<slug:slug>/track/", views.track, name="track"),
    path("<slug:slug>/track/<str:reference>/", views.track_detail, name="track_detail"),
    path("<slug:slug>/track/<str:reference>/add/", views.track_add, name="track_add"),
    path(
        "<slug:slug>/track/<str:reference>/feedback/", views.track_feedback, name="track_feedback"
    ),
    path(
        "<slug:slug>/track/<str:reference>/personal-data/",
        views.track_data_request,
        name="track_data_request",
    ),
    path(
        "<slug:slug>/track/<str:reference>/personal-data/copy/",
        views.track_data_copy,
        name="track_data_copy",
    ),
    # Public statistics and anonymised accounts.
    path("<slug:slug>/statistics/", views.statistics, name="statistics"),
    path(
        "<slug:slug>/statistics/<int:member_id>/",
        views.member_statistics,
        name="member_statistics",
    ),
    # The cooperative's desk.
    path("<slug:slug>/manage/", views.staff_list, name="staff_list"),
    path("<slug:slug>/manage/<int:pk>/", views.staff_detail, name="staff_detail"),
    path("<slug:slug>/manage/<int:pk>/<slug:step>/", views.staff_action, name="staff_action"),
    path(
        "<slug:slug>/manage/<int:pk>/requests/<int:request_pk>/",
        views.staff_data_request,
        name="staff_data_request",
    ),
]
