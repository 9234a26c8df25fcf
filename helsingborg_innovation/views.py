import logging
import sys

from django.conf import settings
from django.db import InterfaceError, OperationalError, connection
from django.http import (
    HttpRequest,
    HttpResponse,
    HttpResponseBadRequest,
    HttpResponseServerError,
    JsonResponse,
)
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils.translation import get_language_from_path, override
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from challenges.models import Challenge
from helsingborg_innovation import pagecache
from initiatives.models import Initiative
from methods.models import Method


@require_safe
def home(request: HttpRequest) -> HttpResponse:
    """Open challenges, the latest initiatives and lessons, some methods, and key figures.

    A fixed number of queries whatever the amount of content: four short lists and four counts,
    each counted from an index (one aggregate over both would read every initiative). The
    counts took half the page's time at 100,000 initiatives, so they are kept until what they
    count changes.
    """
    challenges = Challenge.objects.published()
    initiatives = Initiative.objects.published()
    methods = Method.objects.published()
    open_challenges = challenges.open()
    context = {
        "open_challenges": open_challenges.for_cards()
        .select_related("owner_department")
        .order_by("last_day", "-publish_at", "-pk")[:6],
        "latest_initiatives": initiatives.for_cards()
        .select_related("owner_department")
        .order_by("-publish_at", "-pk")[:6],
        "lessons": initiatives.for_cards()
        .select_related("owner_department")
        .with_lessons()
        .stopped_first()[:3],
        "methods": methods.for_cards().order_by("-publish_at", "-pk")[:4],
        "figures": pagecache.remembered(
            "home-figures",
            lambda: {
                "open_challenges": open_challenges.count(),
                "methods": methods.count(),
                "initiatives": initiatives.count(),
                "stopped_with_lessons": initiatives.stopped().with_lessons().count(),
            },
            kinds=(pagecache.CHALLENGES, pagecache.INITIATIVES, pagecache.METHODS),
        ),
        "page_query": "",  # its address, canonical and in each language (seo.page_addresses)
    }
    return render(request, "home.html", context)


logger = logging.getLogger(__name__)


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    """The 400 handler: the site's page, in the language of the address.

    Rendered without the request, as Django's own is: a request whose Host header is not
    allowed cannot give its own address (request.get_host raises again), and nothing it sent
    belongs on the page. The language comes from the path: SecurityMiddleware's redirect to
    HTTPS refuses such a host before LocaleMiddleware has chosen one.
    """
    with override(get_language_from_path(request.path_info) or settings.LANGUAGE_CODE):
        return HttpResponseBadRequest(render_to_string("400.html"))


def server_error(request: HttpRequest) -> HttpResponse:
    """The 500 handler; a database that cannot be reached is a 503 that asks to retry.

    Rendered without a request context, so it works when nothing else does. Connections are
    health-checked (CONN_HEALTH_CHECKS), so the site recovers by itself once the database is back.
    """
    exception = sys.exc_info()[1]
    if isinstance(exception, OperationalError | InterfaceError):
        logger.error("Database unavailable: %s", exception.__class__.__name__)
        # After a form, what was sent was not stored: the page must not say all is safe.
        sent = request.method not in ("GET", "HEAD")
        response = HttpResponse(render_to_string("503.html", {"sent": sent}), status=503)
        response["Retry-After"] = "5"
        response["Cache-Control"] = "no-store"
        return response
    return HttpResponseServerError(render_to_string("500.html"))


@never_cache
def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """CSRF_FAILURE_VIEW: a form refused by Django's check against forged forms. The idea
    form comes back with what was typed (contribution_unchecked); any other form gets a page
    in the site's frame and language instead of Django's bare one. Django logs the reason."""
    match = getattr(request, "resolver_match", None)
    if match is not None and match.view_name == "contributions:create":
        from contributions.views import contribution_unchecked

        return contribution_unchecked(request, **match.kwargs)
    return render(request, "403_csrf.html", status=403)


@never_cache
@require_safe
def healthz(request: HttpRequest) -> JsonResponse:
    """For load balancers: 200 when the database answers, 503 when it does not."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:
        return JsonResponse({"status": "unavailable", "database": "down"}, status=503)
    return JsonResponse({"status": "ok", "database": "ok"})
