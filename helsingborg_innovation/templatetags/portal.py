from django import template

from helsingborg_innovation.markup import render_markdown

register = template.Library()


@register.filter
def markdown(text: str):
    """Render a Markdown body to sanitised HTML."""
    return render_markdown(text or "")
