import django_filters
from django.utils.translation import gettext_lazy as _

from helsingborg_innovation.listing import DistinctForRelations, tag_filter, text_filter
from helsingborg_innovation.search import filter_text
from methods.models import Method


class MethodFilter(DistinctForRelations, django_filters.FilterSet):
    q = text_filter()
    kind = django_filters.ChoiceFilter(
        label=_("Kind"), choices=Method.Kind.choices, empty_label=_("All kinds")
    )
    stage = django_filters.ChoiceFilter(
        label=_("Stage"), choices=Method.Stage.choices, empty_label=_("All stages")
    )
    duration = django_filters.ChoiceFilter(
        label=_("Time it takes"), choices=Method.Duration.choices, empty_label=_("Any time")
    )
    tag = tag_filter()

    relation_filters = ("tag",)

    class Meta:
        model = Method
        fields = []

    def filter_text(self, queryset, name, value):
        return filter_text(queryset, value, ["title", "summary", "body"])
