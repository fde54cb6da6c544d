"""The address the permission matrix requests for each URL pattern, filled from the world.

A parameter's value comes from its name (``slug`` is cooperative A, ``credit_code`` member
A's code …); ``pk``, which means a different record on each page, is named per route in
``PK``. Admin routes take an object of cooperative A of their model.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from members.models import Member

from .urls import Pattern, World, admin_object_id, content_type_id, fill

# What ``<int:pk>`` is on each page that has one (the record of cooperative A, member A's
# where the page belongs to a member).
PK: dict[str, str] = {
    "portal/<int:member_id>/pledges/<int:pk>/": "pledge",
    "portal/<int:member_id>/pledges/<int:pk>/edit/": "pledge",
    "portal/<int:member_id>/pledges/<int:pk>/submit/": "pledge",
    "portal/<int:member_id>/pledges/<int:pk>/withdraw/": "published_pledge",
    "charter/<slug:slug>/manage/applications/<int:pk>/": "application",
    "charter/<slug:slug>/manage/cases/<int:pk>/": "exit_case",
    "inspections/mine/<int:pk>/": "inspection",
    "inspections/mine/<int:pk>/actions/": "inspection",
    "inspections/mine/<int:pk>/objection/": "inspection",
    "inspections/mine/services/<int:pk>/": "service_request",
    "inspections/<slug:slug>/objections/<int:pk>/": "objection",
    "inspections/<slug:slug>/lab/uploads/<int:pk>/": "lab_upload",
    "inspections/<slug:slug>/lab/uploads/<int:pk>/confirm/": "lab_upload",
    "inspections/<slug:slug>/lab/services/<int:pk>/": "service_request",
    "complaints/member/<int:pk>/": "complaint",
    "complaints/evidence/<int:pk>/": "evidence",
    "charter/appeals/evidence/<int:pk>/": "appeal_evidence",
    "inspections/objections/evidence/<int:pk>/": "objection_evidence",
    "pledges/assessments/objections/evidence/<int:pk>/": "assessment_objection_evidence",
    "complaints/<slug:slug>/manage/<int:pk>/": "complaint",
    "complaints/<slug:slug>/manage/<int:pk>/<slug:step>/": "complaint",
    "complaints/<slug:slug>/manage/<int:pk>/requests/<int:request_pk>/": "complaint",
    "pledges/<slug:slug>/review/<int:pk>/": "pledge",
    "admin/members/member/import/<int:pk>/": "member_import",
    "admin/members/member/import/<int:pk>/confirm/": "member_import",
    "admin/members/member/<path:object_id>/team/<str:action>/<int:pk>/": "team_role",
    "admin/otp_totp/totpdevice/<int:pk>/config/": "totp_device",
    "admin/otp_totp/totpdevice/<int:pk>/qrcode/": "totp_device",
}


def _by_name(world: World) -> dict[str, Any]:
    run = world.run
    return {
        "slug": world.coop.slug,
        "cooperative": world.coop.slug,
        "member_id": world.member_a.pk,
        "role_id": world.team_role.pk,
        "credit_code": world.member_a.credit_code,
        "number": world.charter_version.number,
        "step_id": world.exit_step.pk,
        "appeal_id": world.appeal.pk,
        "run_id": run.pk,
        "objection_id": world.assessment_objection.pk,
        # Member A's latest published result and one of its public spot-check results.
        "period_id": world.reply_period.pk,
        "inspection_id": world.reply_inspection.pk,
        "code": run.period.code,
        "revision": run.revision,
        "reference": world.complaint.reference,
        "version": world.published_pledge.version,
        "step": "accept",
        # A password-reset link and an invitation that are not valid.
        "uidb64": "MQ",
        "token": "set-password",
        "id": world.users["member_a"].pk,
        # No such request or invitation: their views answer only POST.
        "request_pk": 0,
        "invitation_id": 0,
        "action": "remove",
        # A complaint form's key that no persona's browser filed a complaint with.
        "form_key": "0" * 32,
    }


def _simple_history(model_route: str) -> Callable[[World, Pattern], str]:
    def url(world: World, pattern: Pattern) -> str:
        model = pattern.admin_model
        assert model is not None
        object_id = admin_object_id(world, model)
        record = model.history.filter(id=object_id).order_by("history_id").first()  # type: ignore[attr-defined]
        history_id = record.history_id if record is not None else 0
        return f"/{model_route}{object_id}/history/{history_id}/"

    return url


def address(world: World, pattern: Pattern, **overrides: str) -> str:
    """The pattern's address; ``overrides`` replace parameters (percent-encoded already)."""
    route = pattern.route
    if "^" in route or "(?P<" in route:
        return _regex_address(world, pattern)
    values = _by_name(world)
    if route in PK:
        key = PK[route]
        values["pk"] = getattr(world, key).pk if key else 0
    if pattern.admin_model is not None:
        values["object_id"] = admin_object_id(world, pattern.admin_model)
    if route == "admin/r/<path:content_type_id>/<path:object_id>/":
        values["content_type_id"] = content_type_id(Member)
        values["object_id"] = world.member_a.pk
    if route == "accounts/invitations/<str:token>/":
        values["token"] = "no-such-invitation"
    values.update(overrides)
    return fill(route, values)


def _regex_address(world: World, pattern: Pattern) -> str:
    route = pattern.route
    if route.endswith("history/([^/]+)/$"):
        return _simple_history(route.split("^", 1)[0])(world, pattern)
    if "(?P<app_label>" in route:
        return "/admin/members/"
    if route == "admin/(?P<url>.*)$":
        return "/admin/no-such-page/"
    raise AssertionError(f"No address for the regular expression route {route!r}")
