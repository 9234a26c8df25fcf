"""How to show a stored image: sources, srcset, sizes, width and height, from its row alone."""

from dataclasses import dataclass

from django import template
from django.db.models.fields.files import ImageFieldFile

from helsingborg_innovation.images import rendition_name

register = template.Library()


@dataclass(frozen=True)
class Picture:
    src: str
    width: int | None = None
    height: int | None = None
    srcset: str = ""
    webp_srcset: str = ""
    sizes: str = ""


@register.simple_tag
def picture_of(image: ImageFieldFile, max_width: int, max_height: int = 0) -> Picture | None:
    """The image's renditions, or the original alone when it has none (stored before them, or
    animated), or None without an image. max_width and max_height are the largest the layout
    shows it, in CSS pixels (0: no limit on the height).

    Reads only the row (no query, no storage access): a file missing from storage costs the
    visitor the image, never the page.
    """
    if not image:
        return None
    item, field = image.instance, image.field
    width = getattr(item, field.width_field)
    height = getattr(item, field.height_field)
    renditions = getattr(item, field.renditions_field) or {}
    widths = renditions.get("widths") or []
    if not (widths and width and height):
        return Picture(src=image.url, width=width, height=height)

    def srcset(extension: str) -> str:
        return ", ".join(
            f"{image.storage.url(rendition_name(image.name, w, extension))} {w}w" for w in widths
        )

    # The slot never exceeds the image's own width, so a small image is not blown up, nor the
    # width that the layout's height limit leaves a tall one.
    slot = min(width, max_width)
    if max_height:
        slot = min(slot, round(max_height * width / height))
    fallback = renditions["fallback"]
    return Picture(
        src=image.storage.url(rendition_name(image.name, widths[-1], fallback)),
        width=width,
        height=height,
        srcset=srcset(fallback),
        webp_srcset=srcset("webp"),
        sizes=f"(min-width: {slot}px) {slot}px, 100vw",
    )
