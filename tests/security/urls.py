"""Every URL pattern of the project, and a world of cooperative A to fill in their parameters.

``url_patterns()`` walks the root resolver (admin and API included) and names each pattern
by its full route, e.g. ``"pledges/<slug:slug>/review/<int:pk>/"``; that name is the key of a
row of the permission matrix (tests/security/permission_matrix.py).

``build_world()`` loads the demo cooperative (every kind of record, as ``make run`` shows it)
as cooperative A and adds cooperative B, then the personas of the matrix with their roles.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from django.contrib import admin
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.db.models import Model, Q
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django_otp.plugins.otp_totp.models import TOTPDevice

from charter.models import Appeal, AppealEvidence, Application, CharterVersion, ExitStep
from complaints.models import Complaint, Evidence
from complaints.views import ACCESS_KEY
from conftest import verify_second_factor
from coop_portal.evidence import CheckedFile, store_evidence
from inspections.models import LabUpload, Objection, ObjectionEvidence, ServiceRequest
from members.models import Cooperative, Lab, Member, MemberImport, Role, User
from members.two_factor import must_use_two_factor
from pledges.models import AssessmentRun, MemberAssessment, Pledge
from pledges.models.assessment import MemberObjection, MemberObjectionEvidence
from pledges.services import reply_period, replyable_inspections
from tests.factories import CooperativeFactory, RoleFactory, UserFactory

PERSONAS = [
    "anonymous",
    "consumer",
    "member_a",
    "member_b",
    "lab",
    "regulator",
    "administrator",
    "other_administrator",
]


@dataclass(frozen=True)
class Pattern:
    route: str
    name: str
    admin_model: type[Model] | None = None


def url_patterns() -> list[Pattern]:
    return list(_walk(get_resolver().url_patterns, "", ""))


def _walk(
    patterns: list[URLPattern | URLResolver], prefix: str, namespace: str
) -> Iterator[Pattern]:
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from _walk(pattern.url_patterns, prefix + str(pattern.pattern), inner)
        else:
            route = prefix + str(pattern.pattern)
            yield Pattern(route, namespace + (pattern.name or ""), _admin_model(route))


def _admin_model(route: str) -> type[Model] | None:
    parts = route.split("/")
    if len(parts) < 4 or parts[0] != "admin":
        return None
    for model in admin.site._registry:
        if (model._meta.app_label, model._meta.model_name) == (parts[1], parts[2]):
            return model
    return None


@dataclass
class World:
    coop: Cooperative
    other_coop: Cooperative
    member_a: Member
    member_b: Member
    users: dict[str, User]
    objects: dict[str, Any] = field(default_factory=dict)
    clients: dict[str, Client] = field(default_factory=dict)

    def __getattr__(self, name: str) -> Any:
        try:
            return self.__dict__["objects"][name]
        except KeyError:
            raise AttributeError(name) from None


_CONVERTER = re.compile(r"<(?:(?P<converter>[^>:]+):)?(?P<name>[^>]+)>")


def fill(route: str, values: dict[str, Any]) -> str:
    """The route with each ``<converter:name>`` replaced by its value from ``values``."""

    def value(match: re.Match[str]) -> str:
        return str(values[match.group("name")])

    return "/" + _CONVERTER.sub(value, route)


def build_world() -> World:
    call_command("demo", stdout=_Discard())
    coop = Cooperative.objects.get()
    other_coop = CooperativeFactory(slug="rice", name_zh="大米质量合作社", name_en="Rice")
    # Member A is the firm with the most on record: a result it objected to.
    objection = Objection.objects.select_related("inspection__member").order_by("pk").first()
    assert objection is not None, "the demo has an objection to a spot-check"
    member_a = objection.inspection.member
    member_b = (
        Member.objects.filter(cooperative=coop, status=Member.Status.ACTIVE)
        .exclude(pk=member_a.pk)
        .order_by("pk")
        .first()
    )
    assert member_b is not None
    lab = Lab.objects.filter(cooperatives=coop).order_by("pk").first()
    assert lab is not None

    def person(key: str, cooperative: Cooperative, kind: str, **role: Any) -> User:
        user = UserFactory(email=f"{key}@matrix.example.cn", is_staff=kind == "administrator")
        RoleFactory(user=user, cooperative=cooperative, kind=kind, **role)
        return user

    users = {
        "member_a": person("member-a", coop, Role.Kind.MEMBER_USER, member=member_a, is_owner=True),
        "member_b": person("member-b", coop, Role.Kind.MEMBER_USER, member=member_b, is_owner=True),
        "lab": person("lab", coop, Role.Kind.LAB_USER, lab=lab),
        "regulator": person("regulator", coop, Role.Kind.REGULATOR),
        "administrator": person("administrator", coop, Role.Kind.ADMINISTRATOR),
        "other_administrator": person("other-administrator", other_coop, Role.Kind.ADMINISTRATOR),
    }
    world = World(coop, other_coop, member_a, member_b, users)
    world.objects.update(_records(world, objection, lab))
    world.clients = _clients(world)
    return world


def _first(queryset: Any, preferred: Q | None = None) -> Any:
    if preferred is not None:
        found = queryset.filter(preferred).order_by("pk").first()
        if found is not None:
            return found
    found = queryset.order_by("pk").first()
    assert found is not None, f"the demo has a {queryset.model.__name__}"
    return found


def _records(world: World, objection: Objection, lab: Lab) -> dict[str, Any]:
    coop, member_a = world.coop, world.member_a
    mine = Q(member=member_a)
    complaint = _first(Complaint.objects.filter(cooperative=coop), mine)
    evidence = _first(Evidence.objects.all())
    step = _first(ExitStep.objects.filter(case__member__cooperative=coop), Q(case__member=member_a))
    run = _first(
        AssessmentRun.objects.filter(
            period__cooperative=coop, status=AssessmentRun.Status.PUBLISHED
        )
    )
    assessed = _first(MemberAssessment.objects.filter(run=run), mine)
    return {
        "lab_record": lab,
        "objection": objection,
        "inspection": objection.inspection,
        "lab_upload": _first(LabUpload.objects.filter(cooperative=coop), Q(lab=lab)),
        "member_import": MemberImport.objects.create(cooperative=coop, file_name="members.csv"),
        "service_request": _first(ServiceRequest.objects.all(), mine),
        "complaint": complaint,
        "evidence": evidence,
        "application": _first(Application.objects.filter(cooperative=coop)),
        "exit_case": step.case,
        "exit_step": step,
        "appeal": _first(Appeal.objects.all()),
        "charter_version": _first(CharterVersion.objects.filter(cooperative=coop)),
        "pledge": _first(Pledge.objects.filter(member__cooperative=coop), mine),
        "published_pledge": _first(
            Pledge.objects.filter(member=member_a, status=Pledge.Status.PUBLISHED)
        ),
        "run": run,
        "assessed": assessed,
        "assessment_objection": _first(MemberObjection.objects.all()),
        "reply_period": reply_period(member_a),
        "reply_inspection": _first(replyable_inspections(member_a)),
        "team_role": Role.objects.get(user=world.users["member_a"]),
        **_evidence_files(objection),
        # The two-factor device of cooperative B's administrator: its secret is theirs alone.
        "totp_device": TOTPDevice.objects.create(
            user=world.users["other_administrator"], name="phone", confirmed=True
        ),
    }


def _evidence_files(objection: Objection) -> dict[str, Any]:
    """A file sent with the demo's appeal, its objection to an assessment and member A's
    objection to a result (the demo attaches none)."""
    photo = [CheckedFile("证明.png", b"\x89PNG\r\n\x1a\n", "image/png")]
    appeal = _first(Appeal.objects.all())
    assessment_objection = _first(MemberObjection.objects.all())
    return {
        "appeal_evidence": store_evidence(AppealEvidence, photo, appeal=appeal)[0],
        "objection_evidence": store_evidence(ObjectionEvidence, photo, objection=objection)[0],
        "assessment_objection_evidence": store_evidence(
            MemberObjectionEvidence, photo, objection=assessment_objection
        )[0],
    }


def _clients(world: World) -> dict[str, Client]:
    clients = {"anonymous": Client(raise_request_exception=False)}
    # The consumer followed their complaint with its reference and tracking code: this
    # browser session holds the grant (complaints.views._grant), as after the tracking form.
    consumer = Client(raise_request_exception=False)
    session = consumer.session
    session[ACCESS_KEY] = [world.complaint.pk]
    session.save()
    clients["consumer"] = consumer
    for persona, user in world.users.items():
        client = Client(raise_request_exception=False)
        client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
        if must_use_two_factor(user):
            verify_second_factor(client, user)
        clients[persona] = client
    return clients


def admin_object_id(world: World, model: type[Model]) -> str:
    """An object of cooperative A of this admin's model ("0" when the demo has none)."""
    special = {Cooperative: world.coop, User: world.users["member_a"], Member: world.member_a}
    if model in special:
        return str(special[model].pk)
    found = model._default_manager.order_by("pk").first()
    return str(found.pk) if found is not None else "0"


def content_type_id(model: type[Model]) -> int:
    return ContentType.objects.get_for_model(model).pk


class _Discard:
    def write(self, text: str) -> int:
        return len(text)

    def flush(self) -> None:
        pass
