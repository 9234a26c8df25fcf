"""The form renderer: Django's templates for every widget, with selects written in Python.

A filter form's selects hold a hundred options (departments, goals, the latest challenges), and
rendering them through the template language, an option at a time, was half the time of building
a list page without the page cache. `render_select` writes exactly what Django's select.html,
select_option.html and attrs.html write (tests/test_renderers.py compares the two), in a
twentieth of the time.
"""

from django.forms.renderers import TemplatesSetting
from django.forms.widgets import Select
from django.utils.formats import localize
from django.utils.html import conditional_escape

SELECT_TEMPLATE = Select.template_name
OPTION_TEMPLATE = Select.option_template_name


class PortalFormRenderer(TemplatesSetting):
    """Templates from settings.TEMPLATES (so the project may override a widget's), and plain
    selects without the template language."""

    def render(self, template_name, context, request=None):
        if template_name == SELECT_TEMPLATE:
            html = render_select(context["widget"])
            if html is not None:
                return html
        return super().render(template_name, context, request)


def render_attrs(attrs: dict) -> str:
    """django/forms/widgets/attrs.html: False leaves an attribute out, True writes its name."""
    return "".join(
        f" {conditional_escape(name)}"
        if value is True
        else f' {conditional_escape(name)}="{conditional_escape(str(value))}"'
        for name, value in attrs.items()
        if value is not False
    )


def render_select(widget: dict) -> str | None:
    """django/forms/widgets/select.html for a widget's context; None when an option has a
    template of its own, for the template language to render."""
    parts = [f'<select name="{conditional_escape(widget["name"])}"{render_attrs(widget["attrs"])}>']
    for group_name, group_choices, _index in widget["optgroups"]:
        if group_name:
            parts.append(f'\n  <optgroup label="{conditional_escape(localize(group_name))}">')
        for option in group_choices:
            if option["template_name"] != OPTION_TEMPLATE:
                return None
            parts.append(
                f'\n  <option value="{conditional_escape(str(option["value"]))}"'
                f"{render_attrs(option['attrs'])}>{conditional_escape(localize(option['label']))}</option>\n"
            )
        if group_name:
            parts.append("\n  </optgroup>")
    parts.append("\n</select>")
    return "".join(parts)
