import django_filters
from django.utils.translation import gettext_lazy as _

from challenges.models import Challenge
from helsingborg_innovation.languages import ContentSelect
from helsingborg_innovation.listing import DistinctForRelations, tag_filter, text_filter
from helsingborg_innovation.models import Department, GlobalGoal
from helsingborg_innovation.search import filter_text


class ChallengeFilter(DistinctForRelations, django_filters.FilterSet):
    STATUS_CHOICES = [("open", _("Open for ideas")), ("closed", _("Closed"))]

    q = text_filter()
    status = django_filters.ChoiceFilter(
        label=_("Status"), choices=STATUS_CHOICES, method="filter_status", empty_label=_("All")
    )
    department = django_filters.ModelChoiceFilter(
        label=_("Department"),
        field_name="owner_department",
        queryset=Department.objects.all(),
        to_field_name="slug",
        empty_label=_("All departments"),
        widget=ContentSelect,
    )
    goal = django_filters.ModelChoiceFilter(
        label=_("Global goal"),
        field_name="goals",
        queryset=GlobalGoal.objects.all(),
        empty_label=_("All goals"),
    )
    tag = tag_filter()

    relation_filters = ("goal", "tag")

    class Meta:
        model = Challenge
        fields = []

    def filter_text(self, queryset, name, value):
        return filter_text(queryset, value, ["title", "summary", "body"])

    def filter_status(self, queryset, name, value):
        return queryset.open() if value == "open" else queryset.closed()
