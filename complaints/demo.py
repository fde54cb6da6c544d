"""The complaints part of the demo cooperative that `make run` loads.

Complaints at every stage for the demo members: closed ones over the story's two years (moved
by whole years with the day the demo is loaded, members.demo.story_day), the open ones a few
days before that day, so that none is overdue because the demo was written for another day.
Some answered late, some upheld, one with a photo, some with satisfaction feedback. Each is
created once (matched on its reference), so loading the demo again changes nothing.
"""

from __future__ import annotations

import datetime
import io
import zoneinfo
from dataclasses import dataclass

from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from PIL import Image, ImageDraw

from charter.deadlines import commitment_days
from coop_portal.evidence import check_file
from members.demo import story_day
from members.models import Cooperative, Member, Role, User

from .models import (
    ClosingCode,
    Complaint,
    ComplaintEvent,
    Evidence,
    PublicAccount,
    SatisfactionFeedback,
)
from .services import (
    Submission,
    accept_complaint,
    forward_complaint,
    proposed_account,
    submit_complaint,
)

# The tracking code of every demo complaint, so that the tracking pages can be tried out.
DEMO_TRACKING_CODE = "DEMO-CODE-2025"
# The submission key of the complaint a member login is to answer (``forward_for_answer``):
# filed once, whatever the day the demo is loaded again.
FOR_ANSWER_KEY = "demo:forwarded-for-answer"

Kind = ComplaintEvent.Kind
Status = Complaint.Status


@dataclass(frozen=True)
class Spec:
    number: int
    member: int
    # A day of the story, or (open complaints) how many days before the day of loading.
    received: datetime.date | int
    status: str
    product: str
    story: str
    # Days from acceptance to the first answer and to the resolution (None: not yet).
    answer_after: int | None = None
    resolve_after: int | None = None
    code: str = ""
    upheld: bool = False
    share_contact: bool = False
    # The consumer agreed to a public account; ``published``: an administrator published it
    # (the others await a decision on the complaints desk).
    publish: bool = False
    published: bool = False
    rating: int | None = None
    photo: bool = False


D = datetime.date
SPECS = [
    Spec(
        1,
        0,
        D(2024, 2, 5),
        Status.RESOLVED,
        "纯棉四件套",
        "床单第一次洗涤后严重褪色，染到了其他衣物。联系电话 13912345678。",
        answer_after=2,
        resolve_after=10,
        code=ClosingCode.RELIEF_GIVEN,
        share_contact=True,
        publish=True,
        published=True,
        rating=5,
        photo=True,
    ),
    Spec(
        2,
        1,
        D(2024, 4, 12),
        Status.RESOLVED,
        "蚕丝被",
        "标注100%桑蚕丝，拆开后发现夹杂化纤。",
        answer_after=12,
        resolve_after=40,
        code=ClosingCode.RELIEF_GIVEN,
        upheld=True,
        publish=True,
        published=True,
        rating=3,
    ),
    Spec(
        3,
        2,
        D(2024, 6, 20),
        Status.REJECTED,
        "枕芯",
        "与另一投诉重复。",
        code=ClosingCode.DUPLICATE,
    ),
    Spec(
        4,
        3,
        D(2024, 9, 3),
        Status.RESOLVED,
        "毛巾",
        "毛巾掉毛严重。",
        answer_after=3,
        resolve_after=8,
        code=ClosingCode.EXPLAINED,
        rating=4,
    ),
    Spec(
        5,
        0,
        D(2024, 11, 18),
        Status.CLOSED_UNRESOLVED,
        "羽绒被",
        "羽绒含量与标签不符，邮箱 buyer@example.com。",
        answer_after=9,
        code=ClosingCode.NO_AGREEMENT,
        upheld=True,
        publish=True,
        rating=2,
    ),
    Spec(
        6,
        4,
        D(2025, 1, 8),
        Status.RESOLVED,
        "床笠",
        "尺寸比标注小了5厘米。",
        answer_after=5,
        resolve_after=20,
        code=ClosingCode.NOT_SUBSTANTIATED,
    ),
    Spec(
        7,
        1,
        12,
        Status.MEDIATION,
        "窗帘",
        "遮光窗帘透光，商家拒绝退换。",
        answer_after=6,
        share_contact=True,
    ),
    Spec(8, 2, 13, Status.ANSWERED, "凉席", "凉席有异味。", answer_after=11),
    Spec(9, 3, 3, Status.FORWARDED, "儿童睡袋", "拉链夹手，存在安全隐患。"),
    Spec(10, 0, 2, Status.ACCEPTED, "乳胶枕", "乳胶枕使用一周后开裂。"),
    Spec(11, 4, 1, Status.RECEIVED, "毛毯", "毛毯起球严重，希望退货。"),
    Spec(
        12,
        1,
        D(2025, 12, 12),
        Status.REJECTED,
        "沙发",
        "沙发不属于本合作社的产品范围。",
        code=ClosingCode.OUT_OF_SCOPE,
    ),
]


