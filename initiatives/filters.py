import django_filters
from django import forms
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from challenges.models import Challenge
from helsingborg_innovation.languages import ContentSelect
from helsingborg_innovation.listing import tag_filter, text_filter
from helsingborg_innovation.models import Department, GlobalGoal, Partner
from helsingborg_innovation.search import filter_text
from initiatives.models import Initiative, Phase, StopReason
from methods.models import Method

TEXT_FIELDS = ["title", "summary", "body", "lessons_learned", "stop_explanation"]
FIRST_YEAR = 1990
LAST_YEAR = 2100
# The challenge and method filters list at most this many (the most recently published).
LISTED_OPTIONS = 100


def _latest_and_chosen(model, request, name: str) -> QuerySet:
    """The most recently published items of a model, and the one asked for (`name` in the
    query string), by title; read per request, since "published" depends on its time.

    A portal with thousands of challenges or methods would otherwise put every one of them in
    the select of every list page (a megabyte of HTML with 10,000). Any published item can
    still be filtered on (the links from its own page do), while an unpublished one is refused
    as before.
    """
    published = model.objects.published()
    listed = Q(pk__in=published.order_by("-publish_at", "-pk").values("pk")[:LISTED_OPTIONS])
    chosen = request.GET.get(name, "").replace("\x00", "") if request is not None else ""
    if chosen:
        listed |= Q(slug=chosen)
    return published.filter(listed).only("pk", "slug", "title").order_by("title", "pk")


class YearField(forms.IntegerField):
    """A whole year within a sane range, with one clear message for anything else."""

    def __init__(self, **kwargs):
        kwargs.setdefault("widget", forms.TextInput(attrs={"inputmode": "numeric", "size": 4}))
        super().__init__(min_value=FIRST_YEAR, max_value=LAST_YEAR, **kwargs)
        message = _("Enter a year between %(first)s and %(last)s, for example 2024.") % {
            "first": FIRST_YEAR,
            "last": LAST_YEAR,
        }
        self.error_messages.update(invalid=message, min_value=message, max_value=message)


class YearFilter(django_filters.Filter):
    field_class = YearField

    def filter(self, qs, value):
        if value in (None, ""):
            return qs
        return qs.active_in(value)


class DepartmentFilter(django_filters.ModelChoiceFilter):
    """Owner or participating department."""

    def filter(self, qs, value):
        if not value:
            return qs
        return qs.filter(Q(owner_department=value) | Q(departments=value))


def department_filter() -> DepartmentFilter:
    return DepartmentFilter(
        label=_("Department"),
        queryset=Department.objects.all(),
        to_field_name="slug",
        empty_label=_("All departments"),
        widget=ContentSelect,
    )


def latest_filter(model, name: str, field_name: str, label, empty_label):
    """A filter over a published relation (challenges, methods) whose select lists the newest
    items and the chosen one (see `_latest_and_chosen`), by slug. `name` is the filter's own."""
    return django_filters.ModelChoiceFilter(
        label=label,
        field_name=field_name,
        queryset=lambda request: _latest_and_chosen(model, request, name),
        to_field_name="slug",
        empty_label=empty_label,
        widget=ContentSelect,
    )


def challenge_filter() -> django_filters.ModelChoiceFilter:
    return latest_filter(Challenge, "challenge", "challenges", _("Challenge"), _("All challenges"))


class PortfolioFilterSet(django_filters.FilterSet):
    """Filters over relations can repeat a row; the result is selected by primary key instead,
    so the view's ordering, select_related and count stay exactly as they were.

    The free-text filter stays on the outer query: its SQL names the table, which inside the
    subquery would be the outer row's, so PostgreSQL ran the subquery again for every
    initiative (minutes for ?q=cykel&department=... on 100,000 initiatives).
    """

    relation_filters: tuple[str, ...] = ()
    text_filter = "q"

    def filter_queryset(self, queryset: QuerySet) -> QuerySet:
        data = self.form.cleaned_data
        if not any(data.get(name) not in (None, "") for name in self.relation_filters):
            return super().filter_queryset(queryset)
        selected = queryset
        for name, value in data.items():
            if name != self.text_filter:
                selected = self.filters[name].filter(selected, value)
        filtered = queryset.filter(pk__in=selected.values("pk"))
        if self.text_filter in data:
            filtered = self.filters[self.text_filter].filter(filtered, data[self.text_filter])
        return filtered

    def filter_text(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return filter_text(queryset, value, TEXT_FIELDS)


class InitiativeFilter(PortfolioFilterSet):
    YES_NO = [("yes", _("Only stopped")), ("no", _("Not stopped"))]

    q = text_filter()
    phase = django_filters.ChoiceFilter(
        label=_("Phase"), choices=Phase.choices, empty_label=_("All phases")
    )
    stopped = django_filters.ChoiceFilter(
        label=_("Stopped"), choices=YES_NO, method="filter_stopped", empty_label=_("All")
    )
    department = department_filter()
    challenge = challenge_filter()
    method = latest_filter(Method, "method", "methods", _("Method used"), _("All methods"))
    goal = django_filters.ModelChoiceFilter(
        label=_("Global goal"),
        field_name="goals",
        queryset=GlobalGoal.objects.all(),
        empty_label=_("All goals"),
    )
    partner_kind = django_filters.ChoiceFilter(
        label=_("Partner kind"),
        field_name="partners__kind",
        choices=Partner.Kind.choices,
        empty_label=_("Any partner"),
    )
    year = YearFilter(label=_("Active in year"))
    tag = tag_filter()

    relation_filters = ("department", "challenge", "method", "goal", "partner_kind", "tag")

    class Meta:
        model = Initiative
        fields = []

    def filter_stopped(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.stopped() if value == "yes" else queryset.not_stopped()


class LessonFilter(PortfolioFilterSet):
    q = text_filter()
    stop_reason = django_filters.ChoiceFilter(
        label=_("Reason for stopping"), choices=StopReason.choices, empty_label=_("Any reason")
    )
    department = department_filter()
    challenge = challenge_filter()

    relation_filters = ("department", "challenge")

    class Meta:
        model = Initiative
        fields = []
