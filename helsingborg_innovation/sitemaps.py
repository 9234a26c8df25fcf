"""sitemap.xml: every published page in Swedish and English, with hreflang alternates."""

from collections.abc import Sequence
from functools import cached_property

from django.contrib.sitemaps import Sitemap
from django.db.models import Exists, Max, OuterRef, QuerySet, Subquery
from django.urls import reverse
from taggit.models import Tag

from challenges.models import Challenge
from contributions.models import PUBLISHED_AT, Contribution
from helsingborg_innovation import statistics
from helsingborg_innovation.publishing import PUBLIC_CHANGE
from initiatives.models import Initiative
from methods.models import Method


class InEachLanguage(Sequence):
    """(item, language) for each of `items` and each of `languages`, as Django's sitemaps
    page them, read a page at a time. Django makes the pairs of every item to page them: each
    page of the sitemap of a hundred thousand initiatives read and made all of them (2 s),
    and so did the index, to count its pages."""

    def __init__(self, items, languages: list[str]):
        self.items, self.languages = items, languages

    @cached_property
    def _count(self) -> int:
        items = self.items
        return (items.count() if isinstance(items, QuerySet) else len(items)) * len(self.languages)

    def __len__(self) -> int:
        return self._count

    def __getitem__(self, index):
        if not isinstance(index, slice):
            return self[index : index + 1][0] if index >= 0 else self[len(self) + index]
        start, stop, step = index.indices(len(self))
        each = len(self.languages)
        first = start // each
        rows = self.items[first : -(-stop // each)] if stop > start else []
        pairs = [(item, language) for item in rows for language in self.languages]
        return pairs[start - first * each : stop - first * each : step]


class PortalSitemap(Sitemap):
    i18n = True
    alternates = True
    x_default = True
    # Each URL carries three alternates: 5,000 per page keeps a page near 2 MB and quick.
    limit = 5000

    def _items(self):
        # Every item is in every language here (get_languages_for_item is not overridden).
        return InEachLanguage(self.items(), self._languages())


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


class StatisticsYearsSitemap(PortalSitemap):
    """The statistics of each year the dashboard offers: each is a page of its own, canonical
    at its ?year= (stats_views.dashboard)."""

    changefreq = "daily"

    def items(self) -> list[int]:
        return statistics.dashboard_years()

    def location(self, item: int) -> str:
        return f"{reverse('statistics:dashboard')}?year={item}"


class TagSitemap(PortalSitemap):
    """The page of each tag a published challenge, initiative or method has: a page of its
    own (search_views.tag_detail, which answers 404 for any other tag)."""

    changefreq = "weekly"

    def items(self) -> QuerySet:
        return (
            Tag.objects.filter(
                Exists(Challenge.objects.published().filter(tags__id=OuterRef("pk")))
                | Exists(Initiative.objects.published().filter(tags__id=OuterRef("pk")))
                | Exists(Method.objects.published().filter(tags__id=OuterRef("pk")))
            )
            .only("pk", "slug")
            .order_by("pk")
        )

    def location(self, item: Tag) -> str:
        return reverse("tags:detail", kwargs={"slug": item.slug})


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
    """A challenge's page lists its published ideas: an idea published there changes it."""

    model = Challenge

    def items(self) -> QuerySet:
        ideas = (
            Contribution.objects.published()
            .filter(challenge=OuterRef("pk"))
            .annotate(at=PUBLISHED_AT)
            .order_by("-at")
            .values("at")[:1]
        )
        return super().items().annotate(idea_published_at=Subquery(ideas))

    def lastmod(self, item):
        return max(filter(None, (item.public_change_at, item.idea_published_at)))

    def get_latest_lastmod(self):
        ideas = Contribution.objects.published().of_published_challenges()
        idea_published_at = ideas.aggregate(latest=Max(PUBLISHED_AT))["latest"]
        return max(filter(None, (super().get_latest_lastmod(), idea_published_at)), default=None)


class InitiativeSitemap(PublishedSitemap):
    model = Initiative


class MethodSitemap(PublishedSitemap):
    model = Method


SITEMAPS = {
    "pages": PagesSitemap,
    "challenges": ChallengeSitemap,
    "initiatives": InitiativeSitemap,
    "methods": MethodSitemap,
    "statistics": StatisticsYearsSitemap,
    "tags": TagSitemap,
}
