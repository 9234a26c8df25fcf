from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _
from taggit.apps import TaggitAppConfig


class SiteConfig(AppConfig):
    default = True  # the module holds TagsConfig too
    name = "helsingborg_innovation"
    label = "site"
    verbose_name = _("Shared vocabulary")

    def ready(self):
        from django.db.backends.signals import connection_created
        from django.db.models import fields
        from django_cleanup.signals import cleanup_post_delete

        from helsingborg_innovation import images, pagecache, search

        pagecache.connect_signals()
        connection_created.connect(search.register_sqlite_functions, dispatch_uid="casefold")
        cleanup_post_delete.connect(images.discard_renditions, dispatch_uid="discard_renditions")
        # The empty choice of every select, new in Django 6.1 and not yet in its Swedish
        # catalogue; the same words from ours.
        fields.BLANK_CHOICE_LABEL = _("- Select an option -")


class TagsConfig(TaggitAppConfig):
    """django-taggit, named in the admin as the staff call it ("Taggit" otherwise)."""

    verbose_name = _("Tags")
