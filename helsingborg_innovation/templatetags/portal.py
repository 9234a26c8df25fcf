from django import template
from django.conf import settings
from django.urls import get_script_prefix, get_urlconf
from django.utils.safestring import SafeString
from django.utils.translation import get_language, gettext

from helsingborg_innovation import languages
from helsingborg_innovation.markup import render_markdown

register = template.Library()


@register.filter
def figure(chart, rule):
    """A chart's section of the statistics, with how it counts (charts.Chart.figure)."""
    return chart.figure(rule)


@register.filter
def written_in(language) -> SafeString:
    """' lang="…"' for text written in `language`, on a page in another (languages.written_in)."""
    return languages.written_in(language)


@register.filter
def in_content_language(text) -> SafeString:
    """What staff wrote, within a sentence of the page's own language: a span in theirs."""
    return languages.in_content_language(text)


@register.filter
def markdown(text: str, top_heading: int = 2):
    """Render a Markdown body to sanitised HTML, its headings from h`top_heading` down (h2,
    under the page's h1, unless it is shown under a heading of its own)."""
    # Translators: the title of the link from a footnote back to where the text refers to it.
    backlink_title = gettext("Back to footnote {} in the text")
    # Translators: names a table in a text that has neither caption nor header, to a screen
    # reader, as the user reaches the box it scrolls in.
    table_label = gettext("Table")
    return render_markdown(text or "", int(top_heading), backlink_title, table_label)


# The most renderings one {% once %} block keeps: its values (languages, sections) are few, and
# beyond this, with values that are not, it renders each time as any markup does.
ONCE_LIMIT = 64


class OnceNode(template.Node):
    def __init__(self, nodelist, values, unless=None):
        self.nodelist = nodelist
        self.values = values
        self.unless = unless
        self.rendered: dict[tuple, str] = {}

    def render(self, context) -> str:
        if settings.DEBUG:
            return self.nodelist.render(context)  # translations may change under runserver
        if self.unless is not None and self.unless.resolve(context):
            return self.nodelist.render(context)
        key = (
            get_language(),
            get_script_prefix(),
            get_urlconf(),
            settings.ROOT_URLCONF,
            *(value.resolve(context) for value in self.values),
        )
        html = self.rendered.get(key)
        if html is None:
            html = self.nodelist.render(context)
            if len(self.rendered) < ONCE_LIMIT:
                self.rendered[key] = html
        return html


@register.tag
def once(parser, token):
    """{% once value… %}…{% endonce %}: markup that is the same on every page in a language,
    given these values (the section a page is in): the site's navigation and footer. Each
    worker renders it once per language and values, and then reuses it; the template is
    compiled once per worker, and this is the same for what it renders. Nothing inside may
    depend on the visitor, the request or the content, only on the code and translations.

    `{% once unless condition %}` renders the block each time the condition holds: the idea
    form's fields are the same for everyone while empty, not once sent back with errors.

    The frame of every page had some twenty translations and a dozen addresses to look up:
    half the time of a page of text."""
    bits = token.split_contents()[1:]
    unless = None
    if "unless" in bits:
        at = bits.index("unless")
        if at != len(bits) - 2:
            raise template.TemplateSyntaxError("{% once %} takes one condition after 'unless'")
        unless = parser.compile_filter(bits[-1])
        bits = bits[:at]
    values = [parser.compile_filter(bit) for bit in bits]
    nodelist = parser.parse(("endonce",))
    parser.delete_first_token()
    return OnceNode(nodelist, values, unless)
