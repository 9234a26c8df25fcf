"""The base views every public list and detail page stands on."""

import django_filters
from django import forms
from django.conf import settings
from django.db.models import Exists, F, Q, QuerySet, Value
from django.db.models.lookups import Exact
from django.forms.models import ModelChoiceField
from django.http import Http404, HttpResponsePermanentRedirect, QueryDict
from django.utils.cache import patch_cache_control
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from django.views.generic import DetailView
from django_filters.views import FilterView
from taggit.models import Tag

from helsingborg_innovation import pagecache
from helsingborg_innovation.limits import CharacterLimit
from helsingborg_innovation.paging import FromEitherEndPaginator, page_query
from helsingborg_innovation.search import Folded, is_searchable, only_common_words
from helsingborg_innovation.textsearch import MAX_QUERY_LENGTH, clean_query

# The initiatives a challenge's or a method's page lists (the newest): a page of the portfolio,
# to which a link leads for the rest.
INITIATIVES_SHOWN = 12


def text_filter() -> django_filters.CharFilter:
    """The free-text filter of every list (its FilterSet's `filter_text`): no longer than a
    query is read, and saying so, on the list and its download alike."""
    return django_filters.CharFilter(
        label=_("Search"),
        method="filter_text",
        # The box takes no more (a query is short, and shown with its results); an address
        # written by hand is told the length in the page's numbers.
        widget=forms.TextInput(attrs={"maxlength": MAX_QUERY_LENGTH}),
        validators=[
            CharacterLimit(
                MAX_QUERY_LENGTH,
                _("The search can be at most %(limit_value)s characters (it has %(show_value)s)."),
            )
        ],
    )


class TagFilter(django_filters.CharFilter):
    """A tag as a visitor writes it, the name the pages and the open data show ("Skola",
    "social hållbarhet"), or as the tag pages link to it, by its slug ("social-hållbarhet"),
    in any case. By slug alone, a tag typed as it is shown found nothing.

    A slug names one tag, so it wins: the link of the tag "ai" (slug "ai") must not also list
    what has the tag named "AI" whose slug is "ai-1". In one subquery, as before."""

    def filter(self, qs, value):
        if value in django_filters.constants.EMPTY_VALUES:
            return qs
        # Folded as the search folds (iexact on SQLite folds a to z alone: "Återbruk", as a
        # phone capitalises it, did not find "återbruk").
        by_slug = Q(Exact(Folded(F("slug")), Folded(Value(value))))
        by_name = Q(Exact(Folded(F("name")), Folded(Value(value)))) & ~Exists(
            Tag.objects.filter(by_slug)
        )
        return qs.filter(tags__in=Tag.objects.filter(by_slug | by_name))


def tag_filter() -> TagFilter:
    return TagFilter(label=_("Tag"), max_length=100)


class DistinctForRelations:
    """A FilterSet mixin: filters over relations (`relation_filters`) can repeat a row, and
    only they need a DISTINCT, which costs a comparison of every column of every row listed
    and counted (a third of the method list's time, unfiltered)."""

    relation_filters: tuple[str, ...] = ()

    def filter_queryset(self, queryset):
        filtered = super().filter_queryset(queryset)
        data = self.form.cleaned_data
        if any(data.get(name) not in (None, "") for name in self.relation_filters):
            return filtered.distinct()
        return filtered


