"""Bring stored images up to what a new upload gets: upright, without metadata, with renditions.

An image stored before renditions existed still carries whatever metadata it came with, so it is
stored again through image_store, under a new name, and the old file is deleted: its address,
and the location it may give away, stop working. An image processed already keeps its original;
--rebuild remakes its renditions (after a change of RENDITION_WIDTHS, for example). A file
missing from storage, or one that cannot be read, is reported and left as it is.
"""

from pathlib import PurePosixPath

from django.apps import apps
from django.core.files.base import ContentFile
from django.core.management.base import BaseCommand
from PIL import Image

from helsingborg_innovation.images import ResponsiveImageField, image_store, renditions_build


class Command(BaseCommand):
    help = "Strip metadata from stored images not yet processed and make their renditions."

    def add_arguments(self, parser):
        parser.add_argument(
            "--rebuild",
            action="store_true",
            help="Also remake the renditions of images processed already.",
        )

    def handle(self, *args, rebuild: bool, **options):
        done = failed = 0
        for model, field in _image_fields():
            rows = model._default_manager.exclude(**{field.name: ""})
            # One row at a time, and no cursor left open across the writes.
            for pk in list(rows.order_by("pk").values_list("pk", flat=True)):
                item = rows.get(pk=pk)
                image = getattr(item, field.attname)
                processed = bool(getattr(item, field.renditions_field))
                if processed and not rebuild:
                    continue
                old_name = image.name
                try:
                    if processed:
                        renditions_build(image=image)
                    else:
                        with image.open("rb"):
                            content = image.read()
                        name = PurePosixPath(old_name).name
                        setattr(item, field.attname, ContentFile(content, name=name))
                        image_store(image=getattr(item, field.attname))
                except (OSError, Image.DecompressionBombError) as error:
                    # A missing file, and an unreadable or truncated image, are all OSErrors.
                    self.stderr.write(f"{model._meta.label} {item.pk} ({old_name}): {error}")
                    failed += 1
                    continue
                # A save per row, so the page cache sees every change; updated_at is left alone.
                item.save(
                    update_fields=[
                        field.name,
                        field.width_field,
                        field.height_field,
                        field.renditions_field,
                    ]
                )
                if getattr(item, field.attname).name != old_name:
                    image.storage.delete(old_name)
                done += 1
        self.stdout.write(f"{done} images processed, {failed} left as they were.")


def _image_fields():
    for model in apps.get_models():
        for field in model._meta.fields:
            if isinstance(field, ResponsiveImageField):
                yield model, field
