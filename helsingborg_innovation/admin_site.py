"""The admin site: Django's own, with sign-in attempts limited against password guessing,
every list date-safe and every form safe from values no page of it sends."""

import hashlib
import logging
from functools import wraps

from django.conf import settings
from django.contrib import admin
from django.contrib.admin.apps import AdminConfig
from django.core.exceptions import PermissionDenied, SuspiciousOperation
from django.http import Http404
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.translation import gettext_lazy as _

from helsingborg_innovation import ratelimit
from helsingborg_innovation.admin_forms import under, with_safe_forms
from helsingborg_innovation.admin_lists import DateSafeLists
from helsingborg_innovation.clients import client_network

logger = logging.getLogger(__name__)


def _client_key(request) -> str:
    address = client_network(request)
    return "admin-login-failures:" + hashlib.sha256(address.encode()).hexdigest()[:32]


def _count_attempt(key: str) -> int:
    """Count a sign-in attempt before its password is checked; how many there have been in the
    lockout period. Counting first bounds what guesses sent all at once get checked: counted
    after, each of 60 guesses in flight together read a count below the limit and had its
    password checked."""
    return ratelimit.count_one(key, settings.ADMIN_LOGIN_LOCKOUT_SECONDS, counting="admin sign-ins")


class PortalAdminSite(admin.AdminSite):
    site_header = _("Innovation Helsingborg: administration")
    site_title = _("Innovation Helsingborg")
    index_title = _("Content and ideas")

    def login(self, request, extra_context=None):
        if request.method != "POST":
            return super().login(request, extra_context)
        key = _client_key(request)
        attempts = _count_attempt(key)
        if attempts > settings.ADMIN_LOGIN_FAILURE_LIMIT:
            logger.warning("Admin sign-in refused after %s attempts", attempts - 1)
            response = TemplateResponse(
                request, "429.html", {"retry_minutes": settings.ADMIN_LOGIN_LOCKOUT_SECONDS // 60}
            )
            response.status_code = 429
            response["Retry-After"] = str(settings.ADMIN_LOGIN_LOCKOUT_SECONDS)
            return response
        response = super().login(request, extra_context)
        # Signed in by this request: the login view redirects only then. Whether someone is
        # signed in is not enough: a staff member already signed in (as themselves) had each
        # wrong guess at another's password given back, and could guess without limit.
        if response.status_code == 302 and request.user.is_authenticated:
            # A sign-in that succeeded was no guess. Only its own count is given back:
            # someone behind the same address who signs in does not wipe out another's.
            ratelimit.give_back(key)
        return response

    def register(self, model_or_iterable, admin_class=None, **options):
        """Register as Django does, with a date-safe list (DateSafeLists): also the admins of
        Django's users and groups and of any other app. Without it, their lists were a server
        error (500) on an address such as ?date_joined__year=0. And with forms that answer
        values no page of them sends with a message (SafeFormsAdmin), inlines too."""
        admin_class = under(DateSafeLists, with_safe_forms(admin_class or admin.ModelAdmin))
        super().register(model_or_iterable, admin_class, **options)

    def admin_view(self, view, cacheable=False):
        """Each admin view; an address with a NUL character is refused (400). No link or form
        of the admin makes one, and one typed or pasted into a filter or the search went to
        PostgreSQL, which refuses it: a 500."""
        inner = super().admin_view(view, cacheable)

        @wraps(inner)
        def refusing_nul(request, *args, **kwargs):
            if any(
                "\x00" in key or any("\x00" in value for value in values)
                for key, values in request.GET.lists()
            ):
                raise SuspiciousOperation("A NUL character in an admin address")
            return inner(request, *args, **kwargs)

        return refusing_nul

    def get_urls(self):
        urls = super().get_urls()
        for index, pattern in enumerate(urls):
            if getattr(pattern, "name", None) == "view_on_site":
                urls[index] = path(
                    "r/<path:content_type_id>/<path:object_id>/",
                    self.admin_view(self.view_on_site),
                    name="view_on_site",
                )
        return urls

    def view_on_site(self, request, content_type_id, object_id):
        """The item's page ("View on site"), for those who may read the item here. Django's
        redirect answered any member of staff about any model, and an idea's page is its
        sender's private status page: an editor had the token of every idea by its number."""
        # Models are not loaded yet when this module is (it names the admin's default site).
        from django.contrib.contenttypes import views as contenttype_views
        from django.contrib.contenttypes.models import ContentType

        try:
            model = ContentType.objects.get_for_id(int(content_type_id)).model_class()
        except (ContentType.DoesNotExist, ValueError):
            raise Http404 from None
        model_admin = self._registry.get(model)
        if model_admin is None or not model_admin.has_view_or_change_permission(request):
            raise PermissionDenied
        return contenttype_views.shortcut(request, content_type_id, object_id)


class PortalAdminConfig(AdminConfig):
    default_site = "helsingborg_innovation.admin_site.PortalAdminSite"
