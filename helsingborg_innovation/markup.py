"""Markdown bodies rendered to sanitised HTML."""

import re
from functools import lru_cache

import markdown
import nh3
from django.utils.safestring import SafeString, mark_safe

ALLOWED_TAGS = {
    "p", "br", "hr", "h2", "h3", "h4", "h5", "h6", "strong", "em", "b", "i", "code", "pre",
    "blockquote", "ul", "ol", "li", "a", "table", "thead", "tbody", "tr", "th", "td", "abbr",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "abbr": {"title"}, "th": {"scope"}}

EXTENSIONS = ["extra", "sane_lists"]

# An opening or closing heading tag, with whatever attributes Markdown gave it.
_HEADING = re.compile(r"<(/?)h([1-6])\b", re.IGNORECASE)


def holds_images(text: str) -> bool:
    """Whether Markdown holds an image (Markdown's own or an HTML <img>): the sanitiser takes
    images out of the page, so that an editor's image would vanish without a word."""
    html = markdown.markdown(text or "", extensions=EXTENSIONS, output_format="html")
    return "<img" in html.lower()


@lru_cache(maxsize=2048)
def render_markdown(text: str, top_heading: int = 2) -> SafeString:
    """Render Markdown and keep only safe tags. Headings start at `top_heading`: h2 under the
    page's h1, h3 for a text shown under a heading of its own (an initiative's lessons)."""
    html = markdown.markdown(text or "", extensions=EXTENSIONS, output_format="html")
    html = _HEADING.sub(lambda tag: f"<{tag[1]}h{max(int(tag[2]), top_heading)}", html)
    clean = nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer",
    )
    return mark_safe(clean)
