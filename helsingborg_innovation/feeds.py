"""RSS 2.0 and Atom feeds: new challenges, new and changed initiatives, new lessons learned,
and the published ideas of each challenge. Only published content; links are absolute (the
syndication framework adds the scheme and host of the request)."""

from datetime import UTC
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed, Rss201rev2Feed
from django.utils.html import escape, linebreaks
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from challenges.models import Challenge
from contributions.models import Contribution
from helsingborg_innovation.listing import moved_permanently
from helsingborg_innovation.markup import render_markdown
from helsingborg_innovation.publishing import PUBLIC_CHANGE, PUBLISHER_NAME
from initiatives.models import Initiative

ITEMS = 30
# The content itself is written in Swedish, whatever the language of the page around it.
CONTENT_LANGUAGE = "sv"


# What XML 1.0 cannot hold: the C0 controls but tab, line feed and carriage return. Word's
# line break (Shift+Enter) is a vertical tab and its page break a form feed: line feeds here.
NOT_IN_XML = {code: None for code in range(0x20) if code not in (0x09, 0x0A, 0x0D)} | {
    0x0B: "\n",
    0x0C: "\n",
}


def _xml_text(value):
    if isinstance(value, str):
        return value.translate(NOT_IN_XML)
    if isinstance(value, list | tuple):
        return [_xml_text(part) for part in value]
    return value


class XmlTextMixin:
    """Texts a feed is given lose what XML 1.0 cannot hold. Django's feeds refuse it with an
    exception: one idea pasted from Word made its challenge's feed a server error."""

    def __init__(self, *args, **kwargs):
        super().__init__(*map(_xml_text, args), **{k: _xml_text(v) for k, v in kwargs.items()})

    def add_item(self, *args, **kwargs):
        super().add_item(*map(_xml_text, args), **{k: _xml_text(v) for k, v in kwargs.items()})


class DatedWhenEmptyMixin:
    """A feed without entries is dated by its `empty_since` (see the feed's
    `feed_extra_kwargs`), not at each request as Django dates it: its body and ETag were new
    every time, so a reader of a challenge without ideas never got 304 without the page cache."""

    def latest_post_date(self):
        if not self.items and self.feed.get("empty_since"):
            return self.feed["empty_since"]
        return super().latest_post_date()


class RssFeed(XmlTextMixin, DatedWhenEmptyMixin, Rss201rev2Feed):
    pass


class AtomFeed(XmlTextMixin, DatedWhenEmptyMixin, Atom1Feed):
    pass


class AtomVersion:
    """The Atom version of a feed. RFC 4287 asks for an author of the feed or of each of its
    entries, and validators reject a feed without: the city is the author of its feeds (an
    idea's entry names its own sender, which a reader shows instead)."""

    feed_type = AtomFeed
    author_name = PUBLISHER_NAME


def entry_id(item, kind: str) -> str:
    """An entry's id (Atom's id, RSS's guid): a tag: URI (RFC 4151) of the site's domain, the
    day the item was created and its number, such as
    tag:innovation.helsingborg.se,2026-03-01:initiative/42. It was the item's address: when
    an editor changed a slug, every feed reader showed the item again as a new one. Neither
    the host asked (SITE_URL's, not the request's) nor the language of the feed changes it."""
    domain = urlsplit(settings.SITE_URL).hostname
    return f"tag:{domain},{item.created_at.astimezone(UTC):%Y-%m-%d}:{kind}/{item.pk}"


def by_public_change(queryset: QuerySet) -> QuerySet:
    return queryset.alias(changed=PUBLIC_CHANGE).order_by("-changed", "-pk")


class PortalFeed(Feed):
    """What the feeds share: the content's language, titles and summaries, publishing dates."""

    feed_type = RssFeed
    language = CONTENT_LANGUAGE
    # The guid is the entry's id, not its address: the link is.
    item_guid_is_permalink = False

    def item_guid(self, item) -> str:
        return entry_id(item, item._meta.model_name)

    def item_title(self, item) -> str:
        return item.title

    def item_description(self, item) -> str:
        # A description is HTML to a feed reader; a summary is plain text ("5 < 10").
        return escape(item.summary)

    def item_pubdate(self, item):
        return item.publish_at

    def item_updateddate(self, item):
        return item.public_change_at

    def item_categories(self, item) -> list[str]:
        return [tag.name for tag in item.tags.all()]


