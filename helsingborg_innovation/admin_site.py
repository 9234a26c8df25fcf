"""The admin site: Django's own, with sign-in attempts limited against password guessing."""

import hashlib
import logging

from django.conf import settings
from django.contrib import admin
from django.contrib.admin.apps import AdminConfig
from django.core.cache import cache
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _

from helsingborg_innovation.clients import client_address

logger = logging.getLogger(__name__)


def _client_key(request) -> str:
    address = client_address(request)
    return "admin-login-failures:" + hashlib.sha256(address.encode()).hexdigest()[:32]


class PortalAdminSite(admin.AdminSite):
    site_header = _("Innovation Helsingborg: administration")
    site_title = _("Innovation Helsingborg")
    index_title = _("Content and ideas")

    def login(self, request, extra_context=None):
        key = _client_key(request)
        limit = settings.ADMIN_LOGIN_FAILURE_LIMIT
        try:
            failures = cache.get(key, 0)
        except Exception:
            logger.warning("Cache unavailable: admin sign-in not limited", exc_info=True)
            failures = 0
        if request.method == "POST" and failures >= limit:
            logger.warning("Admin sign-in refused after %s failed attempts", failures)
            response = TemplateResponse(
                request, "429.html", {"retry_minutes": settings.ADMIN_LOGIN_LOCKOUT_SECONDS // 60}
            )
            response.status_code = 429
            response["Retry-After"] = str(settings.ADMIN_LOGIN_LOCKOUT_SECONDS)
            return response
        response = super().login(request, extra_context)
        if request.method == "POST" and not request.user.is_authenticated:
            try:
                cache.add(key, 0, settings.ADMIN_LOGIN_LOCKOUT_SECONDS)
                cache.incr(key)
            except Exception:
                logger.warning("Cache unavailable: failed sign-in not counted", exc_info=True)
        return response


class PortalAdminConfig(AdminConfig):
    default_site = "helsingborg_innovation.admin_site.PortalAdminSite"
