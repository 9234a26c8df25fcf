"""Ideas shown on the public pages of challenges and initiatives, and the moderation count."""

from collections import Counter

from django import template
from django.db.models import Count, Q
from django.urls import reverse
from django.utils.html import format_html

from challenges.models import Challenge
from contributions.models import Contribution, ContributionStatus, DeclineReason
from helsingborg_innovation.languages import content_lang
from helsingborg_innovation.paging import FirstPageFirstPaginator

register = template.Library()


def _counts(challenge) -> dict:
    """Received, published and declined (by reason) in one query, a row per status and reason."""
    rows = (
        Contribution.objects.filter(challenge=challenge)
        .values_list("status", "decline_reason")
        .annotate(count=Count("pk"))
        .order_by()
    )
    by_status, by_reason = Counter(), Counter()
    for status, reason, count in rows:
        by_status[status] += count
        if status == ContributionStatus.DECLINED:
            by_reason[reason] += count
    return {
        "received": sum(by_status.values()) - by_status[ContributionStatus.SPAM],
        "published": by_status[ContributionStatus.PUBLISHED],
        "declined": by_status[ContributionStatus.DECLINED],
        "declined_by_reason": [
            (reason.label, by_reason[reason]) for reason in DeclineReason if by_reason[reason]
        ],
    }


# Published ideas shown on a challenge's page at a time, newest first.
IDEAS_PER_PAGE = 20


@register.filter
def sender(idea):
    """Who sent a published idea, as its line "From …" names them: a name the sender typed
    is set apart from the sentence around it (<bdi>). In the middle of the sentence, a name in
    Arabic took the date's day with it ("Från 3 ,محمد علی december 2026"), and a name ending
    in a right-to-left override character turned the rest of the line backwards."""
    if idea.show_name and idea.name:
        return format_html("<bdi>{}</bdi>", idea.name)
    return idea.public_name


@register.inclusion_tag("contributions/includes/challenge_ideas.html", takes_context=True)
def challenge_ideas(context, challenge) -> dict:
    """A page of a challenge's published ideas (?page=), its counts and the way to send one:
    two queries. A challenge that draws a thousand ideas still has a page of a readable size
    that is built in the same time."""
    return {
        "challenge": challenge,
        **_ideas_page(context, challenge),
        "content_lang": content_lang(),
    }


@register.simple_tag(takes_context=True)
def challenge_ideas_page(context, challenge):
    """The page of the challenge's ideas that its page shows, for its title to say which."""
    return _ideas_page(context, challenge)["page_obj"]


def _ideas_page(context, challenge) -> dict:
    """The page of ideas (?page=, or the one holding ?idea=) and the counts, found once for
    the page's title and its list of ideas."""
    key = ("challenge_ideas", challenge.pk)
    found = context.render_context.get(key)
    if found is not None:
        return found
    ideas = (
        Contribution.objects.published()
        .filter(challenge=challenge)
        .select_related("initiative")
        .public_columns("initiative")
        .order_by("-created_at", "-pk")
    )
    counts = _counts(challenge)
    paginator = FirstPageFirstPaginator(ideas, IDEAS_PER_PAGE)
    paginator.count = counts["published"]  # counted already, with the rest
    query = context["request"].GET
    number = query.get("page") or _page_holding(challenge, query.get("idea"))
    page = paginator.get_page(number)
    found = {"ideas": page.object_list, "page_obj": page, "paginator": paginator, "counts": counts}
    context.render_context[key] = found  # for the rest of this page's rendering only
    return found


def _page_holding(challenge, reference: str | None) -> int:
    """The page of the challenge's published ideas (newest first) that shows the idea with this
    reference: links to an idea (Contribution.get_public_url) name it, as it moves on to later
    pages while newer ideas are published. The first page when it is not among them."""
    if not reference or not reference.isprintable():  # PostgreSQL refuses NUL in text
        return 1
    ideas = Contribution.objects.published().filter(challenge=challenge)
    idea = ideas.filter(reference=reference).only("pk", "created_at").first()
    if idea is None:
        return 1
    newer = ideas.filter(
        Q(created_at__gt=idea.created_at) | Q(created_at=idea.created_at, pk__gt=idea.pk)
    ).count()
    return newer // IDEAS_PER_PAGE + 1


@register.inclusion_tag("contributions/includes/initiative_ideas.html", takes_context=True)
def initiative_ideas(context, initiative) -> dict:
    """A page of the published ideas that led to an initiative (?page=), newest first, as a
    challenge's page shows its own: one that gathered hundreds had all of them on its page.
    One query while they fit on a page, and a count besides when they do not."""
    return {
        "initiative": initiative,
        **_led_to_page(context, initiative),
        "content_lang": content_lang(),
    }


@register.simple_tag(takes_context=True)
def initiative_ideas_page(context, initiative):
    """The page of the ideas behind an initiative that its page shows, for its title."""
    return _led_to_page(context, initiative)["page_obj"]


def _led_to_page(context, initiative) -> dict:
    """The page of ideas behind the initiative, found once for the page's title and list."""
    key = ("initiative_ideas", initiative.pk)
    found = context.render_context.get(key)
    if found is not None:
        return found
    ideas = (
        Contribution.objects.published()
        .filter(initiative=initiative, challenge__in=_public_challenges())
        .select_related("challenge")
        .public_columns("challenge")
        .order_by("-created_at", "-pk")
    )
    paginator = FirstPageFirstPaginator(ideas, IDEAS_PER_PAGE)
    request = context.get("request")
    number = request.GET.get("page") if request is not None else None
    page = None
    if number in (None, "", "1"):
        first = list(ideas[: IDEAS_PER_PAGE + 1])
        if len(first) <= IDEAS_PER_PAGE:
            paginator.count = len(first)  # all of them: nothing more to count or read
            page = paginator._get_page(first, 1, paginator)
    if page is None:
        page = paginator.get_page(number)
    found = {"ideas": page.object_list, "page_obj": page, "paginator": paginator}
    context.render_context[key] = found  # for the rest of this page's rendering only
    return found


def _public_challenges():
    return Challenge.objects.published().values("pk")


@register.inclusion_tag("contributions/includes/pending_notice.html", takes_context=True)
def pending_ideas_notice(context) -> dict:
    """For the admin index: how many ideas wait, shown to those who may moderate."""
    request = context.get("request")
    if request is None or not request.user.has_perm("contributions.change_contribution"):
        return {"pending": None}
    url = reverse("admin:contributions_contribution_changelist")
    return {
        "pending": Contribution.objects.pending().count(),
        "url": f"{url}?status__exact={ContributionStatus.PENDING}",
    }