class ChallengesFeed(PortalFeed):
    title = _("New challenges – Innovation Helsingborg")
    description = _("Challenges the city of Helsingborg wants ideas for.")

    def link(self) -> str:
        return reverse("challenges:list")

    def items(self) -> QuerySet:
        return (
            Challenge.objects.published()
            .prefetch_related("tags")
            .order_by("-publish_at", "-pk")[:ITEMS]
        )


class ChallengesAtomFeed(AtomVersion, ChallengesFeed):
    subtitle = ChallengesFeed.description


class InitiativesFeed(PortalFeed):
    title = _("New and changed initiatives – Innovation Helsingborg")
    description = _("The city's innovation portfolio: initiatives that are new or have changed.")

    def link(self) -> str:
        return reverse("initiatives:list")

    def items(self) -> QuerySet:
        return by_public_change(Initiative.objects.published().prefetch_related("tags"))[:ITEMS]

    def item_pubdate(self, item):
        # "New and changed": a changed initiative comes back to the top of readers' lists.
        return item.public_change_at


class InitiativesAtomFeed(AtomVersion, InitiativesFeed):
    subtitle = InitiativesFeed.description


class LessonsFeed(PortalFeed):
    title = _("Lessons learned – Innovation Helsingborg")
    description = _("What the city learned from its initiatives, including those it stopped.")

    def link(self) -> str:
        return reverse("lessons:list")

    def items(self) -> QuerySet:
        return by_public_change(
            Initiative.objects.published().with_lessons().prefetch_related("tags")
        )[:ITEMS]

    def item_guid(self, item) -> str:
        # Not the initiative's own entry (InitiativesFeed): another text, an entry of its own.
        return entry_id(item, "initiative") + "/lessons"

    def item_title(self, item) -> str:
        return str(_("Lessons from: %(title)s") % {"title": item.title})

    def item_description(self, item) -> str:
        return render_markdown(item.lessons_learned)

    def item_pubdate(self, item):
        return item.public_change_at


class LessonsAtomFeed(AtomVersion, LessonsFeed):
    subtitle = LessonsFeed.description


class ChallengeIdeasFeed(Feed):
    """The published ideas of one published challenge. Never the sender's e-mail; their name
    only where they allowed it."""

    feed_type = RssFeed
    language = CONTENT_LANGUAGE
    description = _("Ideas sent in and published for this challenge.")
    item_guid_is_permalink = False

    def __call__(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        """The feed, or a redirect to it from an address it had before its challenge's slug
        was changed: readers subscribed to it, and links already shared, still lead to it."""
        try:
            return super().__call__(request, *args, **kwargs)
        except Http404:
            moved = Challenge.moved(kwargs["slug"], Challenge.objects.published())
            if moved is None:
                raise
            address = reverse(request.resolver_match.view_name, kwargs={"slug": moved.slug})
            return moved_permanently(request, address)

    def get_object(self, request: HttpRequest, slug: str) -> Challenge:
        return get_object_or_404(Challenge.objects.published(), slug=slug)

    def title(self, challenge: Challenge) -> str:
        return str(_("Ideas for: %(title)s") % {"title": challenge.title})

    def link(self, challenge: Challenge) -> str:
        return challenge.get_absolute_url()

    def feed_extra_kwargs(self, challenge: Challenge) -> dict:
        return {"empty_since": challenge.public_change_at}

    def items(self, challenge: Challenge) -> QuerySet:
        return (
            Contribution.objects.published_newest_first()
            .filter(challenge=challenge)
            .select_related("challenge")
            .public_columns("challenge")[:ITEMS]
        )

    def item_title(self, idea: Contribution) -> str:
        return idea.title

    def item_description(self, idea: Contribution) -> str:
        # What a resident typed, as the challenge page shows it: escaped, in its paragraphs.
        return linebreaks(idea.text, autoescape=True)

    def item_link(self, idea: Contribution) -> str:
        return idea.get_public_url()

    def item_guid(self, idea: Contribution) -> str:
        # Not its address, which holds its challenge's slug.
        return entry_id(idea, "contribution")

    def item_author_name(self, idea: Contribution) -> str:
        if idea.show_name and idea.name:
            return idea.name
        # Words that followed "From" stand alone here: "En invånare", not "en invånare".
        return capfirst(str(idea.public_name))

    def item_pubdate(self, idea: Contribution):
        # The time the ideas are ordered by (PUBLISHED_AT).
        return idea.decided_at or idea.created_at

    # Atom asks every entry for one; an idea's public part is set when it is decided.
    item_updateddate = item_pubdate


class ChallengeIdeasAtomFeed(AtomVersion, ChallengeIdeasFeed):
    subtitle = ChallengeIdeasFeed.description