def _at(cooperative: Cooperative, day: datetime.date, hour: int = 10) -> datetime.datetime:
    return datetime.datetime.combine(
        day, datetime.time(hour), tzinfo=zoneinfo.ZoneInfo(cooperative.time_zone)
    )


def _photo() -> bytes:
    image = Image.new("RGB", (240, 160), (214, 226, 240))
    ImageDraw.Draw(image).rectangle((40, 40, 200, 120), fill=(150, 60, 60))
    output = io.BytesIO()
    image.save(output, "PNG")
    return output.getvalue()


def load(cooperative: Cooperative) -> None:
    """Add this app's demo records to the cooperative; safe to run again."""
    members = list(cooperative.members.still_members().order_by("joined_on", "pk"))
    if not members:
        return
    existing = set(
        Complaint.objects.filter(cooperative=cooperative).values_list("reference", flat=True)
    )
    today = cooperative.today()
    for spec in SPECS:
        received = (
            today - datetime.timedelta(days=spec.received)
            if isinstance(spec.received, int)
            else story_day(spec.received, today)
        )
        reference = f"NA-{received.year}-D{spec.number:05d}"
        if reference not in existing:
            _create(cooperative, members[spec.member % len(members)], reference, spec, received)


def _create(
    cooperative: Cooperative, member: Member, reference: str, spec: Spec, received: datetime.date
) -> None:
    complaint = Complaint(
        cooperative=cooperative,
        member=member,
        reference=reference,
        received_on=received,
        status=spec.status,
        product=spec.product,
        summary=spec.product,
        description=spec.story,
        desired_outcome="退货退款并说明原因。",
        contact_name="王女士",
        contact_phone="13900000000",
        contact_email="consumer@example.cn",
        share_contact=spec.share_contact,
        publish_consent=spec.publish,
        language="zh-hans",
        closing_code=spec.code,
        created_at=_at(cooperative, received, 9),
    )
    complaint.set_tracking_code(DEMO_TRACKING_CODE)
    events: list[tuple[str, datetime.date, str, str]] = [
        (Kind.RECEIVED, received, ComplaintEvent.Actor.CONSUMER, "")
    ]
    if spec.status == Status.REJECTED:
        complaint.closed_on = received + datetime.timedelta(days=2)
        events.append((Kind.REJECTED, complaint.closed_on, ComplaintEvent.Actor.COOPERATIVE, ""))
    elif spec.status != Status.RECEIVED:
        accepted = received + datetime.timedelta(days=1)
        complaint.accepted_on = accepted
        complaint.response_due_on = accepted + datetime.timedelta(
            days=commitment_days(member, "response_days", accepted)
        )
        complaint.resolution_due_on = accepted + datetime.timedelta(
            days=commitment_days(member, "resolution_days", accepted)
        )
        events.append((Kind.ACCEPTED, accepted, ComplaintEvent.Actor.COOPERATIVE, ""))
        if spec.status != Status.ACCEPTED:
            complaint.forwarded_on = accepted
            events.append((Kind.FORWARDED, accepted, ComplaintEvent.Actor.COOPERATIVE, ""))
        if spec.answer_after is not None:
            complaint.responded_on = accepted + datetime.timedelta(days=spec.answer_after)
            events.append(
                (
                    Kind.ANSWERED,
                    complaint.responded_on,
                    ComplaintEvent.Actor.MEMBER,
                    "感谢您的反馈，我们已安排质检人员核查该批次产品，将尽快与您联系处理。",
                )
            )
        if spec.status in (Status.MEDIATION, Status.CLOSED_UNRESOLVED):
            mediation = (complaint.responded_on or accepted) + datetime.timedelta(days=3)
            events.append((Kind.MEDIATION, mediation, ComplaintEvent.Actor.COOPERATIVE, ""))
        if spec.resolve_after is not None:
            complaint.resolved_on = accepted + datetime.timedelta(days=spec.resolve_after)
            complaint.closed_on = complaint.resolved_on
            events.append(
                (Kind.RESOLVED, complaint.resolved_on, ComplaintEvent.Actor.COOPERATIVE, "")
            )
        if spec.status == Status.CLOSED_UNRESOLVED:
            complaint.closed_on = accepted + datetime.timedelta(days=45)
            events.append(
                (Kind.CLOSED_UNRESOLVED, complaint.closed_on, ComplaintEvent.Actor.COOPERATIVE, "")
            )
        if spec.upheld:
            complaint.upheld_on = complaint.closed_on or accepted + datetime.timedelta(days=20)
            events.append((Kind.UPHELD, complaint.upheld_on, ComplaintEvent.Actor.COOPERATIVE, ""))
    complaint.save()
    created = ComplaintEvent.objects.bulk_create(
        ComplaintEvent(
            complaint=complaint,
            kind=kind,
            on=on,
            at=_at(cooperative, on, 10 + index % 6),
            actor=actor,
            text=text,
        )
        for index, (kind, on, actor, text) in enumerate(events)
    )
    if spec.photo:
        evidence = Evidence(
            complaint=complaint,
            event=created[0],
            content_type="image/png",
            original_name="褪色床单.png",
            uploaded_at=_at(cooperative, received, 9),
        )
        content = _photo()
        evidence.size = len(content)
        evidence.file.save("photo.png", ContentFile(content), save=False)
        evidence.save()
    if spec.published and complaint.closed_on is not None:
        product, text = proposed_account(complaint)
        administrator = Role.objects.filter(
            cooperative=cooperative, kind=Role.Kind.ADMINISTRATOR
        ).first()
        PublicAccount.objects.create(
            complaint=complaint,
            status=PublicAccount.Status.PUBLISHED,
            product=product,
            text=text,
            decided_by=administrator.user if administrator else None,
            decided_at=_at(cooperative, complaint.closed_on + datetime.timedelta(days=1)),
        )
    if spec.rating is not None and complaint.closed_on is not None:
        SatisfactionFeedback.objects.create(
            complaint=complaint,
            rating=spec.rating,
            comment="处理及时，态度很好。" if spec.rating >= 4 else "",
            created_at=_at(cooperative, complaint.closed_on + datetime.timedelta(days=1)),
        )


