import logging

from django.db.models import Prefetch, QuerySet

from helsingborg_innovation.listing import (
    PortalFilterView,
    PublishedDetailView,
    newest_initiatives,
)
from methods.filters import MethodFilter
from methods.models import Attachment, Method

logger = logging.getLogger(__name__)


class MethodListView(PortalFilterView):
    """Published methods in alphabetical order, filterable by kind, stage, time, tag and text."""

    filterset_class = MethodFilter
    template_name = "methods/method_list.html"

    def get_queryset(self) -> QuerySet[Method]:
        return Method.objects.published().for_cards().order_by("title", "pk")


def attachment_size(attachment: Attachment) -> int | None:
    """The file's size in bytes, or None when storage cannot tell; the link is shown anyway."""
    try:
        return attachment.file.size
    except (OSError, ValueError):
        logger.warning("Attachment %s: file missing from storage", attachment.pk)
        return None


class MethodDetailView(PublishedDetailView):
    model = Method
    template_name = "methods/method_detail.html"

    def get_queryset(self) -> QuerySet[Method]:
        # Challenges build on methods: reach them through the reverse relation.
        challenges = Method.suggested_for.rel.related_model.objects.published()
        return (
            super()
            .get_queryset()
            .select_related("contact")
            .prefetch_related(
                "tags",
                "attachments",
                Prefetch("suggested_for", queryset=challenges.order_by("title", "pk")),
            )
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["attachments"] = [
            {"attachment": attachment, "size": attachment_size(attachment)}
            for attachment in self.object.attachments.all()
        ]
        initiatives = newest_initiatives(self.object.initiatives.all())
        context["initiatives"], context["initiatives_count"] = initiatives
        return context
