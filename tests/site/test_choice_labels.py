"""The models' own get_FOO_display() give what Django's would, in every language."""

import pytest
from django.utils import translation

from initiatives.models import Initiative
from methods.models import Method

FIELDS = [
    (Initiative, "phase"),
    (Initiative, "stop_reason"),
    (Method, "kind"),
    (Method, "stage"),
    (Method, "duration"),
]


@pytest.mark.parametrize(("model", "name"), FIELDS)
@pytest.mark.parametrize("language", ["sv", "en"])
def test_a_label_is_djangos(model, name, language):
    field = model._meta.get_field(name)
    assert f"get_{name}_display" in model.__dict__  # the model's own, not Django's
    values = [value for value, _label in field.choices] + ["", "not-a-choice"]
    with translation.override(language):
        for value in values:
            item = model(**{name: value})
            mine = getattr(item, f"get_{name}_display")()
            assert mine == model._get_FIELD_display(item, field)
            assert type(mine) is str