@transaction.atomic
def forward_for_answer(member: Member, *, by: User) -> Complaint:
    """A complaint filed today through the public form's service, with the consumer's photo,
    accepted and forwarded to the member by an administrator (``by``): the member's to answer
    within the days it pledged, from its portal, and the e-mail telling it so is among its
    notifications. Filed once: loaded again, the demo returns the same complaint."""
    cooperative = member.cooperative
    filed = Complaint.objects.filter(cooperative=cooperative, submission_key=FOR_ANSWER_KEY)
    if filed.exists():
        return filed.get()
    complaint, _code = submit_complaint(
        cooperative,
        Submission(
            member=member,
            product="羽绒枕",
            description="枕头使用两周后羽绒从缝线处钻出，床上和卧室到处是绒毛。",
            desired_outcome="更换一只合格的枕头，或退货退款。",
            contact_name="赵先生",
            contact_phone="13900000001",
            contact_email="consumer@example.cn",
            share_contact=True,
            language="zh-hans",
            evidence=[check_file(SimpleUploadedFile("钻绒的枕头.png", _photo(), "image/png"))],
            submission_key=FOR_ANSWER_KEY,
            tracking_code=DEMO_TRACKING_CODE,
        ),
    )
    accept_complaint(complaint, by)
    return forward_complaint(complaint, by)
