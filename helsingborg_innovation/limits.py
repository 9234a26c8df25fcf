"""Counts and limits of text as the page's language writes them."""

from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator
from django.utils.formats import number_format


def written_number(value: int) -> str:
    """A count as the page's language writes it: "5 000" (a no-break space) in Swedish,
    "5,000" in English. Not for the whole site (USE_THOUSAND_SEPARATOR): years read "2 026"."""
    return number_format(value, force_grouping=True)


class CharacterLimit(MaxLengthValidator):
    """A field's limit in characters, told in the page's numbers: its message has
    %(limit_value)s and %(show_value)s, "högst 5 000 tecken (den har 5 123)", where Django's
    own writes "5000" and "5123".

    The idea form's fields take it instead of `max_length`, for which Django writes
    `maxlength` on the input: a browser cuts text pasted there at the limit without a word (a
    long idea lost its end unseen), and counts an emoji as two characters, so that an idea of
    exactly the limit could not be typed. Past the limit the form comes back with the text as
    written and says how much too long it is, as GOV.UK's design system advises.
    """

    def __call__(self, value):
        length = self.clean(value)
        if length > self.limit_value:
            params = {
                "limit_value": written_number(self.limit_value),
                "show_value": written_number(length),
                "value": value,
            }
            raise ValidationError(self.message, code=self.code, params=params)
