"""The admin's forms, answering what no page of them sends (a form written by hand, an old tab,
a browser extension) with a message rather than a server error."""

import functools

from django import forms
from django.contrib.admin import widgets
from django.core.exceptions import ValidationError
from django.db import models

from helsingborg_innovation.date_limits import validate_date_in_range


def holds(key, value) -> bool:
    """Whether the field `key` of a model can hold `value` as sent: a value it cannot convert,
    or a number out of the database's range, names no item."""
    try:
        key.run_validators(key.to_python(value))
    except ValidationError:
        return False
    return True


class ChosenItemsMixin:
    """Django's autocomplete widget, where a chosen value its items' key cannot hold (a form
    written by hand, `owner_department=abc`, or a number too large for the database) is left
    out when the form is drawn again with its errors. Django looked up the items chosen by
    the values as sent, and the key's field refused them: a server error (500) where the
    field's own error, "Välj ett giltigt alternativ", was to be shown."""

    def optgroups(self, name, value, attr=None):
        return super().optgroups(name, [v for v in value if self._names_an_item(v)], attr)

    def _names_an_item(self, value) -> bool:
        if str(value) in self.choices.field.empty_values:
            return True
        opts = self.field.remote_field.model._meta
        key = opts.get_field(getattr(self.field.remote_field, "field_name", opts.pk.attname))
        return holds(key, value)


class AutocompleteSelect(ChosenItemsMixin, widgets.AutocompleteSelect):
    pass


class AutocompleteSelectMultiple(ChosenItemsMixin, widgets.AutocompleteSelectMultiple):
    pass


class ChosenItemsField(forms.ModelMultipleChoiceField):
    """Django's field of a many-to-many relation, where a number too large for the database is
    refused as naming no item (Django's "… är inte ett giltigt värde."): Django looked up the
    items by it as sent, and SQLite refused it, a server error (500)."""

    def _check_values(self, value):
        opts = self.queryset.model._meta
        key = opts.get_field(self.to_field_name) if self.to_field_name else opts.pk
        for pk in value if isinstance(value, (list, tuple)) else ():
            if not holds(key, pk):
                raise ValidationError(
                    self.error_messages["invalid_pk_value"],
                    code="invalid_pk_value",
                    params={"pk": pk},
                )
        return super()._check_values(value)


class SafeFormsAdmin:
    """A ModelAdmin, or an inline, whose forms answer what no page sends with a message: its
    autocomplete fields are drawn with the widgets above, its many-to-many fields are
    ChosenItemsFields, and its times are from 1900 to ten years ahead. The admin site
    (PortalAdminSite.register) puts it under every ModelAdmin registered, and each ModelAdmin
    under its inlines."""

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        """A time out of the portal's range of dates (date_limits) is refused: also those of
        Django's users (`date_joined`), where 1 January of the year 1, 00:00, was the year 0 in
        UTC when saved, a server error (500)."""
        formfield = super().formfield_for_dbfield(db_field, request, **kwargs)
        if isinstance(db_field, models.DateTimeField) and formfield is not None:
            formfield.validators.append(validate_date_in_range)
        return formfield

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if "widget" not in kwargs and db_field.name in self.get_autocomplete_fields(request):
            kwargs["widget"] = AutocompleteSelect(
                db_field, self.admin_site, using=kwargs.get("using")
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        kwargs.setdefault("form_class", ChosenItemsField)
        if "widget" not in kwargs and db_field.name in self.get_autocomplete_fields(request):
            kwargs["widget"] = AutocompleteSelectMultiple(
                db_field, self.admin_site, using=kwargs.get("using")
            )
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def get_inlines(self, request, obj):
        return [with_safe_forms(inline) for inline in super().get_inlines(request, obj)]


@functools.cache
def under(mixin: type, admin_class: type) -> type:
    """`admin_class` with `mixin` under it (one class each), named as the class it extends,
    as Django names the classes it makes of a ModelAdmin's options."""
    if issubclass(admin_class, mixin):
        return admin_class
    return type(
        admin_class.__name__,
        (mixin, admin_class),
        {"__module__": admin_class.__module__, "__doc__": admin_class.__doc__},
    )


def with_safe_forms(admin_class: type) -> type:
    """`admin_class` with SafeFormsAdmin under it."""
    return under(SafeFormsAdmin, admin_class)
