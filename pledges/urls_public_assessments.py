"""Public URLs of published assessments: results, "why this score", verification and PDFs."""

from django.urls import URLPattern, URLResolver, path

from .assessment import public

PERIOD = "assessments/<slug:cooperative>/<str:code>/"
REVISION = PERIOD + "r<int:revision>/"

urlpatterns: list[URLPattern | URLResolver] = [
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
