from django.contrib import admin
from django.db.models import Count, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils.html import format_html
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from challenges.models import Challenge
from helsingborg_innovation.admin_actions import GoalFilter, PublicStatusFilter, PublishableAdmin


class OpenForIdeasFilter(admin.SimpleListFilter):
    title = _("open for ideas")
    parameter_name = "open"

    def lookups(self, request, model_admin):
        return [("yes", _("Open")), ("no", _("Closed"))]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.open()
        if self.value() == "no":
            return queryset.closed()
        return queryset


@admin.register(Challenge)
class ChallengeAdmin(PublishableAdmin):
    list_display = [
        "title",
        "public_status",
        "publish_at",
        "open_until",
        "owner_department",
        "initiative_count",
    ]
    list_filter = [
        PublicStatusFilter,
        "status",
        OpenForIdeasFilter,
        "owner_department",
        GoalFilter,
    ]
    list_select_related = ["owner_department"]
    autocomplete_fields = ["contact", "owner_department", "goals", "suggested_methods"]
    fieldsets = [
        PublishableAdmin.content_fieldset,
        (
            _("Challenge"),
            {"fields": ["owner_department", "open_until", "goals", "suggested_methods"]},
        ),
        PublishableAdmin.publishing_fieldset,
    ]

    # Ideas listed by name on the page that says why a challenge cannot be deleted.
    ideas_shown = 20

    def get_queryset(self, request):
        # A subquery for the rows shown, not a GROUP BY over every challenge and all its
        # initiatives (which the count and the date hierarchy would each repeat).
        initiatives = (
            Challenge.initiatives.through.objects.filter(challenge=OuterRef("pk"))
            .order_by()
            .values("challenge")
            .annotate(n=Count("initiative"))
            .values("n")
        )
        return (
            super()
            .get_queryset(request)
            .annotate(initiative_count=Coalesce(Subquery(initiatives), 0))
        )

    def get_deleted_objects(self, objs, request):
        """What deleting challenges deletes, said plainly. A challenge with ideas cannot be
        deleted by anyone (ideas are protected records), so the page lists the ideas rather
        than the permissions an editor lacks to delete them. Otherwise only the challenge
        goes, and the page says that what it links to stays (PublishableAdmin)."""
        if protected := self._ideas_kept(list(objs)):
            return [], {}, set(), protected
        return super().get_deleted_objects(objs, request)

    def _ideas_kept(self, challenges: list) -> list:
        """The first ideas sent to the challenges, and how many more there are, linked to
        the queue of the challenge's ideas. Django collected every idea and listed each with a
        link and a permission check: 1.7 s and 612 KB for a challenge with 5,000 ideas."""
        ideas = Challenge._meta.get_field("contributions").related_model
        sent = ideas.objects.filter(challenge__in=challenges)
        total = sent.count()
        if not total:
            return []
        opts = ideas._meta
        change = f"admin:{opts.app_label}_{opts.model_name}_change"
        shown = sent.order_by("created_at", "pk").only("reference", "title")[: self.ideas_shown]
        kept = [
            format_html(
                '{}: <a href="{}">{}</a>',
                capfirst(opts.verbose_name),
                reverse(change, args=[idea.pk]),
                idea,
            )
            for idea in shown
        ]
        if more := total - len(kept):
            text = ngettext("…and %(count)d more idea", "…and %(count)d more ideas", more) % {
                "count": more
            }
            if len(challenges) == 1:
                queue = reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
                text = format_html(
                    '<a href="{}?challenge={}">{}</a>', queue, challenges[0].pk, text
                )
            kept.append(text)
        return kept

    @admin.display(description=_("initiatives"), ordering="initiative_count")
    def initiative_count(self, obj):
        return obj.initiative_count
