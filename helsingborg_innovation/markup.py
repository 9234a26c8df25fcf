"""Markdown bodies rendered to sanitised HTML."""

import hashlib
import re
from functools import lru_cache
from html import unescape

import markdown
import nh3
from django.utils.html import escape, strip_tags
from django.utils.safestring import SafeString, mark_safe

ALLOWED_TAGS = {
    "p", "br", "hr", "h2", "h3", "h4", "h5", "h6", "strong", "em", "b", "i", "code", "pre",
    "blockquote", "ul", "ol", "li", "dl", "dt", "dd", "a", "table", "thead", "tbody", "tr", "th",
    "td", "caption", "abbr", "sup",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"}, "abbr": {"title"}, "th": {"scope"}, "sup": {"id"}, "li": {"id"},
}  # fmt: skip

# "extra" brings tables, footnotes, abbreviations and definition lists ("Term" / ":   Meaning"),
# which methods and aids, glossaries at heart, are written in.
EXTENSIONS = ["extra", "sane_lists"]

# An opening or closing heading tag, with whatever attributes Markdown gave it.
_HEADING = re.compile(r"<(/?)h([1-6])\b", re.IGNORECASE)

# Footnotes link to their note and back by ids ("fn:1", "fnref:1"), the same in every text:
# a page shows several texts (an initiative's lessons and body, the lessons page a list), so
# each text's ids get a prefix of their own, and no other id is kept.
_FOOTNOTE_LINK = re.compile(r'(id="|href="#)(fnref\d*|fn):')
_FOOTNOTE_ID = re.compile(r"(fnref\d*|fn)-[0-9a-f]{8}-\S+")


# A table wider than a phone scrolls sideways in a region of its own, which a keyboard can reach
# to scroll (WCAG 1.4.10 and 2.1.1), rather than take the page with it. The region is added to
# what the sanitiser gave back, in which every "<" opens a tag (nh3 escapes it in text and in
# attributes) and every table opened is closed; what an author writes gets no role or tabindex.
# A named group, not a region: regions are landmarks, which must each have a name of their own
# on a page, and a page shows several texts whose tables may share a header (axe found two
# "Skola" on an initiative's page).
_TABLE_TAG = re.compile(r"<(/?)table\b[^>]*>")
_TABLE_NAME = re.compile(r"<(caption|th)\b[^>]*>(.*?)</\1>", re.DOTALL)


def _scrolling_tables(html: str, table_label: str) -> str:
    """Each table in a focusable region named by the table's caption, or else its first
    header, or else `table_label`."""

    def wrap(tag: re.Match) -> str:
        if tag[1]:
            return "</table></div>"
        end = html.find("</table>", tag.end())
        names = (
            " ".join(unescape(strip_tags(cell[2])).split())
            for cell in _TABLE_NAME.finditer(html, tag.end(), end)
        )
        name = next((name for name in names if name), table_label)
        region = (
            f'<div class="scroll-region" role="group" tabindex="0" aria-label="{escape(name)}">'
        )
        return region + tag[0]

    return _TABLE_TAG.sub(wrap, html)


def _footnote_ids_only(tag: str, attribute: str, value: str) -> str | None:
    if attribute == "id" and not _FOOTNOTE_ID.fullmatch(value):
        return None
    return value


def holds_images(text: str) -> bool:
    """Whether Markdown holds an image (Markdown's own or an HTML <img>): the sanitiser takes
    images out of the page, so that an editor's image would vanish without a word."""
    html = markdown.markdown(text or "", extensions=EXTENSIONS, output_format="html")
    return "<img" in html.lower()


@lru_cache(maxsize=2048)
def render_markdown(
    text: str,
    top_heading: int = 2,
    backlink_title: str = "Back to footnote {} in the text",
    table_label: str = "Table",
) -> SafeString:
    """Render Markdown and keep only safe tags. Headings start at `top_heading`: h2 under the
    page's h1, h3 for a text shown under a heading of its own (an initiative's lessons).
    `backlink_title` names the link from a footnote back to the text, and `table_label` a table
    with neither caption nor header, in the page's language."""
    text = text or ""
    html = markdown.markdown(
        text,
        extensions=EXTENSIONS,
        extension_configs={"extra": {"footnotes": {"BACKLINK_TITLE": backlink_title}}},
        output_format="html",
    )
    html = _HEADING.sub(lambda tag: f"<{tag[1]}h{max(int(tag[2]), top_heading)}", html)
    prefix = hashlib.sha256(text.encode()).hexdigest()[:8]
    html = _FOOTNOTE_LINK.sub(lambda link: f"{link[1]}{link[2]}-{prefix}-", html)
    clean = nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        attribute_filter=_footnote_ids_only,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer",
    )
    return mark_safe(_scrolling_tables(clean, table_label))
