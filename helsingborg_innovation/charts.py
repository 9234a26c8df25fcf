"""Bar charts drawn on the server as inline SVG, with text alternatives.

No JavaScript and no images of text: labels and numbers are SVG text, colours are presentation
attributes (the Content Security Policy forbids inline style), and each chart names itself with
<title> and <desc> through aria-labelledby. The same rows fill the data table shown beside the
chart, so the numbers a screen reader hears are the numbers the bars are drawn from.
"""

import html
from dataclasses import dataclass, field

from django.conf import settings
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language, gettext

from helsingborg_innovation.languages import content_lang
from helsingborg_innovation.limits import written_number

WIDTH = 400
LABEL_SIZE = 14
ROW_HEIGHT = 44
BAR_HEIGHT = 18
VALUE_SPACE = 56
LEGEND_ROW = 22
# A label longer than this goes on two lines, and a second line longer than it ends in "…".
# One line of 48 characters was cut off at the chart's edge for a reader whose letters are
# spaced out (WCAG 1.4.12: 0.12 em between letters, 0.16 em between words); 34 fit with room.
LINE_CHARS = 34
LABEL_LINE = 18
INK = "#1a1a1a"
# Every colour has at least 3:1 contrast against white (WCAG 2.2, 1.4.11).
PALETTE = ["#0b4f8a", "#b35c00", "#2e7d32", "#6a1b9a", "#8a5a00", "#455a64"]
STOPPED = "#7a5c3e"


def _num(value: float) -> str:
    return f"{value:.1f}".removesuffix(".0")


def _count(value: float) -> str:
    """A count as the page's language writes it (`written_number`)."""
    return written_number(int(value))


def _label_lines(label: str) -> list[str]:
    """A bar's label on one line, or on two broken between words (inside a word longer than
    a line if it must), the second shortened with "…" if the label is longer still."""
    if len(label) <= LINE_CHARS:
        return [label]
    cut = label.rfind(" ", 0, LINE_CHARS + 1)
    if cut > 0:
        first, rest = label[:cut], label[cut + 1 :]
    else:
        first, rest = label[: LINE_CHARS - 1] + "-", label[LINE_CHARS - 1 :]
    if len(rest) > LINE_CHARS:
        rest = rest[: LINE_CHARS - 1].rstrip() + "…"
    return [first, rest]


def _text(value) -> str:
    """Text for the SVG, escaped: labels come from content and translations. Numbers and the
    module's own colours and sizes are written as they are; a chart has some 300 elements, and
    format_html's escaping of every one of them was a third of the statistics page's time.
    The standard library's escape, as Django's is, without the check for lazy text around
    it, which cost as much again."""
    return html.escape(str(value))


# Each chart's section as drawn, by everything it is drawn from: the numbers and labels, the
# counting rule and the page's language. The dashboard shows nine, the same until an idea
# arrives or a decision is made, and drawing them was a third of the time of the page made
# without the page cache. Beyond this many (the years and languages are few) the worker starts
# again from none.
FIGURES_KEPT = 256
_figures: dict[tuple, SafeString] = {}


@dataclass
class Series:
    key: str
    label: str


@dataclass
class Row:
    label: str
    values: list[int]
    href: str = ""
    # A row set apart from the others (stopped initiatives beside the funnel).
    apart: bool = False

    @property
    def total(self) -> int:
        return sum(self.values)


