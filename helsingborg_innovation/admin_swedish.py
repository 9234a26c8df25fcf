"""Strings of Django's admin that Django's own Swedish catalogue lacks (new in Django 6.1),
marked here so that `make makemessages` keeps them in locale/sv, whose translations the
admin then uses. Nothing imports this module. The admin's JavaScript strings of the same
kind are in locale/sv/LC_MESSAGES/djangojs.po, kept by hand (the project runs makemessages
for the django domain only). tests/site/test_translations.py names any string still missing
after an upgrade of Django."""

from django.utils.translation import gettext_noop, ngettext_lazy

STRINGS = [
    # The breadcrumb of the page after signing out.
    gettext_noop("Logout"),
    # The end of a long list of what a deletion takes with it.
    ngettext_lazy("…and %(count)d more object.", "…and %(count)d more objects.", "count"),
    # An address under /admin/ naming no app, in DEBUG.
    gettext_noop('The app "%s" could not be found.'),
]
