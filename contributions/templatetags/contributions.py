"""Ideas shown on the public pages of challenges and initiatives, and the moderation count."""

from django import template
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.urls import reverse

from challenges.models import Challenge
from contributions.models import Contribution, ContributionStatus, DeclineReason

register = template.Library()


def _counts(challenge) -> dict:
    """Received, published and declined (by reason) in one query."""
    declined = Q(status=ContributionStatus.DECLINED)
    aggregates = {
        "received": Count("pk", filter=~Q(status=ContributionStatus.SPAM)),
        "published": Count("pk", filter=Q(status=ContributionStatus.PUBLISHED)),
        "declined": Count("pk", filter=declined),
    }
    for reason in DeclineReason:
        aggregates[f"reason_{reason.value}"] = Count(
            "pk", filter=declined & Q(decline_reason=reason)
        )
    values = Contribution.objects.filter(challenge=challenge).aggregate(**aggregates)
    values["declined_by_reason"] = [
        (reason.label, values.pop(f"reason_{reason.value}"))
        for reason in DeclineReason
        if values[f"reason_{reason.value}"]
    ]
    return values


# Published ideas shown on a challenge's page at a time, newest first.
IDEAS_PER_PAGE = 20


@register.inclusion_tag("contributions/includes/challenge_ideas.html", takes_context=True)
def challenge_ideas(context, challenge) -> dict:
    """A page of a challenge's published ideas (?page=), its counts and the way to send one:
    two queries. A challenge that draws a thousand ideas still has a page of a readable size
    that is built in the same time."""
    ideas = (
        Contribution.objects.published()
        .filter(challenge=challenge)
        .select_related("initiative")
        .order_by("-created_at", "-pk")
    )
    counts = _counts(challenge)
    paginator = Paginator(ideas, IDEAS_PER_PAGE)
    paginator.count = counts["published"]  # counted already, with the rest
    page = paginator.get_page(context["request"].GET.get("page"))
    return {
        "challenge": challenge,
        "ideas": page.object_list,
        "page_obj": page,
        "paginator": paginator,
        "counts": counts,
        "request": context["request"],
    }


@register.inclusion_tag("contributions/includes/initiative_ideas.html")
def initiative_ideas(initiative) -> dict:
    """The published ideas that led to an initiative: one query."""
    ideas = (
        Contribution.objects.published()
        .filter(initiative=initiative, challenge__in=_public_challenges())
        .select_related("challenge")
        .order_by("-created_at", "-pk")
    )
    return {"initiative": initiative, "ideas": ideas}


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
