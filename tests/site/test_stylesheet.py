"""What the stylesheet gives a keyboard user, read from its rules: the browser tests see the
page as a mouse and axe do, and axe does not judge a focus ring."""

import re
from pathlib import Path

from django.conf import settings

SITE_CSS = Path(settings.BASE_DIR) / "static" / "css" / "site.css"


def rules(media: str | None = None) -> list[tuple[list[str], dict[str, str]]]:
    """The rules of site.css, in order, as (selectors, declarations): those outside any
    @media block, or those inside the @media block whose condition contains `media`."""
    css = re.sub(r"/\*.*?\*/", "", SITE_CSS.read_text(), flags=re.S)
    found = []
    at = 0
    while (brace := css.find("{", at)) != -1:
        prelude = css[at:brace].strip()
        if prelude.startswith("@"):
            depth, end = 1, brace + 1
            while depth:
                depth += {"{": 1, "}": -1}.get(css[end], 0)
                end += 1
            if media is not None and prelude.startswith("@media") and media in prelude:
                found += _plain_rules(css[brace + 1 : end - 1])
            at = end
            continue
        end = css.index("}", brace)
        if media is None:
            found += _plain_rules(css[at : end + 1])
        at = end + 1
    return found


def _plain_rules(css: str) -> list[tuple[list[str], dict[str, str]]]:
    found = []
    for prelude, body in re.findall(r"([^{}]+)\{([^{}]*)\}", css):
        declarations = {}
        for declaration in body.split(";"):
            if ":" in declaration:
                name, value = declaration.split(":", 1)
                declarations[name.strip()] = value.strip()
        found.append(([s.strip() for s in prelude.split(",")], declarations))
    return found


def winning(prop: str, selectors: list[str], media: str | None = None) -> str | None:
    """The value of `prop` from the last rule naming any of `selectors`, which the caller
    lists from the least to the most specific, as the cascade would pick it."""
    value = None
    for selector in selectors:
        for names, declarations in rules(media):
            if selector in names and prop in declarations:
                value = declarations[prop]
    return value


def test_a_focused_checkbox_or_radio_has_a_dark_ring_not_only_a_pale_yellow_one():
    # The yellow (#ffdd00) against the white page is 1.4:1: next to a checkbox, the box that
    # gives consent or the filters' goals, it alone did not show where the focus was.
    for kind in ("checkbox", "radio"):
        outline = winning(
            "outline",
            [":focus-visible", "input:focus-visible", f'input[type="{kind}"]:focus-visible'],
        )
        assert "var(--ink)" in outline, (kind, outline)


def test_in_forced_colours_a_focused_card_and_the_current_section_are_outlined():
    # Forced colours (Windows high contrast) drop every box-shadow. A card's title link has
    # no outline of its own (the card draws the ring, with a shadow), and the current section
    # of the menu is underlined with a shadow: both were gone.
    assert winning("outline", [".card__title a:focus-visible"]) == "none"
    forced_card = winning("outline", [".card:focus-within"], media="forced-colors")
    assert forced_card and forced_card != "none"
    forced_current = winning(
        "text-decoration-line", [".site-nav__link[aria-current]"], media="forced-colors"
    ) or winning("outline", [".site-nav__link[aria-current]"], media="forced-colors")
    assert forced_current and forced_current != "none"
