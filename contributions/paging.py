"""The page of published ideas a challenge's or an initiative's page shows (?page=, or the one
holding ?idea=): found by the page's view, which names that page its address (page_query), and
shown by the template tags (templatetags.contributions)."""

from collections import Counter

from django.db.models import Count, Q
from django.http import QueryDict

from challenges.models import Challenge
from contributions.models import Contribution, ContributionStatus, DeclineReason
from helsingborg_innovation.paging import FirstPageFirstPaginator

# Published ideas shown on a challenge's page at a time, newest first.
IDEAS_PER_PAGE = 20


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


def challenge_ideas_page(challenge, query: QueryDict) -> dict:
    """The page of the challenge's published ideas (?page=, or the one holding ?idea=) and its
    counts: two queries."""
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
    number = query.get("page") or _page_holding(challenge, query.get("idea"))
    page = paginator.get_page(number)
    return {"ideas": page.object_list, "page_obj": page, "paginator": paginator, "counts": counts}


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


def initiative_ideas_page(initiative, query: QueryDict) -> dict:
    """The page of the published ideas that led to the initiative (?page=), newest first. One
    query while they fit on a page, and a count besides when they do not."""
    ideas = (
        Contribution.objects.published()
        .filter(initiative=initiative, challenge__in=_public_challenges())
        .select_related("challenge")
        .public_columns("challenge")
        .order_by("-created_at", "-pk")
    )
    paginator = FirstPageFirstPaginator(ideas, IDEAS_PER_PAGE)
    number = query.get("page")
    page = None
    if number in (None, "", "1"):
        first = list(ideas[: IDEAS_PER_PAGE + 1])
        if len(first) <= IDEAS_PER_PAGE:
            paginator.count = len(first)  # all of them: nothing more to count or read
            page = paginator._get_page(first, 1, paginator)
    if page is None:
        page = paginator.get_page(number)
    return {"ideas": page.object_list, "page_obj": page, "paginator": paginator}


def _public_challenges():
    return Challenge.objects.published().values("pk")
