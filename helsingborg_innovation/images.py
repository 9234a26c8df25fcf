"""Uploaded images: stored upright and without metadata, with renditions for srcset.

A new upload goes through `image_store` before its row is saved (the admin's save_model calls
it). The original is turned upright by its EXIF orientation and re-encoded in its own format
without EXIF, XMP, comments or text chunks (phone photos carry the GPS position where they were
taken), keeping only its colour profile, which it needs to show its colours right. Renditions are
made beside it at a few widths, never wider than the original, in WebP and in JPEG (PNG when the
image has transparency), converted to sRGB and carrying no metadata at all. Their names follow
from the original's: `<original name>.renditions/<width>w.<webp|jpg|png>`, a folder no upload
can be stored in. The row records the original's size and the renditions made, so a page can
write srcset, width and height without asking the storage anything.

This is an explicit step, not a side effect of Model.save(): decoding and encoding an image and
writing seven files is slow and must not happen on every save for an unrelated change.
"""

import io
from pathlib import PurePosixPath

from django.core.files.base import ContentFile
from django.core.files.storage import Storage
from django.db import models
from django.db.models.fields.files import ImageFieldFile
from PIL import Image, ImageCms, ImageOps, ImageSequence

RENDITION_WIDTHS = (480, 960, 1600)

# What a re-encoded image keeps of what came with it: how to show it, never who took it, where,
# when or with what.
KEPT_INFO = {"icc_profile", "transparency", "duration", "loop", "background", "disposal"}

# Originals keep their format; a JPEG is re-encoded at a quality that hides the second pass.
ORIGINAL_OPTIONS = {
    "JPEG": {"quality": 90, "optimize": True},
    "PNG": {},
    "WEBP": {"quality": 90},
    "GIF": {},
}
# The extension a stored original gets, from what it is rather than what it was called.
EXTENSIONS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp", "GIF": "gif"}
WEBP_OPTIONS = {"format": "WEBP", "quality": 80, "method": 5}
FALLBACKS = {
    "jpg": {"format": "JPEG", "quality": 82, "optimize": True, "progressive": True},
    "png": {"format": "PNG", "optimize": True},
}

SRGB = ImageCms.createProfile("sRGB")


class ResponsiveImageField(models.ImageField):
    """An ImageField that also names the field recording its renditions, and that measures only
    a file being uploaded.

    Django's ImageField opens a stored file to measure it whenever a row without a recorded size
    is loaded, and whenever a form assigns the file again: slow on remote storage, and a server
    error when the file has gone missing. Here a stored file keeps the size on its row; a new
    file (or none) is measured in memory and forgets the renditions of the file it replaces.
    """

    def __init__(self, *args, renditions_field: str | None = None, **kwargs):
        self.renditions_field = renditions_field
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        if self.renditions_field:
            kwargs["renditions_field"] = self.renditions_field
        return name, path, args, kwargs

    def update_dimension_fields(self, instance, force=False, *args, **kwargs):
        if self.attname not in instance.__dict__:
            return
        file = getattr(instance, self.attname)
        if file and file._committed:
            return
        super().update_dimension_fields(instance, force, *args, **kwargs)
        if force and self.renditions_field:
            setattr(instance, self.renditions_field, {})


def rendition_widths(width: int) -> list[int]:
    """The widths made of an image this wide: the set widths below its own, then its own width
    or the largest set width, whichever is smaller. Never wider than the original."""
    widest = min(width, RENDITION_WIDTHS[-1])
    return [w for w in RENDITION_WIDTHS if w < widest] + [widest]


def rendition_name(name: str, width: int, extension: str) -> str:
    return f"{name}.renditions/{width}w.{extension}"


def discard_renditions(*, file, file_name: str, success: bool, **kwargs) -> None:
    """After django-cleanup deleted a replaced or deleted image, its renditions go too: they
    were as public as the image, and only the image is known to the field."""
    if not success or not isinstance(getattr(file, "field", None), ResponsiveImageField):
        return
    folder = f"{file_name}.renditions"
    try:
        _directories, names = file.storage.listdir(folder)
    except FileNotFoundError:
        return
    for name in names:
        file.storage.delete(f"{folder}/{name}")


