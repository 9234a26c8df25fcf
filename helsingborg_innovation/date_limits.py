"""The dates an editor may enter: from 1900 to ten years ahead.

Python's dates run from year 1 to year 9999, and a date near either end broke the site when
it was moved to another time zone (saving 0001-01-01 00:00 in Stockholm time is the year 0 in
UTC: a 500) or had days added (the age notice of an item published on 9999-12-31: a 500 on its
page). No date the portal keeps is that far off.
"""

import datetime

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

FIRST_DAY = datetime.date(1900, 1, 1)
YEARS_AHEAD = 10


def last_day() -> datetime.date:
    """The last day that may be entered: this day ten years from now."""
    today = timezone.localdate()
    try:
        return today.replace(year=today.year + YEARS_AHEAD)
    except ValueError:  # 29 February, in a year that has none
        return today.replace(year=today.year + YEARS_AHEAD, day=28)


def validate_date_in_range(value: datetime.date | datetime.datetime) -> None:
    """Refuse a date (or the date of a time, as entered) before FIRST_DAY or after last_day()."""
    # A time's own date: converting a time of year 1 to another time zone is what overflowed.
    day = value.date() if isinstance(value, datetime.datetime) else value
    last = last_day()
    if not FIRST_DAY <= day <= last:
        raise ValidationError(
            _("Enter a date between %(first)s and %(last)s."),
            code="date_out_of_range",
            params={"first": date_format(FIRST_DAY), "last": date_format(last)},
        )
