"""The info pages the law and users expect (about, accessibility, personal data), robots.txt
and the favicon at the address browsers ask for."""

from datetime import date

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponsePermanentRedirect
from django.templatetags.static import static
from django.urls import reverse
from django.views.decorators.cache import cache_control
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_safe
from django.views.generic import TemplateView

# When the accessibility statement was last reviewed against WCAG 2.2 AA (change on review).
ACCESSIBILITY_ASSESSED = date(2025, 11, 20)


class InfoPageView(TemplateView):
    """A page of plain content, the same for everyone."""

    http_method_names = ["get", "head"]  # 405 to any other, OPTIONS too, as require_safe
    template_name = "pages/about.html"

    extra_context = {
        "platform_contact": "Lisa Olsson",
        "contact_centre_phone": "042-10 50 00",
        "contact_centre_email": "kontaktcenter@helsingborg.se",
        "page_query": "",  # its address, canonical and in each language (seo.page_addresses)
    }


class AccessibilityView(InfoPageView):
    template_name = "pages/accessibility.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["assessed"] = ACCESSIBILITY_ASSESSED
        return context


class PersonalDataView(InfoPageView):
    template_name = "pages/personal_data.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["retention_months"] = round(settings.CONTRIBUTION_RETENTION_DAYS / 30.4)
        context["log_days"] = settings.ACCESS_LOG_RETENTION_DAYS
        return context


@csrf_exempt  # GET and HEAD only: a program's POST gets 405, not a CSRF page
@require_safe
@cache_control(max_age=86400, public=True)
def robots_txt(request: HttpRequest) -> HttpResponse:
    """Everything public may be indexed; the admin may not. The addresses are the site's own,
    under the path it is served at, wherever the URLs put them."""
    lines = [
        "User-agent: *",
        "Allow: /",
        f"Disallow: {reverse('admin:index')}",
        f"Sitemap: {request.build_absolute_uri(reverse('sitemap'))}",
    ]
    return HttpResponse("\n".join(lines) + "\n", content_type="text/plain; charset=utf-8")


@require_safe
@cache_control(max_age=86400, public=True)
def favicon(request: HttpRequest) -> HttpResponse:
    """Old browsers and crawlers ask for /favicon.ico whatever the page links to."""
    return HttpResponsePermanentRedirect(static("img/favicon.ico"))
