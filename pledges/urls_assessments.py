"""URLs of assessments: the regulator's review, publication, objections and dashboard.

The public pages of published assessments are in urls_public_assessments.py.
"""

from django.urls import URLPattern, URLResolver, path

from .assessment import views

urlpatterns: list[URLPattern | URLResolver] = [
    path("assessments/<slug:slug>/review/", views.runs, name="assessment_runs"),
    path("assessments/<slug:slug>/review/start/", views.start, name="assessment_start"),
    path("assessments/<slug:slug>/review/<int:run_id>/", views.run_detail, name="assessment_run"),
    path(
        "assessments/<slug:slug>/review/<int:run_id>/publish/",
        views.publish,
        name="assessment_publish",
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
        "assessments/<slug:slug>/objection/<int:run_id>/",
        views.objection,
        name="assessment_objection",
    ),
]
