from django.urls import URLPattern, URLResolver, path

from . import views

app_name = "charter"

urlpatterns: list[URLPattern | URLResolver] = [
    # A member user's own pages (the member portal links here).
    path("my/accept/", views.accept, name="accept"),
    path("my/cases/", views.member_cases, name="member_cases"),
    path("my/steps/<int:step_id>/appeal/", views.appeal, name="appeal"),
    path("appeals/evidence/<int:pk>/", views.appeal_evidence, name="appeal_evidence"),
    # Public pages of a cooperative's charter.
    path("<slug:slug>/", views.current, name="current"),
    path("<slug:slug>/versions/", views.archive, name="archive"),
    path("<slug:slug>/versions/<int:number>/", views.version_detail, name="version"),
    path("<slug:slug>/changes/", views.diff, name="diff"),
    path("<slug:slug>/methodology/", views.methodology, name="methodology"),
    path("<slug:slug>/exits/", views.public_exits, name="public_exits"),
    path("<slug:slug>/apply/", views.apply, name="apply"),
    path("<slug:slug>/apply/received/", views.applied, name="applied"),
    # Administrators of the cooperative.
    path("<slug:slug>/manage/", views.manage, name="manage"),
    path("<slug:slug>/manage/acceptances/", views.not_accepted, name="not_accepted"),
    path(
        "<slug:slug>/manage/applications/<int:pk>/",
        views.review_application,
        name="review_application",
    ),
    path("<slug:slug>/manage/step/", views.take_step, name="take_step"),
    path("<slug:slug>/manage/cases/<int:pk>/", views.case, name="case"),
    path("<slug:slug>/manage/proposals/decide/", views.decide_proposals, name="decide_proposals"),
    path("<slug:slug>/manage/steps/<int:step_id>/decide/", views.decide_step, name="decide_step"),
    path(
        "<slug:slug>/manage/appeals/<int:appeal_id>/decide/",
        views.decide_appeal,
        name="decide_appeal",
    ),
]
