from django.urls import path

from . import views

app_name = "inspections"

urlpatterns = [
    # The member portal: a member user's own inspections, rectifications and service requests.
    path("mine/", views.member_inspections, name="member_inspections"),
    path("mine/<int:pk>/", views.member_inspection, name="member_inspection"),
    path("mine/<int:pk>/actions/", views.add_corrective_action, name="add_corrective_action"),
    path("mine/<int:pk>/objection/", views.object_to_result, name="object"),
    path("objections/evidence/<int:pk>/", views.objection_evidence, name="objection_evidence"),
    path("mine/services/", views.member_services, name="member_services"),
    path("mine/services/<int:pk>/", views.member_service, name="member_service"),
    # Public.
    path("<slug:slug>/statistics/", views.statistics, name="statistics"),
    path("<slug:slug>/members/<str:credit_code>/", views.public_member, name="public_member"),
    # Regulators and administrators.
    path("<slug:slug>/rectifications/overdue/", views.overdue, name="overdue"),
    path("<slug:slug>/objections/", views.objections, name="objections"),
    path("<slug:slug>/objections/<int:pk>/", views.decide_objection, name="decide_objection"),
    # Labs.
    path("<slug:slug>/lab/", views.lab_home, name="lab_home"),
    # Empty files with the header row, for the lab to fill in.
    path(
        "<slug:slug>/lab/inspections.csv",
        views.lab_template,
        {"name": "inspections"},
        name="lab_inspections_template",
    ),
    path(
        "<slug:slug>/lab/items.csv",
        views.lab_template,
        {"name": "items"},
        name="lab_items_template",
    ),
    path("<slug:slug>/lab/uploads/<int:pk>/", views.lab_upload, name="lab_upload"),
    path("<slug:slug>/lab/uploads/<int:pk>/confirm/", views.lab_confirm, name="lab_confirm"),
    path("<slug:slug>/lab/services/", views.lab_services, name="lab_services"),
    path("<slug:slug>/lab/services/<int:pk>/", views.lab_service, name="lab_service"),
]
