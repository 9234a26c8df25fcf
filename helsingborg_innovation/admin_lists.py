"""The admin's lists of items, refusing dates in the address that Python cannot count with."""

import contextlib
import functools

from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.views.main import ChangeList
from django.core.exceptions import EmptyResultSet, FullResultSet


class DateSafeChangeList(ChangeList):
    """Django's list, where a date in the address out of Python's range (years 1 to 9999) is
    a wrong filter like any other: Django sends the editor to the list without filters
    (?e=1). Django took "?publish_at__year=9999" (whose year ends in the year 10000),
    "?publish_at__year=1" (the year 0 in UTC, on SQLite), "?created_at__year=0" or a year of
    twenty digits for a server error (500)."""

    def get_queryset(self, request, exclude_parameters=None):
        try:
            queryset = super().get_queryset(request, exclude_parameters)
            # A lookup's dates are worked out when its SQL is written, which is otherwise
            # when the list is read, past the point where Django handles a wrong filter.
            with contextlib.suppress(EmptyResultSet, FullResultSet):
                queryset.query.get_compiler(queryset.db).as_sql()
        except (ValueError, OverflowError) as error:
            raise IncorrectLookupParameters(error) from error
        return queryset


class DateSafeLists:
    """A ModelAdmin whose list is date-safe. The admin site (PortalAdminSite.register) puts it
    under every ModelAdmin registered, those of Django and other apps too, which know nothing
    of DateSafeChangeList."""

    def get_changelist(self, request, **kwargs):
        changelist = super().get_changelist(request, **kwargs)
        if issubclass(changelist, DateSafeChangeList):
            return changelist
        if changelist is ChangeList:
            return DateSafeChangeList
        return _date_safe(changelist)


@functools.cache
def _date_safe(changelist: type[ChangeList]) -> type[ChangeList]:
    """A list of its own kind (a ModelAdmin's own ChangeList), made date-safe; one class each."""
    return type(f"DateSafe{changelist.__name__}", (DateSafeChangeList, changelist), {})
