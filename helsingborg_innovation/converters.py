"""Path converters for the parts of addresses that are not slugs.

Django's `str` converter takes any character but "/", NUL and other control characters
included; PostgreSQL refuses NUL in text, so an address with "%00" in a status token or a tag
answered 500 (with a traceback in the log) instead of 404. Imported by the URL modules that
use them, before their patterns are made.
"""

from django.urls import register_converter
from django.urls.converters import StringConverter


class TokenConverter(StringConverter):
    """The secret of an idea's private page: secrets.token_urlsafe's alphabet."""

    regex = "[A-Za-z0-9_-]+"


class TextConverter(StringConverter):
    """A part of an address made from text (a tag's slug may hold "å"): no control character."""

    regex = "[^/\x00-\x1f\x7f]+"


register_converter(TokenConverter, "token")
register_converter(TextConverter, "text")
