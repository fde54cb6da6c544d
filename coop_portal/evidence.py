"""Evidence files — a consumer's photos and receipts, a member's documents supporting an
objection or appeal — checked by their content, never by their names, stored through the
storage and served only through permission-checked views.

Photos (JPEG, PNG, WebP) are measured from their headers (one photo and all of a form's
photos together have a pixel budget, so that no upload costs a worker more than a moment),
then opened with Pillow, verified and re-encoded, which drops EXIF and any location data.
PDFs must have a PDF's structure and no active content (``check_pdf``). Anything else is
refused.
"""

from __future__ import annotations

import io
import re
import warnings
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import PurePath
from typing import TYPE_CHECKING, Any, TypeVar, cast

from django import forms
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.http import FileResponse
from django.template.defaultfilters import filesizeformat
from django.utils.functional import lazy
from django.utils.translation import gettext
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError
from pypdf import PdfReader
from pypdf.generic import (
    ArrayObject,
    DictionaryObject,
    IndirectObject,
    NameObject,
    NumberObject,
)

if TYPE_CHECKING:
    from .models import EvidenceFile

EvidenceFileT = TypeVar("EvidenceFileT", bound="EvidenceFile")

MAX_FILES = 5
MAX_FILE_BYTES = 5 * 1024 * 1024
# Larger images are refused before decoding: a tiny file can unpack into gigabytes of pixels,
# and decoding and re-encoding 40 megapixels takes a web worker about a second.
MAX_PIXELS = 40_000_000
# All photos of one form together: five phone photos of 12 megapixels pass, five images of
# 6300 × 6300 (ten seconds of a worker's time) do not. Checked before any of them is decoded.
MAX_TOTAL_PIXELS = 60_000_000
# Objects a PDF may have (``_object_count``): a receipt or a test report has hundreds, a long
# scanned one a few thousand. pypdf parses about 25,000 a second, and 5 MB of object streams
# hold hundreds of thousands, so a larger count is refused before any is parsed.
MAX_PDF_OBJECTS = 10_000

IMAGE_FORMATS = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}
EXTENSIONS = {
    "image/jpeg": ".jpg",
    "image/png": ".png",
    "image/webp": ".webp",
    "application/pdf": ".pdf",
}


@dataclass(frozen=True)
class CheckedFile:
    name: str
    content: bytes
    content_type: str


def sniff(head: bytes) -> str | None:
    """The content type the first bytes of a file announce, among those we accept."""
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    if head.startswith(b"%PDF-"):
        return "application/pdf"
    return None


# A PDF's structure (ISO 32000): a version header, indirect objects ("12 0 obj … endobj"), a
# cross-reference table or stream that "startxref" points to, a trailer naming the document's
# /Root, and %%EOF within the last kilobyte.
PDF_HEADER = re.compile(rb"%PDF-(?:1\.[0-7]|2\.0)\s")
PDF_TAIL = re.compile(rb"startxref\s+(\d{1,10})\s+%%EOF\s*\Z")
PDF_XREF_AT = re.compile(rb"\s*(?:xref\b|\d+\s+\d+\s+obj\b)")
PDF_STREAM = re.compile(rb"\bstream\r?\n.*?\bendstream\b", re.DOTALL)
PDF_OBJECT = re.compile(rb"(?<![0-9])\d+\s+\d+\s+obj\b")
PDF_END_OBJECT = re.compile(rb"\bendobj\b")
PDF_ROOT = re.compile(rb"/Root\s+\d+\s+\d+\s+R")
# Names that make a PDF do something rather than show something: scripts, launched programs,
# actions that open or send to other files, automatic actions, attached files, multimedia, XFA
# forms. Receipts and reports never need them. Refused wherever they appear in an object's
# dictionary, as a key or as a value (``/S /JavaScript``, ``/Type /EmbeddedFile``).
PDF_ACTIVE_NAMES = frozenset(
    {
        "/JavaScript",
        "/JS",
        "/Launch",
        "/AA",
        "/EmbeddedFile",
        "/EmbeddedFiles",
        "/RichMedia",
        "/XFA",
        "/SubmitForm",
        "/ImportData",
        "/GoToR",
        "/GoToE",
    }
)


