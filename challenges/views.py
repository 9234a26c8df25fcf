from django.db.models import Prefetch, QuerySet

from challenges.filters import ChallengeFilter
from challenges.models import Challenge
from contributions.paging import challenge_ideas_page
from helsingborg_innovation.listing import (
    PortalFilterView,
    PublishedDetailView,
    newest_initiatives,
)
from methods.models import Method


class ChallengeListView(PortalFilterView):
    """Published challenges, newest first, filterable by status, department, goal, tag and text."""

    filterset_class = ChallengeFilter
    template_name = "challenges/challenge_list.html"

    def get_queryset(self) -> QuerySet[Challenge]:
        return (
            Challenge.objects.published()
            .for_cards()
            .select_related("owner_department")
            .order_by("-publish_at", "-pk")
        )


class ChallengeDetailView(PublishedDetailView):
    model = Challenge
    template_name = "challenges/challenge_detail.html"

    def get_queryset(self) -> QuerySet[Challenge]:
        return (
            super()
            .get_queryset()
            .select_related("owner_department", "contact")
            .prefetch_related(
                "goals",
                "tags",
                Prefetch(
                    "suggested_methods",
                    queryset=Method.objects.published().for_cards().order_by("title", "pk"),
                ),
            )
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        # Initiatives build on challenges, not the other way round: reach them through the
        # reverse relation instead of importing the initiatives app.
        initiatives = newest_initiatives(self.object.initiatives.all())
        context["initiatives"], context["initiatives_count"] = initiatives
        ideas = challenge_ideas_page(self.object, self.request.GET)
        return self.with_ideas_shown(context, ideas)
