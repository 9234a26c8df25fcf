"""The language of what staff wrote, on pages in another.

Challenges, initiatives and methods are written in one language (settings.CONTENT_LANGUAGE,
Swedish); the English pages show them as written. WCAG 3.1.2 asks that such passages be marked
with their language, so that a screen reader reads a Swedish title with a Swedish voice and
not as English words.
"""

from django import forms
from django.conf import settings
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language


def content_lang() -> SafeString:
    """' lang="sv"' for an element that holds what staff wrote, on a page in another language
    than theirs; nothing on a page in theirs. In every template's context as content_lang."""
    return written_in(settings.CONTENT_LANGUAGE)


def written_in(language: str | None) -> SafeString:
    """' lang="…"' for an element that holds text written in `language` (an idea is written in
    the language of the form it was sent from; the content's, where that is not known), on a
    page in another language; nothing on a page in the same."""
    language = language or settings.CONTENT_LANGUAGE
    if get_language() == language:
        return mark_safe("")
    return format_html(' lang="{}"', language)


def in_content_language(text) -> SafeString:
    """What staff wrote, within a sentence of the page's own language: a span in theirs."""
    lang = content_lang()
    if not lang:
        return conditional_escape(text)
    return format_html("<span{}>{}</span>", lang, text)


class ContentSelect(forms.Select):
    """A select of what staff wrote (departments, challenges, methods): on a page in another
    language each option but the empty one ("All departments", the page's words) is marked
    with the language it is written in."""

    def create_option(self, name, value, label, selected, index, subindex=None, attrs=None):
        option = super().create_option(name, value, label, selected, index, subindex, attrs)
        if value not in ("", None) and get_language() != settings.CONTENT_LANGUAGE:
            option["attrs"]["lang"] = settings.CONTENT_LANGUAGE
        return option
