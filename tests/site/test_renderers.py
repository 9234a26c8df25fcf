"""Selects and inputs written in Python are exactly what Django's widget templates write."""

import pytest
from django import forms
from django.forms.renderers import DjangoTemplates, TemplatesSetting
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy

from challenges.filters import ChallengeFilter
from helsingborg_innovation import renderers
from helsingborg_innovation.renderers import PortalFormRenderer

CHOICES = [
    ("", "All departments"),
    ("a&b", 'Fire & "rescue" <service>'),
    (3, 2024),
    ("lazy", gettext_lazy("Open for ideas")),
    ("safe", mark_safe("<b>kept</b>")),
    ("Group <1>", [("g1", "In a group"), ("g2", "Also 'in' it")]),
]

SELECTS = [
    (forms.Select(choices=CHOICES), "a&b", {"id": "id_x", "required": True}),
    (forms.Select(choices=CHOICES, attrs={"class": "wide", "data-x": "1 < 2"}), 3, {}),
    (forms.Select(choices=CHOICES), None, {"disabled": False, "aria-describedby": "x_error"}),
    (forms.SelectMultiple(choices=CHOICES), ["g1", "safe", "3"], {"id": "id_many"}),
    (forms.NullBooleanSelect(), True, {}),
    (forms.Select(choices=[]), "", {}),
]


@pytest.mark.parametrize(("widget", "value", "attrs"), SELECTS)
def test_a_select_is_what_djangos_templates_write(widget, value, attrs):
    expected = widget.render("field", value, attrs, renderer=DjangoTemplates())
    assert widget.render("field", value, attrs, renderer=PortalFormRenderer()) == expected


INPUTS = [
    (forms.TextInput(attrs={"size": 4, "inputmode": "numeric"}), 'a "b" <c> & d', {"id": "id_q"}),
    (forms.TextInput(), None, {"required": True, "maxlength": 200}),
    (forms.EmailInput(), "anna@example.org", {"aria-describedby": "id_email-hint"}),
    (forms.NumberInput(), 2024, {}),
    (forms.HiddenInput(), mark_safe("<kept>"), {}),
    (forms.PasswordInput(render_value=True), "secret", {}),
    (forms.PasswordInput(), "secret", {}),
    (forms.CheckboxInput(), True, {"id": "id_ok", "class": "action-select"}),
    (forms.CheckboxInput(), False, {}),
    (forms.CheckboxInput(), "7", {}),
    (forms.URLInput(), "https://example.org/?a=1&b=2", {}),
    (forms.DateInput(), "2026-11-30", {}),
    (forms.ClearableFileInput(), None, {}),  # a template of its own: not written here
]


@pytest.mark.parametrize(("widget", "value", "attrs"), INPUTS)
def test_an_input_is_what_djangos_templates_write(widget, value, attrs):
    expected = widget.render("field", value, attrs, renderer=DjangoTemplates())
    assert widget.render("field", value, attrs, renderer=PortalFormRenderer()) == expected


OPTIONS = [
    (forms.RadioSelect(choices=CHOICES), "a&b", {"id": "id_kind", "required": True}),
    (forms.RadioSelect(choices=CHOICES), None, {}),  # no id: labels without for=
    (forms.CheckboxSelectMultiple(choices=CHOICES), ["g1", "3"], {"id": "id_many"}),
]


@pytest.mark.parametrize(("widget", "value", "attrs"), OPTIONS)
def test_a_radio_button_or_checkbox_of_a_group_is_what_djangos_templates_write(
    widget, value, attrs, monkeypatch
):
    """Forms that lay out a group's options themselves (a fieldset with a legend, as the
    contribution form does) render each with its label through the renderer."""

    class Form(forms.Form):
        field = forms.MultipleChoiceField(choices=CHOICES, widget=widget, required=False)

    def tags(renderer):
        form = Form(initial={"field": value}, auto_id="id_%s" if attrs.get("id") else False)
        form.renderer = renderer
        return [option.tag() for option in form["field"]]

    expected = tags(DjangoTemplates())
    assert len(expected) == 7
    renderer = PortalFormRenderer()
    renderer._is_djangos(widget.option_template_name)  # looks its templates up once
    _without_templates(monkeypatch)
    assert tags(renderer) == expected


def _without_templates(monkeypatch):
    """From here on, the renderer may not fall back on the template language."""

    def refuse(*args, **kwargs):
        raise AssertionError("rendered through the template language")

    monkeypatch.setattr(TemplatesSetting, "render", refuse)


TEXTAREAS = [
    (forms.Textarea(), 'Rad ett\n"två" <tre> & fyra', {"id": "id_text", "required": True}),
    (forms.Textarea(attrs={"rows": 4, "cols": 40}), None, {"maxlength": 5000}),
    (forms.Textarea(), "", {"aria-describedby": "id_text-hint id_text-error"}),
    (forms.Textarea(), mark_safe("<kept>"), {}),
]


@pytest.mark.parametrize(("widget", "value", "attrs"), TEXTAREAS)
def test_a_textarea_is_what_djangos_templates_write(widget, value, attrs, monkeypatch):
    expected = widget.render("field", value, attrs, renderer=DjangoTemplates())
    renderer = PortalFormRenderer()
    renderer._is_djangos(widget.template_name)
    _without_templates(monkeypatch)
    assert widget.render("field", value, attrs, renderer=renderer) == expected


def test_a_widget_template_the_project_overrides_is_used(tmp_path, settings):
    (tmp_path / "django/forms/widgets").mkdir(parents=True)
    (tmp_path / "django/forms/widgets/text.html").write_text("<input class=project>")
    settings.TEMPLATES = [{**settings.TEMPLATES[0], "DIRS": [tmp_path]}]
    assert forms.TextInput().render("q", "x", renderer=PortalFormRenderer()) == (
        "<input class=project>"
    )


def test_an_option_with_a_template_of_its_own_goes_through_the_template_language():
    class Fancy(forms.Select):
        option_template_name = "django/forms/widgets/radio_option.html"

    widget = Fancy(choices=[("a", "A")])
    expected = widget.render("f", "a", renderer=DjangoTemplates())
    assert widget.render("f", "a", renderer=PortalFormRenderer()) == expected
    assert 'type="select"' in expected  # the option's own template, not <option>


@pytest.mark.django_db
def test_the_challenge_filter_renders_its_selects_in_python(monkeypatch):
    written = []
    render_select = renderers.render_select

    def spy(widget):
        written.append(widget["name"])
        return render_select(widget)

    monkeypatch.setattr(renderers, "render_select", spy)
    html = str(ChallengeFilter(data={"status": "open"}).form["status"])
    assert written == ["status"]
    assert '<option value="open" selected>' in html
