"""Uploads are checked by what they contain, not by what they are called, and stored where
nobody can guess them."""

import codecs
import secrets
import zipfile
from decimal import Decimal
from pathlib import PurePosixPath

from django.conf import settings
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from PIL import Image, UnidentifiedImageError

from helsingborg_innovation.storage import safe_name

ALLOWED_IMAGE_FORMATS = {"JPEG", "PNG", "WEBP", "GIF"}

# What an attachment may be, recognised by its first bytes. Office Open XML and OpenDocument
# files are ZIP archives; the extension then tells which of them it claims to be.
ATTACHMENT_SIGNATURES = {
    ".pdf": [b"%PDF-"],
    ".docx": [b"PK\x03\x04"],
    ".xlsx": [b"PK\x03\x04"],
    ".pptx": [b"PK\x03\x04"],
    ".odt": [b"PK\x03\x04"],
    ".ods": [b"PK\x03\x04"],
    ".odp": [b"PK\x03\x04"],
    ".png": [b"\x89PNG\r\n\x1a\n"],
    ".jpg": [b"\xff\xd8\xff"],
    ".jpeg": [b"\xff\xd8\xff"],
}
TEXT_EXTENSIONS = {".txt", ".csv", ".md"}

# What the ZIP archive of an office document holds: a member every such file has, or for
# OpenDocument the content of its "mimetype" member.
OFFICE_MEMBERS = {
    ".docx": "word/document.xml",
    ".xlsx": "xl/workbook.xml",
    ".pptx": "ppt/presentation.xml",
}
OPENDOCUMENT_TYPES = {
    ".odt": b"application/vnd.oasis.opendocument.text",
    ".ods": b"application/vnd.oasis.opendocument.spreadsheet",
    ".odp": b"application/vnd.oasis.opendocument.presentation",
}


def _unguessable(folder: str, filename: str) -> str:
    """`<folder>/<year>/<month>/<random>/<name as uploaded>`. Media files are served to
    anyone who has their address: under the name as uploaded, the image of a draft, or one
    replaced by a better one, could be found by guessing (found by review). The random
    folder keeps the name people see when they download an attachment, made safe but with its
    spaces, punctuation and letters (storage.safe_name)."""
    return f"{folder}/{timezone.now():%Y/%m}/{secrets.token_urlsafe(12)}/{safe_name(filename)}"


def image_path(instance, filename: str) -> str:
    return _unguessable("images", filename)


def attachment_path(instance, filename: str) -> str:
    return _unguessable("attachments", filename)


def _already_stored(file) -> bool:
    """A file saved earlier was checked when it was uploaded; it is not read again on every
    save (it may live on remote storage, and limits may have changed since)."""
    return getattr(file, "_committed", False) is True


def _zip_holds(file, extension: str) -> bool:
    try:
        with zipfile.ZipFile(file) as archive:
            names = set(archive.namelist())
            if extension in OFFICE_MEMBERS:
                return "[Content_Types].xml" in names and OFFICE_MEMBERS[extension] in names
            if "mimetype" not in names:
                return False
            with archive.open("mimetype") as member:
                return member.read(100).strip() == OPENDOCUMENT_TYPES[extension]
    except (zipfile.BadZipFile, OSError, KeyError, EOFError):
        return False
    finally:
        file.seek(0)


def _size_check(file, limit: int) -> None:
    if file.size is not None and file.size > limit:
        raise ValidationError(
            _("The file is %(size)s; the largest allowed is %(limit)s.")
            % {"size": filesizeformat(file.size), "limit": filesizeformat(limit)},
            code="too_large",
        )


def allowed_attachment_types() -> str:
    return ", ".join(sorted(e.lstrip(".") for e in {*ATTACHMENT_SIGNATURES, *TEXT_EXTENSIONS}))


def image_help() -> str:
    """What the image field takes, said before an upload rather than in its refusal."""
    return _("JPEG, PNG, WebP or GIF, at most %(size)s and %(limit)s megapixels.") % {
        "size": filesizeformat(settings.IMAGE_MAX_BYTES),
        "limit": _megapixels(settings.IMAGE_MAX_PIXELS),
    }


def attachment_help() -> str:
    """What an attachment may be, said before an upload rather than in its refusal."""
    return _("Allowed types: %(allowed)s; at most %(size)s.") % {
        "allowed": allowed_attachment_types(),
        "size": filesizeformat(settings.ATTACHMENT_MAX_BYTES),
    }


def _megapixels(pixels: int) -> str:
    """Millions of pixels to three significant digits, as the language writes numbers."""
    return number_format(Decimal(f"{pixels / 1_000_000:.3g}"))


