import json

from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import get_language, ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_safe

from challenges.models import Challenge
from contributions import services
from contributions.forms import ContributionForm, sign_started
from contributions.models import Contribution, ContributionStatus
from helsingborg_innovation import pagecache, ratelimit
from helsingborg_innovation.csrf import same_origin_or_token
from helsingborg_innovation.listing import moved_permanently

TOKEN_MAX_LENGTH = Contribution._meta.get_field("token").max_length

# The section of the site's menu the form is in: it sits under its challenge, in another app.
NAV_SECTION = "challenges"


def _closed(request: HttpRequest, challenge: Challenge | None, form: ContributionForm | None):
    """The challenge takes no ideas; anything already typed is shown so it is not lost.
    `challenge` is None for one the public does not see (see _taken_down)."""
    typed = None
    if form is not None:
        typed = {"title": form.data.get("title", ""), "text": form.data.get("text", "")}
    return render(
        request,
        "contributions/contribution_closed.html",
        {"challenge": challenge, "typed": typed, "nav_section": NAV_SECTION},
    )


@same_origin_or_token  # a resident whose browser blocks cookies can send an idea too
@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def contribution_create(request: HttpRequest, slug: str) -> HttpResponse:
    """The form for an idea against an open challenge, and its receipt by redirect."""
    if (
        request.method != "POST"
        and settings.PAGE_CACHE_ENABLED
        and not request.user.is_authenticated
    ):
        # The empty form is the same for everyone but for its CSRF token and signed time, and
        # a copy stays valid as long as the challenge is unchanged (it records the generation).
        return pagecache.serve(
            request,
            (pagecache.CHALLENGES, pagecache.VOCABULARY),
            lambda request: _contribution_form(request, slug),
            holes=FORM_HOLES,
        )
    return _contribution_form(request, slug)


# What the form's page and the closed page show of the challenge, and `is_open`: its body and
# image are long, and storing an idea reads the challenge afresh with its contact.
FORM_PAGE_COLUMNS = ("title", "slug", "open_until")


def _taken_down(request: HttpRequest) -> HttpResponse:
    """The form of a challenge the public does not see: not found. An idea sent to one taken
    down (archived, back to draft, deleted or given a new address) while it was being
    written comes back on that page, as when a challenge closes: the bare 404 page lost it.
    The challenge is not named, as a draft's title is not public; the page shows only what
    the visitor sent."""
    if request.method != "POST":
        raise Http404("No challenge takes ideas here.")
    response = _closed(request, None, ContributionForm(request.POST))
    response.status_code = 404
    return response


def _challenge_at(slug: str) -> Challenge | None:
    """The published challenge whose form is at `slug`, or was before its slug was changed:
    an idea sent from a form opened at the old address is taken, not sent back as if the
    challenge were gone."""
    published = Challenge.objects.published().only(*FORM_PAGE_COLUMNS)
    return published.filter(slug=slug).first() or Challenge.moved(slug, published)


def _contribution_form(request: HttpRequest, slug: str) -> HttpResponse:
    challenge = _challenge_at(slug)
    if challenge is None:
        return _taken_down(request)
    if challenge.slug != slug and request.method != "POST":
        return moved_permanently(
            request, reverse("contributions:create", kwargs={"slug": challenge.slug})
        )
    form = ContributionForm(request.POST) if request.method == "POST" else None
    if not challenge.is_open:
        return _closed(request, challenge, form)
    if form is None:
        form = ContributionForm()
    else:
        if form.is_valid():
            sent, key = _sent_from_here(request), form.content_key()
            if earlier := _waiting(challenge, sent.get(key)):
                return redirect("contributions:receipt", token=earlier.token)
            # Only what would be stored counts against the limit: a form sent back with errors
            # a few times used it up, for everyone behind the same address.
            retry_after = ratelimit.hit(
                request, scope="contribution", rate=settings.CONTRIBUTION_RATE_LIMIT
            )
            if retry_after is not None:
                return _too_many(request, challenge, form, retry_after)
            try:
                contribution = services.contribution_submit(
                    challenge=challenge,
                    spam=form.is_trapped,
                    language=get_language(),
                    **form.submission(),
                )
            except services.ChallengeClosed:
                return _closed(request, challenge, form)
            response = redirect("contributions:receipt", token=contribution.token)
            _remember_sent(request, response, sent, key, contribution)
            return response
    return _form_page(request, challenge, form)


def _sent_back(request, challenge, form, error: ValidationError, status: int) -> HttpResponse:
    """The form again, with what was sent and `error` above it: the idea was not stored."""
    form.add_error(None, error)
    response = _form_page(request, challenge, form)
    response.status_code = status
    return response


