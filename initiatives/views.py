from django.db.models import Prefetch, QuerySet

from challenges.models import Challenge
from contributions.paging import initiative_ideas_page
from helsingborg_innovation.listing import PortalFilterView, PublishedDetailView
from initiatives.filters import InitiativeFilter, LessonFilter
from initiatives.models import Initiative
from methods.models import Method


class InitiativeListView(PortalFilterView):
    """The whole portfolio, newest first, stopped initiatives included."""

    filterset_class = InitiativeFilter
    template_name = "initiatives/initiative_list.html"

    def get_queryset(self) -> QuerySet:
        return (
            Initiative.objects.published()
            .for_cards()
            .select_related("owner_department")
            .order_by("-publish_at", "-pk")
        )


class InitiativeDetailView(PublishedDetailView):
    """One initiative and its whole story; staff may preview what is not yet public."""

    model = Initiative
    template_name = "initiatives/initiative_detail.html"

    def get_queryset(self) -> QuerySet:
        return (
            super()
            .get_queryset()
            .select_related("owner_department", "contact")
            .prefetch_related(
                "departments",
                "partners",
                "goals",
                "tags",
                "impact_goals",
                "timeline",
                Prefetch(
                    "challenges",
                    queryset=Challenge.objects.published().for_cards().order_by("title", "pk"),
                ),
                Prefetch(
                    "methods",
                    queryset=Method.objects.published().for_cards().order_by("title", "pk"),
                ),
            )
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        ideas = initiative_ideas_page(self.object, self.request.GET)
        return self.with_ideas_shown(context, ideas)


class LessonListView(PortalFilterView):
    """Every lesson the portfolio has shared, stopped initiatives first."""

    filterset_class = LessonFilter
    template_name = "initiatives/lesson_list.html"

    def get_queryset(self) -> QuerySet:
        return (
            Initiative.objects.published()
            .for_cards()
            .with_lessons()
            .stopped_first()
            .select_related("owner_department")
        )
