from django.db.models import Prefetch, QuerySet

from challenges.filters import ChallengeFilter
from challenges.models import Challenge
from helsingborg_innovation.listing import PortalFilterView, PublishedDetailView
from methods.models import Method

# Initiatives working on a challenge, listed on its page (the newest): a page of the portfolio.
INITIATIVES_SHOWN = 12


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
        context["initiatives"], context["initiatives_count"] = self.initiatives()
        return context

    def initiatives(self) -> tuple[list, int]:
        """The newest published initiatives working on the challenge, and how many there are
        in all: a challenge hundreds of initiatives work on links to the portfolio filtered on
        it instead of listing them all, as a method's page does. One query, two when there are
        more than are shown."""
        # Initiatives build on challenges, not the other way round: reach them through the
        # reverse relation instead of importing the initiatives app.
        initiatives = (
            self.object.initiatives.published()
            .only("title", "slug", "phase")
            .order_by("-publish_at", "-pk")
        )
        shown = list(initiatives[: INITIATIVES_SHOWN + 1])
        if len(shown) <= INITIATIVES_SHOWN:
            return shown, len(shown)
        return shown[:INITIATIVES_SHOWN], initiatives.count()