def image_store(*, image: ImageFieldFile) -> None:
    """Store a new upload upright and without metadata, make its renditions and note them on
    the row; the caller saves the row. The upload must have passed `validate_image`."""
    if image._committed:
        raise ValueError(f"{image.name} is stored already; use renditions_build.")
    upload = image.file
    upload.seek(0)
    with Image.open(upload) as source:
        image_format = source.format
        frames = _clean_frames(source)
    original = _encode(frames, format=image_format, **ORIGINAL_OPTIONS[image_format])
    # Measures the new content in memory (see ResponsiveImageField) and forgets old renditions.
    name = f"{PurePosixPath(image.name).stem}.{EXTENSIONS[image_format]}"
    image.save(name, ContentFile(original, name=name), save=False)
    _note_renditions(image, frames)


def renditions_build(*, image: ImageFieldFile) -> None:
    """(Re)make the renditions of a stored image and note them and its size on the row; the
    caller saves the row. Opens the file, which must exist."""
    with image.open("rb"), Image.open(image) as source:
        frames = _clean_frames(source)
    field = image.field
    setattr(image.instance, field.width_field, frames[0].width)
    setattr(image.instance, field.height_field, frames[0].height)
    _note_renditions(image, frames)


def _note_renditions(image: ImageFieldFile, frames: list[Image.Image]) -> None:
    setattr(image.instance, image.field.renditions_field, _make_renditions(image, frames))


def _clean_frames(source: Image.Image) -> list[Image.Image]:
    """Upright copies of the image's frames, keeping only what they need to be shown."""
    frames = []
    for frame in ImageSequence.Iterator(source):
        upright = ImageOps.exif_transpose(frame)
        upright.info = {key: value for key, value in frame.info.items() if key in KEPT_INFO}
        frames.append(upright)
    return frames


def _encode(frames: list[Image.Image], **options) -> bytes:
    first, *rest = frames
    if icc_profile := first.info.get("icc_profile"):
        options["icc_profile"] = icc_profile  # JPEG and WebP write only the profile given
    if rest:
        options |= {
            "save_all": True,
            "append_images": rest,
            "duration": [frame.info.get("duration", 0) for frame in frames],
        }
        if "loop" in first.info:
            options["loop"] = first.info["loop"]
    buffer = io.BytesIO()
    first.save(buffer, **options)
    return buffer.getvalue()


def _make_renditions(image: ImageFieldFile, frames: list[Image.Image]) -> dict:
    """Store the renditions; return what the row records of them. An animated image gets
    none: it is shown as uploaded rather than frozen on its first frame."""
    if len(frames) > 1:
        return {"widths": [], "fallback": ""}
    base = _in_srgb(frames[0])
    fallback = "png" if base.mode == "RGBA" else "jpg"
    widths = rendition_widths(base.width)
    # Widest first, each made from the one before: a phone photo of 4,000 pixels is read in
    # full once, not three times (a fifth of the time it took to store).
    scaled = base
    for width in sorted(widths, reverse=True):
        if width != scaled.width:
            height = max(1, round(base.height * width / base.width))
            scaled = scaled.resize((width, height), Image.Resampling.LANCZOS, reducing_gap=3.0)
        for extension, options in [("webp", WEBP_OPTIONS), (fallback, FALLBACKS[fallback])]:
            _store(image.storage, rendition_name(image.name, width, extension), scaled, options)
    return {"widths": widths, "fallback": fallback}


def _in_srgb(image: Image.Image) -> Image.Image:
    """The image as RGB, or RGBA when it has any transparency, in sRGB: the colour space a
    browser assumes of an image without a profile."""
    has_alpha = image.mode in {"RGBA", "LA", "PA", "RGBa", "La"} or "transparency" in image.info
    mode = "RGBA" if has_alpha else "RGB"
    converted = None
    if icc_profile := image.info.get("icc_profile"):
        try:
            source_profile = ImageCms.ImageCmsProfile(io.BytesIO(icc_profile))
            converted = ImageCms.profileToProfile(image, source_profile, SRGB, outputMode=mode)
        except (ImageCms.PyCMSError, OSError):
            pass  # a broken profile, or one unfit for the image: take the colours as they are
    if converted is None:
        converted = image.convert(mode)
    converted.info = {}
    if mode == "RGBA" and converted.getchannel("A").getextrema()[0] == 255:
        return converted.convert("RGB")  # transparency in name only: a JPEG is far smaller
    return converted


def _store(storage: Storage, name: str, image: Image.Image, options: dict) -> None:
    """Write a rendition under its own name, replacing any earlier one."""
    if storage.exists(name):
        storage.delete(name)
    stored = storage.save(name, ContentFile(_encode([image], **options)))
    if stored != name:
        raise RuntimeError(f"The storage saved {name} as {stored}; renditions need their names.")
