"""Included at the root of the site's language patterns, so the form sits under its challenge."""

from django.urls import path
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from contributions import views
from helsingborg_innovation import converters  # noqa: F401 - registers "token"

app_name = "contributions"

urlpatterns = [
    path(
        format_lazy("{}<slug:slug>/{}", _("challenges/"), _("contribute/")),
        views.contribution_create,
        name="create",
    ),
    path(
        format_lazy("{}<token:token>/", _("contributions/")),
        views.contribution_status,
        name="status",
    ),
    path(
        format_lazy("{}<token:token>/{}", _("contributions/"), _("thanks/")),
        views.contribution_receipt,
        name="receipt",
    ),
]
