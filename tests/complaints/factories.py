from __future__ import annotations

import datetime
import io

import factory
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from complaints.models import Complaint, ComplaintEvent
from tests.factories import MemberFactory


class ComplaintFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Complaint

    member = factory.SubFactory(MemberFactory)
    cooperative = factory.LazyAttribute(lambda complaint: complaint.member.cooperative)
    reference = factory.Sequence(lambda n: f"NA-2025-{n + 1:06d}")
    received_on = datetime.date(2025, 3, 1)
    product = "纯棉四件套"
    description = "床单洗一次就褪色。我的电话 13912345678，邮箱 buyer@example.com。"
    desired_outcome = "退货退款"
    contact_name = "张三"
    contact_phone = "13912345678"
    contact_email = "buyer@example.com"
    language = "zh-hans"


class ComplaintEventFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ComplaintEvent

    complaint = factory.SubFactory(ComplaintFactory)
    kind = ComplaintEvent.Kind.NOTE
    actor = ComplaintEvent.Actor.COOPERATIVE
    on = datetime.date(2025, 3, 1)
    text = "note"


def image_bytes(
    image_format: str = "JPEG", *, size: tuple[int, int] = (40, 30), gps: bool = False
) -> bytes:
    image = Image.new("RGB", size, "red")
    output = io.BytesIO()
    if gps:
        exif = Image.Exif()
        exif[0x010F] = "SecretCam"
        location = exif.get_ifd(0x8825)
        location[1] = "N"
        location[2] = (31.0, 58.0, 0.0)
        image.save(output, image_format, exif=exif)
    else:
        image.save(output, image_format)
    return output.getvalue()


def upload(name: str, content: bytes, content_type: str = "image/jpeg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=content_type)


def pdf_document(*objects: bytes, trailer: bytes = b"/Root 1 0 R") -> bytes:
    """A PDF with these objects (numbered from 1), its cross-reference table and trailer."""
    document = b"%PDF-1.4\n"
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(document))
        document += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(document)
    document += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    document += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    document += b"trailer\n<< /Size %d %s >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        trailer,
        xref,
    )
    return document


# A one-page PDF, as small as a PDF gets.
PDF = pdf_document(
    b"<< /Type /Catalog /Pages 2 0 R >>",
    b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
    b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] >>",
)


def form_data(member, **changes):
    """The public complaint form about the member, filled in as a consumer does; a change of
    None leaves that field out."""
    data = {
        "member": member.pk,
        "product": "纯棉四件套",
        "description": "床单洗一次就褪色。",
        "desired_outcome": "退货退款",
        "contact_name": "张三",
        "contact_phone": "13912345678",
        "contact_email": "buyer@example.com",
        "publish_consent": "on",
        "website": "",
    }
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}