class PortalFilterView(FilterView):
    """A filtered, paginated list: a page number past the end shows the last page, not an error.

    Invalid filter values (an unknown phase, a year that is not a number) are shown as errors
    on the form and the list is left empty, so a visitor sees what went wrong.
    """

    http_method_names = ["get", "head"]  # 405 to any other, OPTIONS too, as require_safe
    paginate_by = settings.PAGE_SIZE
    # Crawlers follow the pages to the end: the last page of the portfolio skipped a hundred
    # thousand initiatives (0.3 s built afresh); read from the end, and far from either end
    # by the keys first, off an index of the list's order (initiative_order_idx).
    paginator_class = FromEitherEndPaginator

    def get_filterset(self, filterset_class):
        filterset = super().get_filterset(filterset_class)
        self.keep_choices(filterset)
        return filterset

    def keep_choices(self, filterset) -> None:
        """The options of the filters over departments, goals, challenges and methods, kept
        between visits until what the page shows changes: reading and rendering them from the
        database was up to a quarter of a list page built without the page cache.

        The options are those of the form without a choice. A visitor who asks for a choice
        outside them (a challenge older than the listed ones) gets the options read afresh,
        with theirs among them. Validation still asks the database.
        """
        form, filterset_class = filterset.form, type(filterset)
        names = [name for name, field in form.fields.items() if isinstance(field, ModelChoiceField)]
        if not names:
            return

        def read_choices():
            fields = filterset_class(data=None).form.fields
            return {
                name: [(str(value), str(label)) for value, label in fields[name].choices]
                for name in names
            }

        kept = pagecache.remembered(
            f"filter-choices:{filterset_class.__module__}.{filterset_class.__qualname__}",
            read_choices,
            get_language(),
            kinds=pagecache.ROUTES.get(self.request.resolver_match.view_name, pagecache.ALL),
        )
        for name in names:
            choices = kept[name]
            chosen = form.data.get(name, "") if form.is_bound else ""
            if chosen and chosen not in {value for value, _label in choices}:
                continue
            form.fields[name].widget.choices = choices

    def get_filterset_kwargs(self, filterset_class):
        # PostgreSQL refuses NUL characters in text; a visitor's stray one must not be a 500.
        kwargs = super().get_filterset_kwargs(filterset_class)
        if kwargs["data"] is not None:
            data = kwargs["data"].copy()
            for key, values in list(data.lists()):
                data.setlist(key, [value.replace("\x00", "") for value in values])
            kwargs["data"] = data
        return kwargs

    # The free-text field stands on its own; the rest fold away on small screens.
    text_field = "q"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        form = context["filter"].form
        active = [
            name
            for name in form.fields
            if name != self.text_field and form.data.get(name, "") not in ("", None)
        ]
        context["active_filter_count"] = len(active)
        # Punctuation or operators alone ("-", '"', "!!") filter nothing (filter_text): the
        # list says so, as the search page does, where it said "0 initiatives".
        text = form.data.get(self.text_field, "") if self.text_field in form.fields else ""
        context["text_without_words"] = bool(clean_query(text)) and not is_searchable(text)
        context["text_of_common_words"] = only_common_words(text)
        context["show_all_filters"] = bool(active or form.errors)
        # Every combination of filters is an address of its own, a few thousand per list:
        # search engines are asked to follow their links but index only the lists themselves
        # (pages of them included), not each combination, which they crawled past the cache.
        context["narrowed"] = any(key != self.page_kwarg for key in self.request.GET)
        # The list's own address, for its canonical link and alternates (seo.page_addresses):
        # the page shown (the last, for a number past the end); none for a filtered list.
        number = context["page_obj"].number
        context["page_query"] = None if context["narrowed"] else page_query(number)
        return context

    def get(self, request, *args, **kwargs):
        response = super().get(request, *args, **kwargs)
        moved = with_slugs_now(self.filterset)
        if moved is not None:
            # The list filtered by the slug the item has now, where the form would show the
            # former one refused: a link to it (a newsletter's, a bookmark) still works.
            return moved_permanently(request, request.path, query=moved.urlencode())
        return response

    def paginate_queryset(self, queryset, page_size):
        paginator = self.get_paginator(queryset, page_size, allow_empty_first_page=True)
        page = paginator.get_page(self.request.GET.get(self.page_kwarg))
        return paginator, page, page.object_list, page.has_other_pages()


def newest_initiatives(initiatives: QuerySet) -> tuple[list, int]:
    """The newest of these published initiatives (a challenge's, a method's), as the portfolio
    orders them, and how many there are in all: a page hundreds of initiatives are linked to
    shows a page of them and links to the portfolio filtered on it instead of listing them all.
    One query, two when there are more than are shown."""
    initiatives = (
        initiatives.published().only("title", "slug", "phase").order_by("-publish_at", "-pk")
    )
    shown = list(initiatives[: INITIATIVES_SHOWN + 1])
    if len(shown) <= INITIATIVES_SHOWN:
        return shown, len(shown)
    return shown[:INITIATIVES_SHOWN], initiatives.count()


class PublishedDetailView(DetailView):
    """A detail page: the public sees published items; staff may preview drafts and schedules."""

    http_method_names = ["get", "head"]  # 405 to any other, OPTIONS too, as require_safe

    def get_queryset(self):
        return super().get_queryset().visible_to(self.request.user)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        # The page's own address, for its canonical link and alternates (seo.page_addresses):
        # without a query, which changes nothing on it, unless it shows a page of its ideas.
        context["page_query"] = ""
        return context

    def with_ideas_shown(self, context: dict, shown: dict) -> dict:
        """The context with the page of ideas the page shows (contributions.paging), which is
        the page's address: the last for a number past the end, the one that holds ?idea=."""
        context["ideas_shown"] = shown
        context["page_query"] = page_query(shown["page_obj"].number)
        return context

    def get(self, request, *args, **kwargs):
        try:
            return super().get(request, *args, **kwargs)
        except Http404:
            moved = self.model.moved(kwargs["slug"], self.model.objects.visible_to(request.user))
            if moved is None:
                raise
            return moved_permanently(request, moved.get_absolute_url())


def with_slugs_now(filterset) -> QueryDict | None:
    """The filters' values with each slug a challenge or method had before its slug was
    changed (FormerSlug) in place of the slug it has now, or None when the filters hold no
    such slug (or are valid). Only a published item is followed, as the filters choose only
    among those."""
    if not filterset.is_bound or not filterset.errors:
        return None
    data, moved_any = filterset.form.data.copy(), False
    for name in filterset.errors:
        field = filterset.form.fields.get(name)
        if not isinstance(field, ModelChoiceField) or field.to_field_name != "slug":
            continue
        model = field.queryset.model
        slug = data.get(name, "")
        if not slug or not hasattr(model, "moved"):
            continue
        moved = model.moved(slug, model.objects.published())
        if moved is not None:
            data[name], moved_any = moved.slug, True
    return data if moved_any else None


def moved_permanently(
    request, path: str, *, query: str | None = None
) -> HttpResponsePermanentRedirect:
    """To an item's address from one it had before, with the query as it was sent (or the
    one given). Kept by browsers for a day, not for ever: another item may be given the old
    address later."""
    if query is None:
        query = request.META.get("QUERY_STRING", "")
    response = HttpResponsePermanentRedirect(f"{path}?{query}" if query else path)
    patch_cache_control(response, max_age=24 * 60 * 60)
    return response