@dataclass
class Chart:
    """A horizontal bar chart; with several series the bars are stacked."""

    id: str
    title: str
    description: str
    label_heading: str
    rows: list[Row]
    series: list[Series] = field(default_factory=list)
    centred: bool = False
    # The labels are what staff wrote (department names, challenge titles), not the page's
    # words: in the table they are marked with the language they are written in (WCAG 3.1.2).
    labels_are_content: bool = False

    @property
    def stacked(self) -> bool:
        return len(self.series) > 1

    @property
    def is_empty(self) -> bool:
        return not any(row.total for row in self.rows)

    def svg(self) -> SafeString:
        title_id, desc_id = _text(f"{self.id}-title"), _text(f"{self.id}-desc")
        legend_height = self._legend_height()
        gaps = sum(1 for row in self.rows if row.apart) * 12
        second_lines = sum(len(_label_lines(row.label)) - 1 for row in self.rows)
        height = legend_height + len(self.rows) * ROW_HEIGHT + second_lines * LABEL_LINE + gaps + 8
        parts = [self._legend()] if self.stacked else []
        scale = max([row.total for row in self.rows] + [1])
        usable = WIDTH - VALUE_SPACE
        # Each series' class and colour, the same on every row.
        keys = [_text(series.key) for series in self.series] or ["value"]
        bars = [
            f'<rect class="chart__bar chart__bar--{key}" fill="{PALETTE[index % len(PALETTE)]}"'
            for index, key in enumerate(keys)
        ]
        stopped_bars = [
            f'<rect class="chart__bar chart__bar--{key}" fill="{STOPPED}"' for key in keys
        ]
        y = legend_height
        for row in self.rows:
            if row.apart:
                y += 12
                parts.append(
                    f'<line class="chart__divider" x1="0" x2="{WIDTH}" y1="{y - 6}" '
                    f'y2="{y - 6}" stroke="{STOPPED}" stroke-dasharray="4 4"/>'
                )
            parts.append(self._row(row, y, usable, scale, stopped_bars if row.apart else bars))
            y += ROW_HEIGHT + (len(_label_lines(row.label)) - 1) * LABEL_LINE
        return mark_safe(
            f'<svg class="chart" role="img" aria-labelledby="{title_id} {desc_id}" '
            f'viewBox="0 0 {WIDTH} {height}" width="100%" preserveAspectRatio="xMinYMin meet" '
            f'font-family="inherit" font-size="{LABEL_SIZE}"><title id="{title_id}">'
            f'{_text(self.title)}</title><desc id="{desc_id}">{_text(self.description)}</desc>'
            f"{''.join(parts)}</svg>"
        )

    def figure(self, rule: str) -> SafeString:
        """The chart's section of the dashboard: its title, how it counts (`rule`), and the
        chart beside a data table of the same numbers; drawn once per worker for the same
        numbers, words and language (see FIGURES_KEPT)."""
        rule = conditional_escape(rule)
        if settings.DEBUG:
            return self._figure(rule)  # translations may change under runserver
        key = (self._drawn_from(), str(rule), get_language())
        drawn = _figures.get(key)
        if drawn is None:
            drawn = self._figure(rule)
            if len(_figures) >= FIGURES_KEPT:
                _figures.clear()
            _figures[key] = drawn
        return drawn

    def _drawn_from(self) -> tuple:
        """Everything the chart's section is drawn from, but the rule and the language."""
        return (
            self.id,
            str(self.title),
            str(self.description),
            str(self.label_heading),
            tuple((str(row.label), tuple(row.values), row.href, row.apart) for row in self.rows),
            tuple((series.key, str(series.label)) for series in self.series),
            self.centred,
            content_lang() if self.labels_are_content else "",
        )

    def _figure(self, rule: SafeString) -> SafeString:
        """Written here rather than in the template: made nine times for every page, a
        template partial took about a fifth of the time of the dashboard built without the
        page cache (3.7-5.9 ms, 3.1-3.8 without)."""
        chart_id, title = _text(self.id), _text(self.title)
        head = (
            f'<section class="stat-figure" aria-labelledby="{chart_id}-heading">\n'
            f'  <h3 class="stat-figure__title" id="{chart_id}-heading">{title}</h3>\n'
            f'  <p class="stat-figure__rule"><strong>{_text(gettext("How we count:"))}</strong> '
            f"{rule}</p>\n"
        )
        if self.is_empty:
            empty = _text(gettext("Nothing to count yet."))
            return mark_safe(f'{head}  <p class="empty-state">{empty}</p>\n</section>\n')
        series = "".join(f'<th scope="col">{_text(s.label)}</th>' for s in self.series)
        total = gettext("Total") if self.stacked else gettext("Number")
        caption = gettext("%(title)s: the figures in the chart") % {"title": self.title}
        return mark_safe(
            f'{head}  <div class="stat-figure__body">\n'
            f'    <div class="stat-figure__chart">{self.svg()}</div>\n'
            # On a narrow screen the table scrolls in its own box: a keyboard reaches it and a
            # screen reader names it by its caption (WCAG 2.1.1, axe scrollable-region-focusable).
            f'    <div class="stat-figure__data scroll-region" role="region" tabindex="0" '
            f'aria-labelledby="{chart_id}-caption">\n'
            f'      <table class="table stat-figure__table" id="{chart_id}-table">\n'
            f'        <caption class="stat-figure__caption" id="{chart_id}-caption">'
            f"{_text(caption)}</caption>\n"
            "        <thead>\n          <tr>\n"
            f'            <th scope="col">{_text(self.label_heading)}</th>'
            f"{series if self.stacked else ''}"
            f'<th scope="col">{_text(total)}</th>\n'
            "          </tr>\n        </thead>\n"
            f"        <tbody>\n{self.table_rows()}\n        </tbody>\n"
            "      </table>\n    </div>\n  </div>\n</section>\n"
        )

    def table_rows(self) -> SafeString:
        """The rows of the data table beside the chart, from the same numbers as the bars."""
        rows = []
        lang = content_lang() if self.labels_are_content else ""
        for row in self.rows:
            label = _text(row.label)
            if row.href:
                label = f'<a href="{_text(row.href)}">{label}</a>'
            values = "".join(f"<td>{_count(value)}</td>" for value in row.values)
            apart = ' class="stat-figure__row--apart"' if row.apart else ""
            rows.append(
                f'<tr{apart}><th scope="row"{lang}>{label}</th>{values if self.stacked else ""}'
                f"<td>{_count(row.total)}</td></tr>"
            )
        return mark_safe("\n".join(rows))

    def _row(self, row: Row, y: int, usable: int, scale: int, bars: list[str]) -> str:
        """One row: its label, a bar (a segment per series) and its total. `bars` opens the
        rect of each series, with its class and colour."""
        first, *more = (_text(line) for line in _label_lines(row.label))
        label = first + "".join(f'<tspan x="0" dy="{LABEL_LINE}">{line}</tspan>' for line in more)
        bar_width = usable * row.total / scale
        x = (usable - bar_width) / 2 if self.centred else 0
        bar_y = y + LABEL_SIZE + 6 + len(more) * LABEL_LINE
        segments = []
        for index, value in enumerate(row.values):
            if not value:
                continue
            width = usable * value / scale
            segments.append(
                f'{bars[index]} x="{_num(x)}" y="{bar_y}" width="{_num(width)}" '
                f'height="{BAR_HEIGHT}"/>'
            )
            x += width
        apart = " chart__row--apart" if row.apart else ""
        lang = content_lang() if self.labels_are_content else ""  # as in the table
        return (
            f'<g class="chart__row{apart}"><text class="chart__label" x="0" '
            f'y="{y + LABEL_SIZE}" fill="{INK}"{lang}>{label}</text>{"".join(segments)}'
            f'<text class="chart__value" x="{_num(x + 6)}" y="{bar_y + BAR_HEIGHT - 4}" '
            f'fill="{INK}" font-weight="700">{_count(row.total)}</text></g>'
        )

    def _legend_height(self) -> int:
        if not self.stacked:
            return 0
        return ((len(self.series) + 1) // 2) * LEGEND_ROW + 8

    def _legend(self) -> str:
        items = []
        for index, series in enumerate(self.series):
            x = (index % 2) * (WIDTH // 2)
            y = (index // 2) * LEGEND_ROW
            items.append(
                f'<rect x="{x}" y="{y + 2}" width="14" height="14" '
                f'fill="{PALETTE[index % len(PALETTE)]}"/>'
                f'<text x="{x + 20}" y="{y + LABEL_SIZE}" fill="{INK}">{_text(series.label)}</text>'
            )
        return f'<g class="chart__legend">{"".join(items)}</g>'
