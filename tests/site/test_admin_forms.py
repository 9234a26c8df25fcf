"""Every form of the admin, sent with values no page of it offers (a form written by hand, an old
tab, a browser extension): never a server error, and nothing saved from a form refused.

The forms are read from the pages as a browser reads them; each field then gets, one at a time,
the hostile values of its kind."""

import io
from html.parser import HTMLParser

import pytest
from django import forms
from django.contrib import admin
from django.contrib.admin.widgets import AutocompleteMixin
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.forms.models import InlineForeignKeyField
from django.test import Client
from django.urls import reverse
from PIL import Image

from contributions.models import QueuedMail
from helsingborg_innovation import roles
from helsingborg_innovation.admin_forms import SafeFormsAdmin
from initiatives.models import ImpactGoal, Phase, PhaseChange
from methods.models import Attachment


class _FormReader(HTMLParser):
    """What a browser sends of the admin's change form: its fields and their values, without
    the files (a browser never fills a file field in)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.data: list[tuple[str, str]] = []
        self.files: set[str] = set()
        self._in_form = False
        self._select = None
        self._option = None
        self._textarea = None
        self._text = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form" and attrs.get("method", "").lower() == "post":
            self._in_form = attrs.get("id", "").endswith("_form")
        if not self._in_form:
            return
        name = attrs.get("name")
        if tag == "input" and name:
            kind = attrs.get("type", "text").lower()
            if kind == "file":
                self.files.add(name)
            elif kind in ("submit", "button", "image", "reset"):
                return
            elif kind in ("checkbox", "radio"):
                if "checked" in attrs:
                    self.data.append((name, attrs.get("value") or "on"))
            else:
                self.data.append((name, attrs.get("value") or ""))
        elif tag == "select" and name:
            self._select = name
        elif tag == "option" and self._select:
            self._option = attrs
            if "selected" in attrs:
                self.data.append((self._select, attrs.get("value", "")))
        elif tag == "textarea" and name:
            self._textarea, self._text = name, []

    def handle_data(self, data):
        if self._textarea:
            self._text.append(data)

    def handle_endtag(self, tag):
        if tag == "form":
            self._in_form = False
        elif tag == "select":
            self._select = None
        elif tag == "textarea" and self._textarea:
            # A browser drops the one newline that follows <textarea>.
            text = "".join(self._text)
            self.data.append((self._textarea, text.removeprefix("\n")))
            self._textarea = None


def _read_form(html: str) -> tuple[dict[str, list[str]], set[str]]:
    reader = _FormReader()
    reader.feed(html)
    data: dict[str, list[str]] = {}
    for name, value in reader.data:
        data.setdefault(name, []).append(value)
    return data, reader.files


def _without_templates(data: dict) -> dict:
    """Without the rows of each inline that its "Add another" copies (named __prefix__)."""
    return {name: values for name, values in data.items() if "__prefix__" not in name}


def _with_a_new_row(data: dict, templates: dict, prefix: str) -> dict:
    """`data` with one more row of the inline `prefix`, blank as its "Add another" makes it."""
    total = int(data[f"{prefix}-TOTAL_FORMS"][0])
    data = {**data, f"{prefix}-TOTAL_FORMS": [str(total + 1)]}
    for name, values in templates.items():
        if name.startswith(f"{prefix}-__prefix__-"):
            data[name.replace("__prefix__", str(total))] = values
    return data


def _png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), "red").save(buffer, "PNG")
    return buffer.getvalue()


def _saved_rows() -> dict:
    """Every row an admin form may write, as the database holds it."""
    models = set(admin.site._registry)
    models |= {ImpactGoal, PhaseChange, Attachment}
    rows = {}
    for model in models:
        rows[model._meta.label] = list(model._default_manager.order_by("pk").values())
        for field in model._meta.many_to_many:
            through = field.remote_field.through
            rows[through._meta.label] = list(through.objects.order_by("pk").values())
    return rows


@pytest.fixture
def one_of_each(
    make_challenge,
    make_initiative,
    make_method,
    make_contact,
    make_partner,
    make_department,
    goal,
    make_staff,
):
    """An item of every kind the admin edits, with a row of each inline, linked as staff would
    link them."""
    from contributions.models import Contribution, SubmitterKind

    department = make_department()
    contact = make_contact(department=department)
    partner = make_partner()
    method = make_method(contact=contact, tags=["återbruk"])
    Attachment.objects.create(
        method=method, title="Mall", file=SimpleUploadedFile("mall.pdf", b"%PDF-1.4\n%%EOF\n")
    )
    challenge = make_challenge(
        owner_department=department, contact=contact, goals=[goal], suggested_methods=[method]
    )
    initiative = make_initiative(
        owner_department=department,
        contact=contact,
        departments=[department],
        partners=[partner],
        challenges=[challenge],
        methods=[method],
        goals=[goal],
        tags=["återbruk"],
        start_date="2025-01-01",
    )
    ImpactGoal.objects.create(initiative=initiative, description="Färre resor", target="10 %")
    PhaseChange.objects.create(initiative=initiative, date="2025-01-01", phase=Phase.PILOT)
    idea = Contribution.objects.create(
        challenge=challenge,
        title="Fler bänkar",
        text="Äldre behöver vila.",
        name="Anna Andersson",
        email="anna@example.org",
        kind=SubmitterKind.RESIDENT,
        consent=True,
    )
    QueuedMail.objects.create(
        contribution=idea,
        subject="Tack",
        body="Tack.",
        to=["anna@example.org"],
        send_after="2026-01-01T00:00Z",
    )
    make_staff(username="granskare")
    return {model: model._default_manager.order_by("pk").first() for model in admin.site._registry}


def _cases(*, autocomplete: bool = False):
    for model, model_admin in sorted(
        admin.site._registry.items(), key=lambda item: item[0]._meta.label
    ):
        inlines = [inline(model, admin.site) for inline in model_admin.inlines]
        if autocomplete and not any(a.autocomplete_fields for a in [model_admin, *inlines]):
            continue
        for view in ("add", "change"):
            yield pytest.param(model, view, id=f"{model._meta.label}-{view}")


ROLES = {
    "superuser": {"superuser": True},
    "editor": {"groups": [roles.EDITORS]},
    "moderator": {"groups": [roles.MODERATORS]},
}


def _staff_client(make_staff, role: str) -> Client:
    client = Client()
    client.force_login(make_staff(**ROLES[role]))
    return client


def _form_url(model, view: str, obj) -> str:
    opts = model._meta
    if view == "add":
        return reverse(f"admin:{opts.app_label}_{opts.model_name}_add")
    return reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk])


def _autocomplete_fields(response) -> list[str]:
    """The names of the autocomplete fields of the page's form and of its inlines' rows."""
    names = []
    context = response.context
    forms_shown = [(context["adminform"].form)]
    for inline in context["inline_admin_formsets"]:
        forms_shown += inline.formset.forms
    for form in forms_shown:
        for name, field in form.fields.items():
            widget = getattr(field.widget, "widget", field.widget)
            if isinstance(widget, AutocompleteMixin):
                names.append(form.add_prefix(name))
    return names


def _post(client, url, data, files=None) -> tuple[int, bool]:
    """Post the form; its status, and whether the database holds anything new afterwards.
    Whatever was saved is undone, so that each post starts from the same rows."""
    before = _saved_rows()
    with transaction.atomic():
        response = client.post(url, {**data, **(files or {})})
        changed = _saved_rows() != before
        transaction.set_rollback(True)
    return response, changed


def _assert_refused_unsaved(response, changed, what: str) -> None:
    assert response.status_code in (200, 302, 400, 403), f"{what}: {response.status_code}"
    if response.status_code != 302:
        assert not changed, f"{what}: refused ({response.status_code}), yet saved"


@pytest.mark.parametrize("role", ["superuser", "editor"])
@pytest.mark.parametrize(("model", "view"), list(_cases(autocomplete=True)))
def test_an_autocomplete_field_given_what_names_no_item_is_refused_with_a_message(
    one_of_each, make_staff, role, model, view
):
    """`owner_department=abc`: Django's autocomplete widget, drawing the form again with its
    errors, looked up the items chosen by the value as sent, and the key's field refused it
    (a server error, 500). A number too large for the database: SQLite refused it."""
    client = _staff_client(make_staff, role)
    url = _form_url(model, view, one_of_each.get(model))
    page = client.get(url)
    if page.status_code != 200 or "adminform" not in page.context:
        pytest.skip(f"no form to send for {role}")
    names = _autocomplete_fields(page)
    assert names
    data, _ = _read_form(page.text)
    data = _without_templates(data)
    for value in ["abc", "1.5", "", "9" * 30]:
        response, changed = _post(client, url, {**data, **{name: [value] for name in names}})
        _assert_refused_unsaved(response, changed, f"{names}={value!r}")
        if value:
            assert response.status_code == 200, f"{value!r}: {response.status_code}"
            assert "errornote" in response.text


def test_a_many_to_many_field_sent_a_number_too_large_for_the_database_is_refused(
    make_staff,
):
    """The permissions of a group (Django's own admin): SQLite refused the number (500)."""
    client = _staff_client(make_staff, "superuser")
    response = client.post(
        reverse("admin:auth_group_add"), {"name": "Granskare", "permissions": ["9" * 30]}
    )
    assert response.status_code == 200
    assert "är inte ett giltigt värde" in response.text
    assert not Group.objects.filter(name="Granskare").exists()


@pytest.mark.parametrize("day", ["0001-01-01", "1899-12-31", "9999-12-31"])
def test_a_users_time_out_of_the_range_of_dates_is_refused_with_a_message(make_staff, day):
    """Django's own user form: 1 January of the year 1, 00:00 in Stockholm, is the year 0 in
    UTC, which a time cannot be, and saving it was a server error (500)."""
    client = _staff_client(make_staff, "superuser")
    user = make_staff(username="granskare")
    url = reverse("admin:auth_user_change", args=[user.pk])
    data, _ = _read_form(client.get(url).text)
    data |= {"date_joined_0": [day], "date_joined_1": ["00:00:00"]}
    response, changed = _post(client, url, data)
    assert response.status_code == 200
    assert "Skriv ett datum mellan 1 januari 1900 och" in response.text
    assert not changed


def test_every_admin_and_inline_leaves_out_chosen_values_that_name_no_item(rf, make_staff):
    """Those of Django's users and groups too, and an inline given autocomplete fields later."""
    request = rf.get("/")
    request.user = make_staff(superuser=True)
    for model_admin in admin.site._registry.values():
        assert isinstance(model_admin, SafeFormsAdmin)
        for inline in model_admin.get_inline_instances(request):
            assert isinstance(inline, SafeFormsAdmin)


HUGE = "9" * 30
# The values each kind of field is sent, one list each: the form is sent once for each position
# in the lists, every field with its kind's value at that position.
HOSTILE = {
    "relation": ["abc", HUGE, "-1", "1.5"],
    "number": ["abc", HUGE, "-" + HUGE, "1e309"],
    "date": ["0000-01-01", "99999-01-01", "2026-02-30", "0001-01-01"],
    "time": ["25:61", "99:99:99", "24:00", "-1:00"],
    "datetime": ["0000-01-01 00:00", "99999-01-01 00:00", "2026-02-30 12:00", "0001-01-01 00:00"],
    "choice": ["abc", "\x00", HUGE, "ä" * 300],
    "boolean": ["abc", "\x00", HUGE, ""],
    "json": ["{", "\x00", HUGE * 100, '{"a": ' * 1000],
    "text": ["a\x00b", "a" * 100_000, " ", "<script>\x00</script>"],
}
FILES = [
    lambda: SimpleUploadedFile("tom.png", b""),
    lambda: SimpleUploadedFile("trasig.png", b"\x89PNG\r\n\x1a\nskr\xe4p"),
    lambda: SimpleUploadedFile("text.png", b"Inte en bild."),
    lambda: SimpleUploadedFile("a" * 300 + ".png", _png()),
]
ROUNDS = len(FILES)
assert all(len(values) == ROUNDS for values in HOSTILE.values())
# Values of the right form at the ends of what a field takes, which a form may accept: each kind
# is sent alone, in a form otherwise as the page gave it, so that it reaches the save.
EXTREME = {
    "relation": [HUGE],
    "number": [HUGE, "-" + HUGE],
    "date": ["0001-01-01", "9999-12-31"],
    "time": ["23:59:59.999999"],
    "datetime": ["0001-01-01 00:00", "9999-12-31 23:59:59"],
    "splitdatetime": [("0001-01-01", "00:00"), ("9999-12-31", "23:59:59")],
    "choice": [""],
    "boolean": ["on"],
    "json": ["9" * 5000],
    "text": ["a" * 100_000],
}


def _kind(field: forms.Field) -> str:
    kinds = [
        (
            (InlineForeignKeyField, forms.ModelChoiceField, forms.ModelMultipleChoiceField),
            "relation",
        ),
        ((forms.SplitDateTimeField,), "splitdatetime"),
        ((forms.DateTimeField,), "datetime"),
        ((forms.DateField,), "date"),
        ((forms.TimeField,), "time"),
        ((forms.IntegerField, forms.FloatField, forms.DecimalField), "number"),
        ((forms.ChoiceField,), "choice"),
        ((forms.BooleanField, forms.NullBooleanField), "boolean"),
        ((forms.FileField,), "file"),
        ((forms.JSONField,), "json"),
    ]
    return next((kind for classes, kind in kinds if isinstance(field, classes)), "text")


def _fields(response) -> dict[str, str]:
    """The names the page's form sends each field under, and the kind of each field: of the
    form, of each row of its inlines, and of one more row of each inline."""
    context = response.context
    shown = [context["adminform"].form]
    for inline in context["inline_admin_formsets"]:
        formset = inline.formset
        shown += formset.forms
        new_row = formset.empty_form
        new_row.prefix = formset.add_prefix(formset.total_form_count())
        shown.append(new_row)
    kinds = {}
    for form in shown:
        for name, field in form.fields.items():
            kinds[form.add_prefix(name)] = _kind(field)
    return kinds


def _hostile(data: dict, fields: dict[str, str], round: int) -> tuple[dict, dict]:
    """`data` with every field given its kind's value of the round; and the files to send."""
    data, files = dict(data), {}
    for name, kind in fields.items():
        if kind == "file":
            files[name] = FILES[round]()
        elif kind == "splitdatetime":
            data[f"{name}_0"] = [HOSTILE["date"][round]]
            data[f"{name}_1"] = [HOSTILE["time"][round]]
        else:
            data[name] = [HOSTILE[kind][round]]
    return data, files


def _management_forms(data: dict, prefixes: list[str]):
    """`data` with the management form of every inline left out or wrong, one way at a time."""
    total, initial = "TOTAL_FORMS", "INITIAL_FORMS"
    ways = [
        {total: None, initial: None},
        {total: "-1"},
        {total: HUGE},
        {total: "0", initial: "99"},
        {initial: "-1"},
        {total: "abc", initial: "\x00"},
        {"MAX_NUM_FORMS": "0", "MIN_NUM_FORMS": HUGE},
    ]
    for way in ways:
        sent = dict(data)
        for prefix in prefixes:
            for key, value in way.items():
                sent.pop(f"{prefix}-{key}", None)
                if value is not None:
                    sent[f"{prefix}-{key}"] = [value]
        yield way, sent


def _fuzz_cases():
    editors = {".".join(model) for model in roles.EDITOR_MODELS}
    for case in _cases():
        model = case.values[0]
        label = model._meta.label_lower
        yield pytest.param("superuser", *case.values, id=f"superuser-{case.id}")
        if label in editors:
            yield pytest.param("editor", *case.values, id=f"editor-{case.id}")
        if label == "contributions.contribution":
            yield pytest.param("moderator", *case.values, id=f"moderator-{case.id}")


@pytest.mark.parametrize(("role", "model", "view"), list(_fuzz_cases()))
def test_every_admin_form_sent_hostile_values_is_no_server_error_and_saves_nothing_refused(
    one_of_each, make_staff, role, model, view
):
    """Each registered admin's add and change form, inlines included, as each staff group
    reaches it: a change form as the page gave it is saved; each kind of field alone at the
    ends of what it takes, and the files alone, are saved or refused; every field wrong at
    once, four times over, and each inline's management form left out or wrong, are refused.
    None is a server error, and nothing refused is saved."""
    client = _staff_client(make_staff, role)
    url = _form_url(model, view, one_of_each.get(model))
    page = client.get(url)
    if page.status_code != 200:
        response, changed = _post(client, url, {"name": ["\x00"]})
        _assert_refused_unsaved(response, changed, "a form not shown")
        return
    data, _ = _read_form(page.text)
    templates = data
    data = _without_templates(data)
    prefixes = [inline.formset.prefix for inline in page.context["inline_admin_formsets"]]
    for prefix in prefixes:
        data = _with_a_new_row(data, templates, prefix)
    fields = _fields(page)
    if view == "change" and page.context["has_change_permission"]:
        response, _ = _post(client, url, data)
        assert response.status_code == 302, "the form as the page gave it is saved"
        for kind in set(fields.values()) - {"file"}:
            for value in EXTREME[kind]:
                sent = dict(data)
                for name in (name for name, of_kind in fields.items() if of_kind == kind):
                    if kind == "splitdatetime":
                        sent[f"{name}_0"], sent[f"{name}_1"] = [value[0]], [value[1]]
                    else:
                        sent[name] = [value]
                response, changed = _post(client, url, sent)
                _assert_refused_unsaved(response, changed, f"{kind} at {value!r:.30}")
        file_fields = [name for name, kind in fields.items() if kind == "file"]
        for round in range(ROUNDS) if file_fields else ():
            files = {name: FILES[round]() for name in file_fields}
            response, changed = _post(client, url, data, files)
            _assert_refused_unsaved(response, changed, f"files of round {round}")
    for round in range(ROUNDS):
        sent, files = _hostile(data, fields, round)
        response, changed = _post(client, url, sent, files)
        _assert_refused_unsaved(response, changed, f"round {round}")
    for way, sent in _management_forms(data, prefixes) if prefixes else ():
        response, changed = _post(client, url, sent)
        _assert_refused_unsaved(response, changed, f"management form {way}")
