"""Markdown from staff becomes HTML with nothing that could run in a visitor's browser."""

import re

import pytest

from helsingborg_innovation.markup import render_markdown


def test_headings_lists_links_and_emphasis_are_kept():
    html = render_markdown(
        "# Rubrik\n\n## Delrubrik\n\nText med **fetstil** och *kursiv*.\n\n"
        "- första\n- andra\n\n1. ett\n2. två\n\n[Helsingborg](https://helsingborg.se)"
    )
    # The page's own h1 is the title, so a body's h1 becomes an h2.
    assert "<h2>Rubrik</h2>" in html
    assert "<h2>Delrubrik</h2>" in html
    assert "<h1>" not in html
    assert "<strong>fetstil</strong>" in html
    assert "<em>kursiv</em>" in html
    assert "<ul>\n<li>första</li>\n<li>andra</li>\n</ul>" in html
    assert "<ol>\n<li>ett</li>\n<li>två</li>\n</ol>" in html
    assert '<a href="https://helsingborg.se" rel="noopener noreferrer">Helsingborg</a>' in html


@pytest.mark.parametrize(
    "text",
    [
        "Hej<script>alert('x')</script>då",
        "<SCRIPT SRC=//evil.example/x.js></SCRIPT>",
        "<style>body{display:none}</style>",
        "<iframe src='https://evil.example'></iframe>",
    ],
)
def test_scripts_styles_and_frames_are_removed(text):
    html = render_markdown(text).lower()
    for fragment in ("<script", "alert(", "evil.example", "<style", "display:none", "<iframe"):
        assert fragment not in html


@pytest.mark.parametrize(
    "text",
    [
        '<p onclick="alert(1)">Klicka</p>',
        '<a href="https://helsingborg.se" onmouseover="alert(1)">Länk</a>',
        "<img src=x onerror=alert(1)>",
        '<h2 onfocus="alert(1)" style="color:red">Rubrik</h2>',
    ],
)
def test_event_handler_and_style_attributes_are_removed(text):
    html = render_markdown(text).lower()
    assert "alert(" not in html
    assert " on" not in html
    assert "style=" not in html


@pytest.mark.parametrize(
    "text",
    [
        "[klicka](javascript:alert(1))",
        "[klicka](JaVaScRiPt:alert(1))",
        '<a href="javascript:alert(1)">klicka</a>',
        '<a href="data:text/html;base64,PHNjcmlwdD4=">klicka</a>',
        "[klicka](vbscript:msgbox(1))",
    ],
)
def test_dangerous_link_schemes_are_removed_but_the_text_stays(text):
    html = render_markdown(text)
    assert "klicka" in html
    lowered = html.lower()
    for scheme in ("javascript:", "data:", "vbscript:"):
        assert scheme not in lowered


def test_mailto_and_relative_links_are_kept():
    html = render_markdown("[Mejla](mailto:innovation@example.org) och [Om](/om/)")
    assert 'href="mailto:innovation@example.org"' in html
    assert 'href="/om/"' in html


def test_empty_text_renders_nothing():
    assert render_markdown("") == ""


def test_a_heading_with_attributes_stays_a_heading_below_the_pages_h1():
    # Markdown's attribute lists and raw HTML give a heading attributes; it was left as bare text.
    html = render_markdown("# Bakgrund {: #bakgrund }\n\n<h1 class='stor'>Syfte</h1>")
    assert "<h2>Bakgrund</h2>" in html
    assert "<h2>Syfte</h2>" in html


def test_headings_start_at_the_level_asked_for():
    html = render_markdown("# Ett\n\n## Två\n\n#### Fyra", top_heading=3)
    assert "<h3>Ett</h3>" in html
    assert "<h3>Två</h3>" in html
    assert "<h4>Fyra</h4>" in html
    assert "<h2" not in html


def test_footnotes_link_to_their_notes_and_no_other_id_is_kept():
    html = render_markdown("Källa[^1].\n\n[^1]: Trafikverket 2024.\n\n<p id='main'>Text</p>")
    targets = re.findall(r'href="#([^"]+)"', html)
    ids = re.findall(r'id="([^"]+)"', html)
    assert len(targets) == 2 and sorted(targets) == sorted(ids)
    assert "main" not in ids


def test_each_text_has_footnote_ids_of_its_own():
    first = render_markdown("Ett[^1].\n\n[^1]: Första.")
    second = render_markdown("Två[^1].\n\n[^1]: Andra.")
    assert not set(re.findall(r'id="([^"]+)"', first)) & set(re.findall(r'id="([^"]+)"', second))


def test_definition_lists_are_kept_and_what_is_inside_them_sanitised():
    html = render_markdown(
        'Persona\n:   En påhittad <b onclick="alert(1)">användare</b>.\n\n'
        "Prototyp\n:   Ett tidigt utkast<script>alert(2)</script>.\n"
        '<dl class="stor" id="x"><dt onmouseover="alert(3)">Term</dt>'
        '<dd style="color:red">Förklaring</dd></dl>'
    )
    assert "<dl>\n<dt>Persona</dt>\n<dd>En påhittad <b>användare</b>.</dd>" in html
    assert "<dt>Prototyp</dt>" in html
    assert "<dl><dt>Term</dt><dd>Förklaring</dd></dl>" in html
    assert "alert(" not in html
    assert "<script" not in html


WIDE_TABLE = "| Steg | Vem | Tid |\n|---|---|---|\n| Förstå | Alla | En dag |"


def test_a_table_scrolls_in_a_region_of_its_own_named_by_its_first_header():
    html = render_markdown(f"Inledning.\n\n{WIDE_TABLE}\n\nSlut.")
    assert re.fullmatch(
        r"<p>Inledning\.</p>\n"
        r'<div class="scroll-region" role="group" tabindex="0" aria-label="Steg"><table>.*'
        r"</table></div>\n<p>Slut\.</p>",
        html,
        re.DOTALL,
    )


def test_a_tables_region_is_named_by_its_caption_or_else_called_a_table():
    html = render_markdown(
        '<table><caption>Kostnad & "tid"</caption><tr><th>Steg</th></tr></table>\n\n'
        '<table title="Ett namn" lang="en"><tr><td>Utan rubrik</td></tr></table>',
        table_label="Tabell",
    )
    assert html.count('role="group" tabindex="0"') == html.count("</table></div>") == 2
    assert 'aria-label="Kostnad &amp; &quot;tid&quot;"><table><caption>' in html
    assert 'aria-label="Tabell"><table title="Ett namn" lang="en"><tbody><tr><td>Utan' in html


@pytest.mark.parametrize(
    "text",
    [
        '<div class="scroll-region" role="region" tabindex="0" aria-label="Falsk">Text</div>',
        '<p role="button" tabindex="0" aria-label="Klicka">Text</p>',
        '<table role="presentation" tabindex="1"><tr><th tabindex="0" role="button">Text</th></tr>'
        "</table>",
    ],
)
def test_roles_and_tabindex_written_by_an_author_are_removed(text):
    html = render_markdown(text)
    assert "Text" in html
    assert "Falsk" not in html
    assert "Klicka" not in html
    assert "presentation" not in html
    assert "button" not in html
    assert 'tabindex="1"' not in html
    assert html.count("tabindex") == html.count("<table>") == html.count('role="group"')
