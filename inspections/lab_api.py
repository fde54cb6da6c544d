"""The token-authenticated JSON API through which lab systems deliver inspection results.

    POST /api/v1/lab/inspections/
    Authorization: Token <the lab's API token>

Idempotent by report number: sending the same report again leaves one record (200, and
``"action": "unchanged"``); a corrected report updates it (200, ``"update"``); a new one is
created (201). Problems are 400 with a message per field.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.db import IntegrityError
from django.urls import URLPattern, URLResolver, path
from django.utils.translation import gettext as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.permissions import BasePermission
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from coop_portal.csvimport import formula_refusal
from members.credit_code import normalise
from members.models import Member

from .models import Inspection, ItemResult, LabApiToken, TestCategory, TestItem
from .services import InspectionInput, InspectionRefused, ItemInput, record_inspection, token_for


class LabTokenAuthentication(BaseAuthentication):
    """``Authorization: Token <secret>``; the request's ``auth`` is the lab's token."""

    keyword = "Token"

    def authenticate(self, request: Request) -> tuple[Any, LabApiToken] | None:
        header = get_authorization_header(request).split()
        if not header or header[0].lower() != self.keyword.lower().encode():
            return None
        if len(header) != 2:
            raise AuthenticationFailed(_("The Authorization header is “Token <your token>”."))
        try:
            secret = header[1].decode()
        except UnicodeDecodeError:
            raise AuthenticationFailed(_("The token is not valid.")) from None
        token = token_for(secret)
        if token is None:
            raise AuthenticationFailed(_("The token is not valid or has been revoked."))
        # A lab system is nobody's user account: the token stands for the lab.
        return AnonymousUser(), token

    def authenticate_header(self, request: Request) -> str:
        return self.keyword


class LabTokenScheme(OpenApiAuthenticationExtension):  # type: ignore[no-untyped-call]
    target_class = LabTokenAuthentication
    name = "labToken"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "A lab's API token, issued in the administration pages: "
            "`Authorization: Token lab_…`",
        }


class HasLabToken(BasePermission):
    def has_permission(self, request: Request, view: Any) -> bool:
        return isinstance(request.auth, LabApiToken)


def refuse_formula(value: str) -> None:
    """The lab CSV's rule for text a spreadsheet would run as a formula, for the API's fields."""
    if refusal := formula_refusal(value):
        raise serializers.ValidationError(refusal)


class ItemResultSerializer(serializers.Serializer[Any]):
    item = serializers.SlugField(max_length=60, help_text="Code of a test item of the category.")
    measured_value = serializers.CharField(max_length=100, validators=[refuse_formula])
    limit = serializers.CharField(
        max_length=100, required=False, allow_blank=True, default="", validators=[refuse_formula]
    )
    result = serializers.ChoiceField(choices=ItemResult.Result.choices)


class InspectionSerializer(serializers.Serializer[Any]):
    report_no = serializers.CharField(max_length=60, validators=[refuse_formula])
    credit_code = serializers.CharField(max_length=18)
    product = serializers.CharField(max_length=200, validators=[refuse_formula])
    category = serializers.SlugField(max_length=50)
    sampled_on = serializers.DateField()
    reported_on = serializers.DateField()
    verdict = serializers.ChoiceField(choices=Inspection.Verdict.choices)
    severity = serializers.ChoiceField(
        choices=Inspection.Severity.choices, required=False, allow_blank=True, default=""
    )
    kind = serializers.ChoiceField(
        choices=Inspection.Kind.choices, required=False, default=Inspection.Kind.SUPERVISION
    )
    lab_name = serializers.CharField(
        max_length=200, required=False, allow_blank=True, default="", validators=[refuse_formula]
    )
    rectified_on = serializers.DateField(required=False, allow_null=True, default=None)
    retest_of = serializers.CharField(
        max_length=60,
        required=False,
        allow_blank=True,
        default="",
        help_text="Report number of the failed result this report re-tests.",
    )
    items = ItemResultSerializer(many=True, required=False, default=None, allow_null=True)
    change_reason = serializers.CharField(
        max_length=2000,
        required=False,
        allow_blank=True,
        default="",
        help_text="Why a report delivered before changes; required when its verdict or an "
        "item's result changes, and kept in the result's history. A failure becomes a pass "
        "only with a passing re-test linked to it or a regulator's upheld objection.",
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        token: LabApiToken = self.context["token"]
        cooperative = token.cooperative
        errors: dict[str, list[str]] = {}
        member = Member.objects.filter(
            cooperative=cooperative, credit_code=normalise(attrs["credit_code"])
        ).first()
        if member is None:
            errors["credit_code"] = [_("No member of this cooperative has this credit code.")]
        category = TestCategory.objects.filter(
            cooperative=cooperative, code=attrs["category"]
        ).first()
        if category is None:
            errors["category"] = [_("This is not a category of the cooperative's test catalogue.")]
        retest_of = None
        if attrs["retest_of"]:
            retest_of = Inspection.objects.filter(
                cooperative=cooperative, report_no=attrs["retest_of"]
            ).first()
            if retest_of is None:
                errors["retest_of"] = [_("There is no report with this number.")]
        items = None
        if attrs["items"] is not None and category is not None:
            known = {item.code: item for item in TestItem.objects.filter(category=category)}
            items = []
            for index, entry in enumerate(attrs["items"]):
                item = known.get(entry["item"])
                if item is None:
                    errors.setdefault(f"items[{index}].item", []).append(
                        _("“%(code)s” is not a test item of this category.")
                        % {"code": entry["item"]}
                    )
                    continue
                items.append(
                    ItemInput(
                        item=item,
                        measured_value=entry["measured_value"],
                        result=entry["result"],
                        limit=entry["limit"],
                    )
                )
        if errors or member is None or category is None:
            raise serializers.ValidationError(errors)
        attrs["input"] = InspectionInput(
            report_no=attrs["report_no"],
            member=member,
            product=attrs["product"],
            category=category,
            sampled_on=attrs["sampled_on"],
            reported_on=attrs["reported_on"],
            verdict=attrs["verdict"],
            severity=attrs["severity"],
            kind=attrs["kind"],
            lab_name=attrs["lab_name"],
            rectified_on=attrs["rectified_on"],
            retest_of=retest_of,
            items=items,
        )
        return attrs


class RecordedSerializer(serializers.Serializer[Any]):
    action = serializers.ChoiceField(choices=["create", "update", "unchanged"])
    report_no = serializers.CharField()
    id = serializers.IntegerField()
    status = serializers.CharField()
    verdict = serializers.CharField()
    rectification_deadline = serializers.DateField(allow_null=True)


def _field_path(name: str) -> str:
    # The service names item fields items.0.item; the API says items[0].item.
    parts = name.split(".")
    if len(parts) == 3 and parts[0] == "items":
        return f"items[{parts[1]}].{parts[2]}"
    return name


class LabInspectionView(APIView):
    authentication_classes = [LabTokenAuthentication]
    permission_classes = [HasLabToken]
    # Answers and errors are JSON only: lab systems read them, no browser does.
    renderer_classes = [JSONRenderer]

    @extend_schema(
        operation_id="lab_inspection_record",
        summary="Deliver an inspection report (idempotent by report number)",
        request=InspectionSerializer,
        responses={
            201: RecordedSerializer,
            200: RecordedSerializer,
            400: OpenApiResponse(description="Field messages: {field: [message, …]}"),
            401: OpenApiResponse(description="No token, or a wrong or revoked one"),
        },
        tags=["lab"],
    )
    def post(self, request: Request) -> Response:
        token = request.auth
        assert isinstance(token, LabApiToken)  # noqa: S101 - HasLabToken let it in
        serializer = InspectionSerializer(data=request.data, context={"token": token})
        serializer.is_valid(raise_exception=True)
        data: InspectionInput = serializer.validated_data["input"]
        try:
            inspection, action = record_inspection(
                token.cooperative,
                data,
                lab=token.lab,
                source=Inspection.Source.API,
                reason=serializer.validated_data["change_reason"],
                via=token.name,
            )
        except InspectionRefused as refused:
            errors: dict[str, list[str]] = {}
            for name, message in refused.problems:
                errors.setdefault(_field_path(name), []).append(message)
            return Response(errors, status=status.HTTP_400_BAD_REQUEST)
        except IntegrityError:
            # Two deliveries of one new report at the same moment: the other one won.
            return Response(
                {"report_no": [_("This report is being recorded right now; send it again.")]},
                status=status.HTTP_409_CONFLICT,
            )
        rectification = getattr(inspection, "rectification", None) if inspection.failed else None
        body = RecordedSerializer(
            {
                "action": action,
                "report_no": inspection.report_no,
                "id": inspection.pk,
                "status": inspection.status,
                "verdict": inspection.verdict,
                "rectification_deadline": rectification.deadline if rectification else None,
            }
        ).data
        return Response(
            body, status=status.HTTP_201_CREATED if action == "create" else status.HTTP_200_OK
        )


urlpatterns: list[URLPattern | URLResolver] = [
    path("lab/inspections/", LabInspectionView.as_view(), name="lab-inspections"),
]