def check_pdf(data: bytes, name: str) -> None:
    """Refuse a file that does not have a PDF's structure, or that carries active content.

    Beyond the header and the end marker: "startxref" must point to the cross-reference
    table or stream inside the file, the trailer must name the document's root, and every
    object must be closed. Then pypdf must be able to read it (``_pdf_reader``) and no object
    reachable from its trailer may carry active content (``_has_active_content``).
    """
    incomplete = ValidationError(_("“%(name)s” is not a complete PDF document.") % {"name": name})
    damaged = _damaged_pdf(name)
    if not PDF_HEADER.match(data):
        raise damaged
    tail = PDF_TAIL.search(data[-1024:])
    if tail is None:
        raise incomplete
    offset = int(tail.group(1))
    if offset >= len(data) or not PDF_XREF_AT.match(data, offset):
        raise damaged
    # Dictionaries and names, without the contents of streams (images, fonts, page text).
    outline = PDF_STREAM.sub(b"stream endstream", data)
    objects = len(PDF_OBJECT.findall(outline))
    if not objects or objects != len(PDF_END_OBJECT.findall(outline)):
        raise damaged
    if not PDF_ROOT.search(outline):
        raise damaged
    reader = _pdf_reader(data, name)
    if _has_active_content(reader, name):
        raise ValidationError(
            _(
                "“%(name)s” contains scripts, attached files or other active content, which we "
                "do not accept. Please print it to a new PDF, or send a photo of it."
            )
            % {"name": name}
        )
    _check_pages(reader, name)


def _damaged_pdf(name: str) -> ValidationError:
    return ValidationError(
        _("“%(name)s” is not a readable PDF document: its structure is damaged.") % {"name": name}
    )


@contextmanager
def _read_by_pypdf(name: str) -> Iterator[None]:
    """Whatever pypdf raises while reading the file becomes "damaged": a parser fed a hostile
    file may fail in any way, and every failure means the file is not readable."""
    try:
        yield
    except ValidationError:
        raise
    except Exception:
        raise _damaged_pdf(name) from None


def _pdf_reader(data: bytes, name: str) -> PdfReader:
    """The document as pypdf reads it; refused when pypdf cannot read it or it is encrypted
    (the cooperative could not read it either)."""
    with _read_by_pypdf(name):
        reader = PdfReader(io.BytesIO(data))
        encrypted = reader.is_encrypted
    if encrypted:
        raise ValidationError(
            _("“%(name)s” is protected by a password; please send it without the protection.")
            % {"name": name}
        )
    with _read_by_pypdf(name):
        if _object_count(reader) > MAX_PDF_OBJECTS:
            raise _too_complex(name)
    return reader


def _object_count(reader: PdfReader) -> int:
    """The objects pypdf may be made to parse: the cross-reference's entries, and what each
    object stream they name says it holds (pypdf parses all of a stream's objects when one is
    read). Counted before any of them is parsed; the streams' own dictionaries are read only
    when the entries alone are within the limit."""
    direct = sum(len(entries) for entries in reader.xref.values())
    if direct + len(reader.xref_objStm) > MAX_PDF_OBJECTS:
        return direct + len(reader.xref_objStm)
    compressed = 0
    for number in {stream for stream, _index in reader.xref_objStm.values()}:
        stream = reader.get_object(number)
        if not isinstance(stream, DictionaryObject):
            raise TypeError("an object stream that is no stream")
        compressed += int(cast(NumberObject, stream["/N"]))
    return direct + compressed


def _check_pages(reader: PdfReader, name: str) -> None:
    """Refuse a document whose page tree pypdf cannot read: no viewer could show it."""
    with _read_by_pypdf(name):
        len(reader.pages)


def _has_active_content(reader: PdfReader, name: str) -> bool:
    """Whether any object reachable from the trailer names active content.

    A walk of the parsed objects, not of the file's bytes: objects compressed in object streams
    are read as pypdf decompresses them, and escaped names (``/J#61vaScript``) are spelled out.
    The contents of streams (page text, images, fonts) are not walked; their dictionaries are.
    """
    visited: set[tuple[int, int]] = set()
    pending: list[Any] = [reader.trailer]
    with _read_by_pypdf(name):
        while pending:
            item = pending.pop()
            if isinstance(item, IndirectObject):
                if (item.idnum, item.generation) in visited:
                    continue
                visited.add((item.idnum, item.generation))
                item = item.get_object()
            if isinstance(item, DictionaryObject):
                if _names_active_content(item):
                    return True
                pending.extend(item.values())
            elif isinstance(item, ArrayObject):
                pending.extend(item)
    return False


def _too_complex(name: str) -> ValidationError:
    return ValidationError(
        _(
            "“%(name)s” is far too complex to be a receipt or a report. Please print it to a "
            "new PDF, or send a photo of it."
        )
        % {"name": name}
    )


