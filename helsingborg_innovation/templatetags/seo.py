"""For search engines, sharing and discovery: canonical links, Open Graph, schema.org JSON-LD,
feed links, and the related content of detail pages.

    {% load seo %}
    {% block head %}{% seo_meta object %}{% feed_links "initiatives" %}{% endblock %}
    {% related_initiatives object %}     on an initiative
    {% method_lessons object %}          on a method
"""

import json

from django import template
from django.contrib.contenttypes.models import ContentType
from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import (
    Exists,
    F,
    OuterRef,
    Q,
    QuerySet,
)
from django.urls import NoReverseMatch, reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from taggit.models import TaggedItem

from helsingborg_innovation import pagecache
from helsingborg_innovation.languages import content_lang
from helsingborg_innovation.publishing import PUBLISHER_NAME
from initiatives.models import Initiative

register = template.Library()

RELATED_INITIATIVES = 4
METHOD_LESSONS = 5
PUBLISHER = {"@type": "GovernmentOrganization", "name": PUBLISHER_NAME}
SCHEMA_TYPES = {
    "challenges.challenge": "CreativeWork",
    "initiatives.initiative": "Project",
    "methods.method": "LearningResource",
}
# The same escapes as Django's json_script: nothing in the data can close the script element.
_JSON_ESCAPES = {ord(">"): "\\u003E", ord("<"): "\\u003C", ord("&"): "\\u0026"}

FEEDS = {
    "challenges": (_("New challenges"), "feeds:challenges_rss", "feeds:challenges_atom"),
    "initiatives": (
        _("New and changed initiatives"),
        "feeds:initiatives_rss",
        "feeds:initiatives_atom",
    ),
    "lessons": (_("Lessons learned"), "feeds:lessons_rss", "feeds:lessons_atom"),
}


def json_ld(data: dict, nonce: str) -> SafeString:
    """A schema.org JSON-LD element, escaped like json_script, carrying the CSP nonce."""
    text = json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False).translate(_JSON_ESCAPES)
    return format_html(
        '<script type="application/ld+json" nonce="{}">{}</script>', nonce, mark_safe(text)
    )


def schema_for(obj, url: str, image_url: str) -> dict:
    data = {
        "@context": "https://schema.org",
        "@type": SCHEMA_TYPES.get(obj._meta.label_lower, "CreativeWork"),
        "name": obj.title,
        "description": obj.summary,
        "url": url,
        "inLanguage": "sv",
        "datePublished": obj.publish_at,
        # When the public last saw it change, as the sitemap's lastmod says (which, of the
        # page, also follows the ideas published on a challenge's): an item saved on Monday
        # to go public on Friday was otherwise modified before it was published.
        "dateModified": obj.public_change_at,
        "publisher": PUBLISHER,
    }
    tags = [tag.name for tag in obj.tags.all()]
    if tags:
        data["keywords"] = tags
    if image_url:
        data["image"] = image_url
    department = getattr(obj, "owner_department", None)
    if department is not None:
        data["sourceOrganization"] = {"@type": "GovernmentOrganization", "name": department.name}
    return data


@register.simple_tag(takes_context=True)
def page_addresses(context) -> SafeString:
    """The page's canonical link and its hreflang alternates, in base.html's head.

    A page with an address of its own (`page_query`: a list, or a page of its ideas, ?page=N
    past the first) names it canonical, and its alternates are that address in each language,
    one of them the canonical itself: a page of a list is canonical to itself, not to the
    first, and neither names ?page=1, a filter or a stray query. Any other page (a filtered
    list, which is not indexed, a search) names no canonical here, and its alternates are the
    same address in the other language, as the language switch is."""
    request, query = context.get("request"), context.get("page_query")
    if request is None:  # the error pages rendered without one (views.bad_request)
        return mark_safe("")
    host = f"{request.scheme}://{request.get_host()}"
    links, canonical = [], None
    for language in context.get("language_links", []):
        address = language["url"] if query is None else language["path"] + query
        if query is not None and language["code"] == get_language():
            canonical = host + address
        links.append(
            format_html(
                '<link rel="alternate" hreflang="{}" href="{}">', language["code"], host + address
            )
        )
    if canonical is not None:
        links.insert(0, format_html('<link rel="canonical" href="{}">', canonical))
    return mark_safe("\n  ".join(links))


