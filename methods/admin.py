from django.contrib import admin
from django.db.models import Count
from django.utils.translation import gettext_lazy as _

from helsingborg_innovation.admin_actions import PublicStatusFilter, PublishableAdmin
from helsingborg_innovation.uploads import attachment_help
from methods.models import Attachment, Method


class AttachmentInline(admin.TabularInline):
    model = Attachment
    extra = 0
    fields = ["title", "file", "order"]

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name == "file":
            kwargs["help_text"] = attachment_help()
        return super().formfield_for_dbfield(db_field, request, **kwargs)


@admin.register(Method)
class MethodAdmin(PublishableAdmin):
    list_display = [
        "title",
        "public_status",
        "kind",
        "stage",
        "duration",
        "attachment_count",
        "publish_at",
    ]
    list_filter = [PublicStatusFilter, "status", "kind", "stage", "duration"]
    inlines = [AttachmentInline]
    fieldsets = [
        PublishableAdmin.content_fieldset,
        (_("Method"), {"fields": ["kind", "stage", "duration", "external_url"]}),
        PublishableAdmin.publishing_fieldset,
    ]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(attachment_count=Count("attachments"))
            .order_by(*Method._meta.ordering)  # a GROUP BY drops the default ordering
        )

    @admin.display(description=_("attachments"), ordering="attachment_count")
    def attachment_count(self, obj):
        return obj.attachment_count
