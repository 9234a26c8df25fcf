"""Ideas shown on the public pages of challenges and initiatives, and the moderation count."""

from django import template
from django.http import QueryDict
from django.urls import reverse
from django.utils.html import format_html

from contributions import paging
from contributions.models import Contribution, ContributionStatus
from helsingborg_innovation.languages import content_lang

register = template.Library()


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
    """The page of ideas (?page=, or the one holding ?idea=) and the counts."""
    key = ("challenge_ideas", challenge.pk)
    return _shown(context, key, paging.challenge_ideas_page, challenge)


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
    """The page of ideas behind the initiative."""
    key = ("initiative_ideas", initiative.pk)
    return _shown(context, key, paging.initiative_ideas_page, initiative)


def _shown(context, key: tuple, find, obj) -> dict:
    """The page of ideas the page's view found and named the page's address (`ideas_shown`,
    ChallengeDetailView, InitiativeDetailView); where a tag is used without it, found once for
    the page's title and its list of ideas."""
    found = context.get("ideas_shown")
    if found is not None:
        return found
    found = context.render_context.get(key)
    if found is None:
        request = context.get("request")
        found = find(obj, request.GET if request is not None else QueryDict())
        context.render_context[key] = found  # for the rest of this page's rendering only
    return found


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
