"""The admin's lists of items, refusing dates in the address that Python cannot count with,
and actions on a selection that names no item."""

import contextlib
import functools

from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.views.main import ChangeList
from django.core.exceptions import EmptyResultSet, FullResultSet, SuspiciousOperation

from helsingborg_innovation.admin_forms import holds


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
    of DateSafeChangeList. Its actions refuse a selection that names no item (400)."""

    def response_action(self, request, *args, **kwargs):
        """An action on items chosen by the list's checkboxes. A value no checkbox gives (a
        form written by hand, `_selected_action=abc`, or a number too large for the database)
        is refused as a bad request: Django filtered the list on it as it came, and the key's
        field, or SQLite, refused it, a server error (500)."""
        key = self.model._meta.pk
        if not all(holds(key, value) for value in request.POST.getlist(ACTION_CHECKBOX_NAME)):
            raise SuspiciousOperation("An admin action on a selection that names no item")
        return super().response_action(request, *args, **kwargs)

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
