"""The form renderer: Django's templates for every widget, with selects, inputs, radio buttons,
checkboxes and text areas written in Python.

A filter form's selects hold a hundred options (departments, goals, the latest challenges), and
rendering them through the template language, an option at a time, was half the time of building
a list page without the page cache; the admin's list of ideas renders a checkbox per row. The
functions here write exactly what Django's own widget templates write (tests/site/
test_renderers.py compares the two), in a fraction of the time. A project template that
overrides one of those widget templates is used instead, as it would be without this renderer.
"""

import html

from django.forms.renderers import TemplatesSetting
from django.forms.widgets import CheckboxSelectMultiple, Input, RadioSelect, Select, Textarea
from django.template.loader import get_template
from django.utils.formats import localize

SELECT_TEMPLATE = Select.template_name
OPTION_TEMPLATE = Select.option_template_name
INPUT_TEMPLATE = Input.template_name
TEXTAREA_TEMPLATE = Textarea.template_name
INPUT_OPTION_TEMPLATE = "django/forms/widgets/input_option.html"
# A radio button or checkbox of a group, with its label: nothing but input_option.html.
INPUT_OPTION_TEMPLATES = {
    RadioSelect.option_template_name,
    CheckboxSelectMultiple.option_template_name,
    INPUT_OPTION_TEMPLATE,
}
# Django's widget templates that are nothing but input.html.
INPUT_TYPES = ("checkbox", "color", "date", "datetime", "email", "file", "hidden", "number")
INPUT_TYPES += ("password", "search", "tel", "text", "time", "url")
INPUT_TEMPLATES = {f"django/forms/widgets/{name}.html" for name in INPUT_TYPES} | {INPUT_TEMPLATE}


class PortalFormRenderer(TemplatesSetting):
    """Templates from settings.TEMPLATES (so the project may override a widget's), and plain
    selects and inputs without the template language."""

    def __init__(self):
        super().__init__()
        self._django_own: dict[str, bool] = {}

    def render(self, template_name, context, request=None):
        if self._is_djangos(template_name):
            markup = None
            if template_name == SELECT_TEMPLATE:
                markup = render_select(context["widget"])
            elif template_name in INPUT_TEMPLATES:
                markup = render_input(context["widget"])
            elif template_name in INPUT_OPTION_TEMPLATES:
                markup = render_input_option(context["widget"])
            elif template_name == TEXTAREA_TEMPLATE:
                markup = render_textarea(context["widget"])
            if markup is not None:
                return markup
        return super().render(template_name, context, request)

    def _is_djangos(self, template_name: str) -> bool:
        """Whether the template is Django's own (and the options' and attributes' too): only
        those are known to write what the functions below write."""
        if template_name not in self._django_own:
            own = template_name in INPUT_TEMPLATES | INPUT_OPTION_TEMPLATES or template_name in (
                SELECT_TEMPLATE,
                TEXTAREA_TEMPLATE,
            )
            names = {
                template_name,
                INPUT_TEMPLATE,
                OPTION_TEMPLATE,
                INPUT_OPTION_TEMPLATE,
                "django/forms/widgets/attrs.html",
            }
            self._django_own[template_name] = own and all(
                "/django/forms/templates/" in str(get_template(name).origin.name) for name in names
            )
        return self._django_own[template_name]


def escaped(value) -> str:
    """Django's conditional_escape, and its result: markup marked safe as it is, anything else
    escaped. Without the check of every argument for lazy text around Django's escape
    (keep_lazy), which cost as much as the escaping itself: a list page escapes some 700
    values for its filter form, three for each option."""
    if hasattr(value, "__html__"):
        return value.__html__()
    return html.escape(str(value))


def render_attrs(attrs: dict) -> str:
    """django/forms/widgets/attrs.html: False leaves an attribute out, True writes its name."""
    return "".join(
        f" {escaped(name)}" if value is True else f' {escaped(name)}="{escaped(str(value))}"'
        for name, value in attrs.items()
        if value is not False
    )


def render_input(widget: dict) -> str:
    """django/forms/widgets/input.html for a widget's context."""
    value = widget["value"]
    value = "" if value is None else f' value="{escaped(str(value))}"'
    return (
        f'<input type="{escaped(widget["type"])}" '
        f'name="{escaped(widget["name"])}"{value}{render_attrs(widget["attrs"])}>'
    )


def render_input_option(widget: dict) -> str:
    """django/forms/widgets/input_option.html (a radio button or checkbox of a group, in its
    label) for an option's context."""
    markup = render_input(widget)
    if not widget["wrap_label"]:
        return markup
    id_ = widget["attrs"].get("id")
    label_for = f' for="{escaped(id_)}"' if id_ else ""
    return f"<label{label_for}>{markup} {escaped(localize(widget['label']))}</label>"


def render_textarea(widget: dict) -> str:
    """django/forms/widgets/textarea.html for a widget's context."""
    value = widget["value"]
    text = escaped(localize(value)) if value else ""
    return (
        f'<textarea name="{escaped(widget["name"])}"{render_attrs(widget["attrs"])}>'
        f"\n{text}</textarea>"
    )


def render_select(widget: dict) -> str | None:
    """django/forms/widgets/select.html for a widget's context; None when an option has a
    template of its own, for the template language to render."""
    parts = [f'<select name="{escaped(widget["name"])}"{render_attrs(widget["attrs"])}>']
    for group_name, group_choices, _index in widget["optgroups"]:
        if group_name:
            parts.append(f'\n  <optgroup label="{escaped(localize(group_name))}">')
        for option in group_choices:
            if option["template_name"] != OPTION_TEMPLATE:
                return None
            parts.append(
                f'\n  <option value="{escaped(str(option["value"]))}"'
                f"{render_attrs(option['attrs'])}>"
                f"{escaped(localize(option['label']))}</option>\n"
            )
        if group_name:
            parts.append("\n  </optgroup>")
    parts.append("\n</select>")
    return "".join(parts)
