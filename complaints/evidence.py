"""Checking the consumer's evidence files: by their content, never by their names.

Photos (JPEG, PNG, WebP) are opened with Pillow, verified and re-encoded, which drops EXIF
and any location data; PDFs must start and end as a PDF does. Anything else is refused.
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass
from pathlib import PurePath

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

MAX_FILES = 5
MAX_FILE_BYTES = 5 * 1024 * 1024
# Larger images are refused before decoding: a tiny file can unpack into gigabytes of pixels.
MAX_PIXELS = 40_000_000

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


def _safe_name(name: str, content_type: str) -> str:
    stem = PurePath(name or "file").stem
    cleaned = "".join(c for c in stem if c.isalnum() or c in " ._-（）()")[:80].strip() or "file"
    return cleaned + EXTENSIONS[content_type]


def check_file(upload: UploadedFile) -> CheckedFile:
    """The upload, checked and cleaned, or a ValidationError that says what is wrong."""
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
        # A real PDF ends with an end-of-file marker; a truncated or disguised file does not.
        if b"%%EOF" not in data[-2048:]:
            raise ValidationError(_("“%(name)s” is not a complete PDF document.") % {"name": name})
        return CheckedFile(_safe_name(name, content_type), data, content_type)
    return CheckedFile(_safe_name(name, content_type), _reencode(data, name), content_type)


def _reencode(data: bytes, name: str) -> bytes:
    unreadable = ValidationError(
        _("“%(name)s” is damaged or not really an image.") % {"name": name}
    )
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as probe:
                if probe.format not in IMAGE_FORMATS:
                    raise unreadable
                if probe.width * probe.height > MAX_PIXELS:
                    raise ValidationError(
                        _("“%(name)s” has too many pixels; please send a smaller photo.")
                        % {"name": name}
                    )
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
    except ValidationError:
        raise
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
    checked: list[CheckedFile] = []
    errors: list[ValidationError] = []
    for upload in uploads:
        try:
            checked.append(check_file(upload))
        except ValidationError as error:
            errors.append(error)
    if errors:
        raise ValidationError(errors)
    return checked