def validate_image(file) -> None:
    """Refuse images that are too large, not really images, or of a format we do not serve."""
    if _already_stored(file):
        return
    _size_check(file, settings.IMAGE_MAX_BYTES)
    position = file.tell() if hasattr(file, "tell") else 0
    try:
        file.seek(0)
        with Image.open(file) as image:
            width, height = image.size
            image_format = image.format
            if width * height > settings.IMAGE_MAX_PIXELS:
                raise ValidationError(
                    _(
                        "The image is %(w)s×%(h)s pixels, %(size)s megapixels; the largest "
                        "allowed is %(limit)s megapixels. Make it smaller and upload it again."
                    )
                    % {
                        "w": width,
                        "h": height,
                        "size": _megapixels(width * height),
                        "limit": _megapixels(settings.IMAGE_MAX_PIXELS),
                    },
                    code="too_many_pixels",
                )
            # Every frame of an animation is decoded when it is stored (images.py), so the
            # limit is on them all: a 1.4 MB GIF of 100 frames of 4000×4000 passed the check of
            # its first frame and took 2 GB. Counting frames skips their data; it decodes none.
            frames = getattr(image, "n_frames", 1)
            if frames > 1 and width * height * frames > settings.IMAGE_MAX_PIXELS:
                raise ValidationError(
                    _(
                        "The animation has %(n)s frames of %(w)s×%(h)s pixels, %(size)s "
                        "megapixels together; the largest allowed is %(limit)s megapixels. "
                        "Make it smaller or shorter and upload it again."
                    )
                    % {
                        "n": frames,
                        "w": width,
                        "h": height,
                        "size": _megapixels(width * height * frames),
                        "limit": _megapixels(settings.IMAGE_MAX_PIXELS),
                    },
                    code="too_many_pixels",
                )
            image.verify()
        # verify() reads the structure but decodes nothing, and a truncated image passes it;
        # the upload is decoded once in full here, within the pixel limit checked above.
        file.seek(0)
        with Image.open(file) as image:
            image.load()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise ValidationError(
            _("The file is not an image we can read (use JPEG, PNG, WebP or GIF)."),
            code="not_an_image",
        ) from None
    finally:
        file.seek(position)
    if image_format not in ALLOWED_IMAGE_FORMATS:
        raise ValidationError(_("Images must be JPEG, PNG, WebP or GIF."), code="image_format")


def _text_in_another_encoding(head: bytes) -> bool:
    """Whether the start of a file is text in the encodings Excel saves it in besides UTF-8:
    UTF-16 with its byte order mark ("Unicode text"), or Windows-1252 (a CSV file saved on a
    Swedish Windows), which has no control characters but tabs and line ends."""
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return True
    try:
        text = head.decode("cp1252")
    except UnicodeDecodeError:
        return False
    return not any((ord(c) < 32 and c not in "\t\r\n\f") or c == "\x7f" for c in text)


def validate_attachment(file) -> None:
    """Refuse attachments whose content does not match an allowed type, or that are too large."""
    if _already_stored(file):
        return
    _size_check(file, settings.ATTACHMENT_MAX_BYTES)
    extension = PurePosixPath((file.name or "").lower()).suffix
    allowed = allowed_attachment_types()
    if extension not in ATTACHMENT_SIGNATURES and extension not in TEXT_EXTENSIONS:
        raise ValidationError(
            _("Files of this type are not accepted. Allowed types: %(allowed)s.")
            % {"allowed": allowed},
            code="file_type",
        )
    file.seek(0)
    head = file.read(2048)
    file.seek(0)
    if extension in TEXT_EXTENSIONS:
        try:
            # Incremental: the first 2048 bytes may end inside a multi-byte character.
            decoder = codecs.getincrementaldecoder("utf-8")()
            text = decoder.decode(head, final=False) if isinstance(head, bytes) else head
        except UnicodeDecodeError:
            text = None
        if text is not None and "\x00" not in text:
            return
        if isinstance(head, bytes) and _text_in_another_encoding(head):
            raise ValidationError(
                _(
                    "The file is called %(ext)s but is not saved as UTF-8. Save it as UTF-8 "
                    "(in Excel: “CSV UTF-8”) and upload it again."
                )
                % {"ext": extension},
                code="not_utf8",
            )
        raise ValidationError(
            _("The file is called %(ext)s but is not plain text.") % {"ext": extension},
            code="disguised",
        )
    if not any(head.startswith(signature) for signature in ATTACHMENT_SIGNATURES[extension]):
        raise ValidationError(
            _("The file is called %(ext)s but its content is something else.") % {"ext": extension},
            code="disguised",
        )
    if extension in {*OFFICE_MEMBERS, *OPENDOCUMENT_TYPES} and not _zip_holds(file, extension):
        raise ValidationError(
            _("The file is called %(ext)s but its content is something else.") % {"ext": extension},
            code="disguised",
        )