def _names_active_content(dictionary: DictionaryObject) -> bool:
    """Whether a dictionary's keys or name values are active content, or its /OpenAction is an
    action (a dictionary) rather than a place to open at (an array)."""
    if PDF_ACTIVE_NAMES.intersection(dictionary.keys()):
        return True
    names = (value for value in dictionary.values() if isinstance(value, NameObject))
    if PDF_ACTIVE_NAMES.intersection(names):
        return True
    open_action = dictionary.get("/OpenAction")
    return open_action is not None and isinstance(open_action.get_object(), DictionaryObject)


def _safe_name(name: str, content_type: str) -> str:
    stem = PurePath(name or "file").stem
    cleaned = "".join(c for c in stem if c.isalnum() or c in " ._-（）()")[:80].strip() or "file"
    return cleaned + EXTENSIONS[content_type]


@dataclass(frozen=True)
class _Received:
    """An upload read and recognised by its first bytes, not decoded yet."""

    name: str
    data: bytes
    content_type: str
    # Width × height for an image, from its header alone.
    pixels: int = 0


def _read(upload: UploadedFile) -> _Received:
    name = upload.name or ""
    if upload.size is not None and upload.size > MAX_FILE_BYTES:
        raise ValidationError(
            _("“%(name)s” is %(size)s; each file may be at most %(max)s.")
            % {
                "name": name,
                "size": filesizeformat(upload.size),
                "max": filesizeformat(MAX_FILE_BYTES),
            }
        )
    upload.seek(0)
    data = upload.read(MAX_FILE_BYTES + 1)
    if len(data) > MAX_FILE_BYTES:
        raise ValidationError(
            _("“%(name)s” is larger than %(max)s.")
            % {"name": name, "max": filesizeformat(MAX_FILE_BYTES)}
        )
    content_type = sniff(data[:16])
    if content_type is None:
        raise ValidationError(
            _("“%(name)s” is not a JPEG, PNG or WebP photo or a PDF document.") % {"name": name}
        )
    if content_type == "application/pdf":
        check_pdf(data, name)
        return _Received(name, data, content_type)
    return _Received(name, data, content_type, _pixels(data, name))


def _megapixels(pixels: int) -> str:
    return f"{pixels / 1_000_000:.0f}"


def _pixels(data: bytes, name: str) -> int:
    """The image's width × height, read from its header without decoding a pixel; refused
    when larger than MAX_PIXELS."""
    too_large = _("“%(name)s” has far too many pixels to be a photo; please send a smaller one.")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as probe:
                image_format, (width, height) = probe.format, probe.size
    except (Image.DecompressionBombWarning, Image.DecompressionBombError):
        # Pillow's own limit, far above ours: the header alone told it.
        raise ValidationError(too_large % {"name": name}) from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        raise _unreadable(name) from None
    if image_format not in IMAGE_FORMATS:
        raise _unreadable(name)
    if width * height > MAX_PIXELS:
        raise ValidationError(
            _(
                "“%(name)s” is %(width)d × %(height)d pixels (%(megapixels)s megapixels); a "
                "photo may have at most %(max)s megapixels. Please send a smaller photo."
            )
            % {
                "name": name,
                "width": width,
                "height": height,
                "megapixels": _megapixels(width * height),
                "max": _megapixels(MAX_PIXELS),
            }
        )
    return width * height


def _unreadable(name: str) -> ValidationError:
    return ValidationError(_("“%(name)s” is damaged or not really an image.") % {"name": name})


def _cleaned(received: _Received) -> CheckedFile:
    data = received.data
    if received.content_type != "application/pdf":
        data = _reencode(data, received.name)
    return CheckedFile(
        _safe_name(received.name, received.content_type), data, received.content_type
    )


def check_file(upload: UploadedFile) -> CheckedFile:
    """The upload, checked and cleaned, or a ValidationError that says what is wrong."""
    return _cleaned(_read(upload))


def _reencode(data: bytes, name: str) -> bytes:
    """The photo decoded, turned upright and encoded again (EXIF and location dropped). Its
    size was checked from the header first (``_pixels``)."""
    unreadable = _unreadable(name)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as probe:
                probe.verify()
            with Image.open(io.BytesIO(data)) as image:
                image_format = image.format or "JPEG"
                image.load()
                # Turn the photo upright before its EXIF (with the orientation) is dropped.
                upright = ImageOps.exif_transpose(image)
                output = io.BytesIO()
                if image_format == "JPEG":
                    if upright.mode not in ("RGB", "L"):
                        upright = upright.convert("RGB")
                    upright.save(output, "JPEG", quality=85, optimize=True)
                elif image_format == "PNG":
                    upright.save(output, "PNG", optimize=True)
                else:
                    upright.save(output, "WEBP", quality=85)
    except (
        UnidentifiedImageError,
        OSError,
        SyntaxError,
        ValueError,
        Image.DecompressionBombWarning,
        Image.DecompressionBombError,
    ):
        raise unreadable from None
    return output.getvalue()