@register.simple_tag(takes_context=True)
def seo_meta(context, obj) -> SafeString:
    """Open Graph meta and JSON-LD of a detail page (for the head block); its canonical link
    is the page's (page_addresses), which names the page of its ideas too."""
    request = context["request"]
    url = request.build_absolute_uri(obj.get_absolute_url())
    image_url = request.build_absolute_uri(obj.image.url) if obj.image else ""
    parts = [
        mark_safe('<meta property="og:type" content="article">'),
        format_html('<meta property="og:site_name" content="{}">', _("Innovation Helsingborg")),
        format_html('<meta property="og:title" content="{}">', obj.title),
        format_html('<meta property="og:description" content="{}">', obj.summary),
        format_html('<meta property="og:url" content="{}">', url),
        format_html('<meta property="og:locale" content="{}">', _og_locale(context)),
    ]
    if image_url:
        parts.append(format_html('<meta property="og:image" content="{}">', image_url))
        parts.append(format_html('<meta property="og:image:alt" content="{}">', obj.image_alt))
    # A LazyNonce is falsy until it is first read: read it, so the header carries it too.
    nonce = context.get("csp_nonce")
    parts.append(json_ld(schema_for(obj, url, image_url), "" if nonce is None else str(nonce)))
    return mark_safe("\n  ".join(parts))


def _og_locale(context) -> str:
    language = context.get("LANGUAGE_CODE") or "sv"
    return "en_GB" if language.startswith("en") else "sv_SE"


@register.simple_tag
def feed_links(*names: str) -> SafeString:
    """<link rel="alternate"> elements for the RSS and Atom versions of the named feeds."""
    links = []
    for name in names:
        title, rss, atom = FEEDS[name]
        links.append(
            format_html(
                '<link rel="alternate" type="application/rss+xml" title="{} (RSS)" href="{}">',
                title,
                reverse(rss),
            )
        )
        links.append(
            format_html(
                '<link rel="alternate" type="application/atom+xml" title="{} (Atom)" href="{}">',
                title,
                reverse(atom),
            )
        )
    return mark_safe("\n  ".join(links))


@register.simple_tag
def challenge_ideas_feed_links(challenge) -> SafeString:
    """The feed links of one challenge's published ideas."""
    try:
        rss = reverse("feeds:ideas_rss", kwargs={"slug": challenge.slug})
        atom = reverse("feeds:ideas_atom", kwargs={"slug": challenge.slug})
    except NoReverseMatch:
        return mark_safe("")
    title = _("Ideas for: %(title)s") % {"title": challenge.title}
    return format_html(
        '<link rel="alternate" type="application/rss+xml" title="{} (RSS)" href="{}">\n  '
        '<link rel="alternate" type="application/atom+xml" title="{} (Atom)" href="{}">',
        title,
        rss,
        title,
        atom,
    )


def _content_type() -> ContentType:
    return ContentType.objects.get_for_model(Initiative)


def _links(initiative: Initiative, goal_ids: list, tag_ids: list) -> tuple[str, list]:
    """SQL with a row (iid) for each link another initiative shares with this one: the owner
    department, each global goal and each tag; so an initiative's rows count its links."""
    parts = [Initiative.objects.filter(owner_department_id=initiative.owner_department_id)]
    parts[0] = parts[0].order_by().values(iid=F("pk"))
    if goal_ids:
        goals = Initiative.goals.through.objects.filter(globalgoal__in=goal_ids)
        parts.append(goals.order_by().values(iid=F("initiative_id")))
    if tag_ids:
        tags = TaggedItem.objects.filter(content_type=_content_type(), tag__in=tag_ids)
        parts.append(tags.order_by().values(iid=F("object_id")))
    sql, params = [], []
    for part in parts:
        part_sql, part_params = part.query.get_compiler(using=part.db).as_sql()
        sql.append(part_sql)
        params.extend(part_params)
    return " UNION ALL ".join(sql), params


