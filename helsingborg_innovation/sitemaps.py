"""sitemap.xml: every published page in Swedish and English, with hreflang alternates."""

from django.contrib.sitemaps import Sitemap
from django.db.models import Max, QuerySet
from django.urls import reverse

from challenges.models import Challenge
from helsingborg_innovation.publishing import PUBLIC_CHANGE
from initiatives.models import Initiative
from methods.models import Method


class PortalSitemap(Sitemap):
    i18n = True
    alternates = True
    x_default = True
    # Each URL carries three alternates: 5,000 per page keeps a page near 2 MB and quick.
    limit = 5000


class PagesSitemap(PortalSitemap):
    """The pages that are not content items: home, lists, statistics, open data and the info
    pages."""

    changefreq = "daily"

    def items(self) -> list[str]:
        return [
            "home",
            "challenges:list",
            "initiatives:list",
            "lessons:list",
            "methods:list",
            "statistics:dashboard",
            "opendata:index",
            "pages:about",
            "pages:accessibility",
            "pages:personal_data",
        ]

    def location(self, item: str) -> str:
        return reverse(item)


class PublishedSitemap(PortalSitemap):
    model = None

    def items(self) -> QuerySet:
        return (
            self.model.objects.published()
            .only("pk", "slug", "updated_at", "publish_at")
            .order_by("pk")
        )

    def lastmod(self, item):
        # A scheduled item is modified when it goes public: crawlers come back for it.
        return item.public_change_at

    def get_latest_lastmod(self):
        # For the index: one aggregate instead of reading every item.
        return self.model.objects.published().aggregate(latest=Max(PUBLIC_CHANGE))["latest"]


class ChallengeSitemap(PublishedSitemap):
    model = Challenge


class InitiativeSitemap(PublishedSitemap):
    model = Initiative


class MethodSitemap(PublishedSitemap):
    model = Method


SITEMAPS = {
    "pages": PagesSitemap,
    "challenges": ChallengeSitemap,
    "initiatives": InitiativeSitemap,
    "methods": MethodSitemap,
}