def check_files(uploads: list[UploadedFile]) -> list[CheckedFile]:
    if len(uploads) > MAX_FILES:
        raise ValidationError(
            _("You may attach at most %(max)d files; you chose %(count)d.")
            % {"max": MAX_FILES, "count": len(uploads)}
        )
    # Every file is read and its size taken from its header before any photo is decoded.
    received: list[_Received] = []
    errors: list[ValidationError] = []
    for upload in uploads:
        try:
            received.append(_read(upload))
        except ValidationError as error:
            errors.append(error)
    if errors:
        raise ValidationError(errors)
    total = sum(item.pixels for item in received)
    if total > MAX_TOTAL_PIXELS:
        raise ValidationError(
            _(
                "Together your photos have %(megapixels)s megapixels; at most %(max)s "
                "megapixels may be sent at once. Please send fewer or smaller photos."
            )
            % {"megapixels": _megapixels(total), "max": _megapixels(MAX_TOTAL_PIXELS)}
        )
    checked: list[CheckedFile] = []
    for item in received:
        try:
            checked.append(_cleaned(item))
        except ValidationError as error:
            errors.append(error)
    if errors:
        raise ValidationError(errors)
    return checked


# The form field --------------------------------------------------------------------------

ACCEPTED_FILES = "image/jpeg,image/png,image/webp,application/pdf"


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class EvidenceField(forms.FileField):
    """Several files in one input; each is checked by content in ``check_files``."""

    widget = MultipleFileInput(attrs={"accept": ACCEPTED_FILES})

    def clean(self, data: Any, initial: Any = None) -> list[CheckedFile]:
        uploads = data if isinstance(data, list | tuple) else ([data] if data else [])
        uploads = [upload for upload in uploads if isinstance(upload, UploadedFile)]
        if not uploads:
            if self.required:
                raise ValidationError(self.error_messages["required"], code="required")
            return []
        return check_files(uploads)


def _evidence_help() -> str:
    return gettext(
        "Photos (JPEG, PNG, WebP) or PDF receipts, at most %(count)d files of %(size)d MB each. "
        "Location data is removed from photos."
    ) % {"count": MAX_FILES, "size": MAX_FILE_BYTES // (1024 * 1024)}


def _attachments_help() -> str:
    return gettext(
        "Photos (JPEG, PNG, WebP) or PDF documents that support it, at most %(count)d files of "
        "%(size)d MB each. Location data is removed from photos."
    ) % {"count": MAX_FILES, "size": MAX_FILE_BYTES // (1024 * 1024)}


# Filled in when a page is drawn, in its reader's language (a % on a lazy string would fix the
# language in which the module was first imported). A consumer's evidence is mostly receipts;
# a member's objection or appeal is supported by its own documents.
EVIDENCE_HELP = lazy(_evidence_help, str)()
ATTACHMENTS_HELP = lazy(_attachments_help, str)()


# Storing and serving -----------------------------------------------------------------------


def store_evidence(
    model: type[EvidenceFileT], files: Sequence[CheckedFile], **owner: Any
) -> list[EvidenceFileT]:
    """Each checked file saved through the storage (default_storage: a folder or an object
    store) as a row of ``model`` belonging to ``owner`` (``appeal=appeal`` …)."""
    stored = []
    for checked in files:
        evidence = model(
            content_type=checked.content_type,
            original_name=checked.name,
            size=len(checked.content),
            **owner,
        )
        evidence.file.save(checked.name, ContentFile(checked.content), save=False)
        evidence.save()
        stored.append(evidence)
    return stored


def evidence_response(evidence: EvidenceFile) -> FileResponse:
    """A checked file to someone allowed to see it: a photo shown in the browser (it was
    re-encoded when received), anything else as a download; never sniffed, never run, never
    cached."""
    response = FileResponse(
        evidence.file.open("rb"),
        as_attachment=not evidence.is_image,
        filename=evidence.original_name,
        content_type=evidence.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, no-store"
    return response