def related_initiatives_of(initiative: Initiative, limit: int = RELATED_INITIATIVES) -> list:
    """Published initiatives that share tags, global goals or the owner department, the
    most shared first, then the newest. One query.

    Counting the shared links of every initiative that shares any (a quarter of a portfolio of
    100,000 shares a goal) cost a tenth of a second for each initiative page. Only two kinds
    of initiative can make the list, so only they are ranked: those that share two links or
    more (found, and their shared links counted, from the link tables alone), and the `limit`
    newest that share any (all others share one link, as the newest of those do, and are
    older).
    """
    tag_ids = [tag.pk for tag in initiative.tags.all()]
    goal_ids = [goal.pk for goal in initiative.goals.all()]
    published = Initiative.objects.published().exclude(pk=initiative.pk)
    # The newest that share any link, found walking the newest first: each is checked on its
    # own department, then probed for a shared goal or tag.
    shares = Q(owner_department_id=initiative.owner_department_id)
    if goal_ids:
        goals = Initiative.goals.through.objects.filter(globalgoal__in=goal_ids)
        shares |= Exists(goals.filter(initiative=OuterRef("pk")))
    if tag_ids:
        tags = TaggedItem.objects.filter(content_type=_content_type(), tag__in=tag_ids)
        shares |= Exists(tags.filter(object_id=OuterRef("pk")))
    newest = published.filter(shares).order_by("-publish_at", "-pk").values(iid=F("pk"))[:limit]
    newest_sql, newest_params = newest.query.get_compiler(using=newest.db).as_sql()
    links, links_params = _links(initiative, goal_ids, tag_ids)
    # An initiative's rows among the links are the links it shares: counted once, in the
    # grouping that finds the candidates, not again by joining the link tables to them.
    fields = published.order_by().only("pk", "title", "slug", "summary", "phase")
    sql, params = fields.query.get_compiler(using=fields.db).as_sql()
    table = Initiative._meta.db_table
    select, where = sql.split(" WHERE ", 1)
    select = select.split(" FROM ", 1)[0]
    return list(
        Initiative.objects.raw(
            f"{select}, candidates.shared FROM ("
            f"  SELECT iid, max(shared) AS shared FROM ("
            f"    SELECT iid, count(*) AS shared FROM ({links}) AS links"
            f"    GROUP BY iid HAVING count(*) > 1"
            f"    UNION ALL SELECT iid, 1 FROM ({newest_sql}) AS newest"
            f"  ) AS ranked GROUP BY iid"
            f') AS candidates JOIN "{table}" ON "{table}"."id" = candidates.iid'
            f' WHERE {where} ORDER BY candidates.shared DESC, "{table}"."publish_at" DESC,'
            f' "{table}"."id" DESC LIMIT %s',
            [*links_params, *newest_params, *params, limit],
        )
    )


@register.inclusion_tag("includes/seo_related_initiatives.html")
def related_initiatives(initiative: Initiative) -> dict:
    # A third of the initiative page's time at 100,000 initiatives, and the same list in both
    # languages and until an initiative or a goal, tag or department changes.
    related = pagecache.remembered(
        "related-initiatives",
        lambda: related_initiatives_of(initiative),
        initiative.pk,
        kinds=(pagecache.INITIATIVES, pagecache.VOCABULARY),
    )
    return {"initiatives": related, "content_lang": content_lang()}


def lessons_mentioning(method) -> QuerySet:
    """Published lessons learned of initiatives that used the method or name it. One query."""
    return (
        Initiative.objects.published()
        .with_lessons()
        .filter(Q(methods=method) | Q(lessons_learned__icontains=method.title))
        .distinct()
        .only("pk", "title", "slug", "lessons_learned", "phase")
        .order_by("-publish_at", "-pk")[:METHOD_LESSONS]
    )


@register.inclusion_tag("includes/seo_method_lessons.html")
def method_lessons(method) -> dict:
    return {"initiatives": list(lessons_mentioning(method)), "content_lang": content_lang()}


@register.simple_tag
def tag_url(tag) -> str:
    """The page of a tag across every kind of content."""
    return reverse("tags:detail", kwargs={"slug": tag.slug})