def _too_many(request, challenge, form, retry_after: int) -> HttpResponse:
    """Past the limit of ideas from one address (a school's or a library's, shared by many):
    the idea comes back in the form, with when to send it again. A page of its own said to go
    back to the form, where the text was found again only if the browser restored it."""
    minutes = max(1, (retry_after + 59) // 60)
    message = ngettext(
        "Your idea has not been sent yet: many ideas have been sent from your connection "
        "lately. What you wrote is still below; send it again in %(minutes)d minute.",
        "Your idea has not been sent yet: many ideas have been sent from your connection "
        "lately. What you wrote is still below; send it again in %(minutes)d minutes.",
        minutes,
    ) % {"minutes": minutes}
    response = _sent_back(request, challenge, form, ValidationError(message, code="limit"), 429)
    response["Retry-After"] = str(retry_after)
    return response


def contribution_unchecked(request: HttpRequest, slug: str) -> HttpResponse:
    """The idea form as it was sent, when Django's check against forged forms refused it
    (helsingborg_innovation.views.csrf_failure): the browser sent no cookie, or one that no
    longer matches. Nothing is stored; what was typed comes back, with a fresh token, to be
    sent again."""
    challenge = _challenge_at(slug)
    if challenge is None:
        return _taken_down(request)
    form = ContributionForm(request.POST)
    if not challenge.is_open:
        response = _closed(request, challenge, form)
        response.status_code = 403
        return response
    form.is_valid()  # anything else to correct is said at the same time
    refused = ValidationError(form.error_messages["unchecked"], code="unchecked")
    return _sent_back(request, challenge, form, refused, 403)  # csrf_failure is never_cache


# The ideas this browser sent in the last day, by their content: going back after sending
# gives a fresh form page (it is never kept by the browser), and "Send" again stored the idea
# a second time with its e-mails (found by review). Kept in the browser, signed, and sent only
# to the form's own address: the answer to the same idea from another browser is a new idea,
# so nobody learns from it who sent what.
SENT_COOKIE = "ideas_sent"
SENT_SALT = "contributions.sent"
SENT_SECONDS = 24 * 60 * 60
SENT_KEPT = 5


def _sent_from_here(request: HttpRequest) -> dict[str, str]:
    """Content key (ContributionForm.content_key) to reference, of this browser's ideas."""
    value = request.get_signed_cookie(
        SENT_COOKIE, default=None, salt=SENT_SALT, max_age=SENT_SECONDS
    )
    try:
        sent = json.loads(value) if value else {}
    except ValueError:
        return {}
    return sent if isinstance(sent, dict) else {}


def _waiting(challenge: Challenge, reference: str | None) -> Contribution | None:
    """The idea this browser sent, while it waits for moderation: once it is decided, the
    same idea sent again is a new one."""
    if not reference:
        return None
    return (
        Contribution.objects.filter(
            challenge=challenge, reference=reference, status=ContributionStatus.PENDING
        )
        .only("token")
        .first()
    )


def _remember_sent(request, response, sent: dict, key: str, contribution: Contribution) -> None:
    sent = {k: v for k, v in sent.items() if k != key}
    sent = dict(list(sent.items())[-(SENT_KEPT - 1) :]) | {key: contribution.reference}
    response.set_signed_cookie(
        SENT_COOKIE,
        json.dumps(sent),
        salt=SENT_SALT,
        max_age=SENT_SECONDS,
        path=request.path,
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
        samesite="Lax",
    )


def _form_page(request: HttpRequest, challenge: Challenge, form: ContributionForm) -> HttpResponse:
    return render(
        request,
        "contributions/contribution_form.html",
        {
            "challenge": challenge,
            "form": form,
            "personal_data_url": reverse("pages:personal_data"),
            "nav_section": NAV_SECTION,
            "page_query": "",  # its address, canonical and in each language (seo.page_addresses)
        },
    )


# The values of an empty form that belong to one visitor (see pagecache.serve).
FORM_HOLES = {
    "csrfmiddlewaretoken": get_token,
    "started": lambda request: sign_started(),
}


def _by_token(token: str) -> Contribution:
    if len(token) > TOKEN_MAX_LENGTH:
        raise Http404
    return get_object_or_404(
        Contribution.objects.select_related("challenge", "initiative"), token=token
    )


def _private_page(request: HttpRequest, template: str, context: dict) -> HttpResponse:
    """A page whose address holds an idea's token: the browser sends that address to nobody,
    as the Referer of the links followed from it or of the files it loads. The site's policy
    (same origin) sent it to the site itself, and so into the logs of whatever serves the site
    (a web server or load balancer logs the Referer), where anyone reading them could open
    the sender's page."""
    response = render(request, template, context)
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


@never_cache
@require_safe
def contribution_receipt(request: HttpRequest, token: str) -> HttpResponse:
    """Right after sending: the reference and the private status link."""
    contribution = _by_token(token)
    status_url = request.build_absolute_uri(contribution.get_absolute_url())
    return _private_page(
        request,
        "contributions/contribution_receipt.html",
        {"contribution": contribution, "status_url": status_url},
    )


@never_cache
@require_safe
def contribution_status(request: HttpRequest, token: str) -> HttpResponse:
    """The sender's private page: the status of the idea and the city's answer."""
    contribution = _by_token(token)
    return _private_page(
        request,
        "contributions/contribution_status.html",
        {"contribution": contribution, "personal_data_url": reverse("pages:personal_data")},
    )
