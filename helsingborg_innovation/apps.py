from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SiteConfig(AppConfig):
    name = "helsingborg_innovation"
    label = "site"
    verbose_name = _("Shared vocabulary")

    def ready(self):
        from helsingborg_innovation import pagecache

        pagecache.connect_signals()
