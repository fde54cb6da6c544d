"""URLs of assessments, in the pledges namespace: the regulator's review, publication,
objections and dashboard; the public results, "why this score", verification and PDFs."""

from django.urls import URLPattern, URLResolver, path

from . import public, views

PERIOD = "assessments/<slug:cooperative>/<str:code>/"
REVISION = PERIOD + "r<int:revision>/"

urlpatterns: list[URLPattern | URLResolver] = [
    path("assessments/<slug:slug>/review/", views.runs, name="assessment_runs"),
    path("assessments/<slug:slug>/review/start/", views.start, name="assessment_start"),
    path("assessments/<slug:slug>/review/<int:run_id>/", views.run_detail, name="assessment_run"),
    path(
        "assessments/<slug:slug>/review/<int:run_id>/members/<int:member_id>/",
        views.run_result,
        name="assessment_run_result",
    ),
    path(
        "assessments/<slug:slug>/review/<int:run_id>/publish/",
        views.publish,
        name="assessment_publish",
    ),
    path(
        "assessments/<slug:slug>/review/<int:run_id>/facts/",
        views.facts_review,
        name="assessment_facts_review",
    ),
    path(
        "assessments/<slug:slug>/review/objections/<int:objection_id>/decide/",
        views.decide,
        name="assessment_objection_decide",
    ),
    path(
        "assessments/<slug:slug>/dashboard/",
        views.regulator_dashboard,
        name="assessment_dashboard",
    ),
    path(
        "assessments/<slug:slug>/dashboard/figures.csv",
        views.dashboard_export,
        name="assessment_dashboard_export",
    ),
    path(
        "assessments/<slug:slug>/objection/<int:run_id>/",
        views.objection,
        name="assessment_objection",
    ),
    path(
        "assessments/objections/evidence/<int:pk>/",
        views.objection_evidence,
        name="assessment_objection_evidence",
    ),
    # The public pages of published assessments.
    path("assessments/<slug:cooperative>/", public.periods, name="public_periods"),
    path(
        "assessments/<slug:cooperative>/members/<str:credit_code>/history/",
        public.member_history,
        name="public_member_history",
    ),
    path(PERIOD, public.period_results, name="public_period"),
    path(PERIOD + "members/<str:credit_code>/", public.member_result, name="public_member"),
    path(REVISION, public.period_results, name="public_revision"),
    path(REVISION + "members/<str:credit_code>/", public.member_result, name="public_result"),
    path(REVISION + "verify/", public.verify_run, name="public_verify_run"),
    path(REVISION + "verify/<str:credit_code>/", public.verify_member, name="public_verify_member"),
    path(REVISION + "notice.pdf", public.notice_pdf, name="public_notice_pdf"),
    path(
        REVISION + "members/<str:credit_code>/report.pdf",
        public.report_pdf,
        name="public_report_pdf",
    ),
]
