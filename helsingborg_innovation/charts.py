"""Bar charts drawn on the server as inline SVG, with text alternatives.

No JavaScript and no images of text: labels and numbers are SVG text, colours are presentation
attributes (the Content Security Policy forbids inline style), and each chart names itself with
<title> and <desc> through aria-labelledby. The same rows fill the data table shown beside the
chart, so the numbers a screen reader hears are the numbers the bars are drawn from.
"""

from dataclasses import dataclass, field

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

WIDTH = 400
LABEL_SIZE = 14
ROW_HEIGHT = 44
BAR_HEIGHT = 18
VALUE_SPACE = 56
LEGEND_ROW = 22
MAX_LABEL = 48
INK = "#1a1a1a"
# Every colour has at least 3:1 contrast against white (WCAG 2.2, 1.4.11).
PALETTE = ["#0b4f8a", "#b35c00", "#2e7d32", "#6a1b9a", "#8a5a00", "#455a64"]
STOPPED = "#7a5c3e"


def _num(value: float) -> str:
    return f"{value:.1f}".removesuffix(".0")


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

    @property
    def stacked(self) -> bool:
        return len(self.series) > 1

    @property
    def is_empty(self) -> bool:
        return not any(row.total for row in self.rows)

    def svg(self) -> SafeString:
        title_id, desc_id = f"{self.id}-title", f"{self.id}-desc"
        legend_height = self._legend_height()
        gaps = sum(1 for row in self.rows if row.apart) * 12
        height = legend_height + len(self.rows) * ROW_HEIGHT + gaps + 8
        parts = [self._legend()] if self.stacked else []
        scale = max([row.total for row in self.rows] + [1])
        usable = WIDTH - VALUE_SPACE
        y = legend_height
        for row in self.rows:
            if row.apart:
                y += 12
                parts.append(
                    format_html(
                        '<line class="chart__divider" x1="0" x2="{}" y1="{}" y2="{}" '
                        'stroke="{}" stroke-dasharray="4 4"/>',
                        WIDTH,
                        y - 6,
                        y - 6,
                        STOPPED,
                    )
                )
            parts.append(self._row(row, y, usable, scale))
            y += ROW_HEIGHT
        return format_html(
            '<svg class="chart" role="img" aria-labelledby="{} {}" viewBox="0 0 {} {}" '
            'width="100%" preserveAspectRatio="xMinYMin meet" font-family="inherit" '
            'font-size="{}"><title id="{}">{}</title><desc id="{}">{}</desc>{}</svg>',
            title_id,
            desc_id,
            WIDTH,
            height,
            LABEL_SIZE,
            title_id,
            self.title,
            desc_id,
            self.description,
            mark_safe("".join(parts)),  # every part built with format_html
        )

    def _row(self, row: Row, y: int, usable: int, scale: int) -> SafeString:
        label = row.label if len(row.label) <= MAX_LABEL else row.label[: MAX_LABEL - 1] + "…"
        bar_width = usable * row.total / scale
        x = (usable - bar_width) / 2 if self.centred else 0
        bar_y = y + LABEL_SIZE + 6
        segments = []
        for index, value in enumerate(row.values):
            if not value:
                continue
            width = usable * value / scale
            colour = STOPPED if row.apart else PALETTE[index % len(PALETTE)]
            key = self.series[index].key if self.series else "value"
            segments.append(
                format_html(
                    '<rect class="chart__bar chart__bar--{}" x="{}" y="{}" width="{}" '
                    'height="{}" fill="{}"/>',
                    key,
                    _num(x),
                    bar_y,
                    _num(width),
                    BAR_HEIGHT,
                    colour,
                )
            )
            x += width
        return format_html(
            '<g class="chart__row{}"><text class="chart__label" x="0" y="{}" fill="{}">{}</text>'
            '{}<text class="chart__value" x="{}" y="{}" fill="{}" font-weight="700">{}</text>'
            "</g>",
            " chart__row--apart" if row.apart else "",
            y + LABEL_SIZE,
            INK,
            label,
            mark_safe("".join(segments)),  # built with format_html
            _num(x + 6),
            bar_y + BAR_HEIGHT - 4,
            INK,
            row.total,
        )

    def _legend_height(self) -> int:
        if not self.stacked:
            return 0
        return ((len(self.series) + 1) // 2) * LEGEND_ROW + 8

    def _legend(self) -> SafeString:
        items = []
        for index, series in enumerate(self.series):
            x = (index % 2) * (WIDTH // 2)
            y = (index // 2) * LEGEND_ROW
            items.append(
                (
                    x,
                    y + 2,
                    PALETTE[index % len(PALETTE)],
                    x + 20,
                    y + LABEL_SIZE,
                    INK,
                    series.label,
                )
            )
        return format_html(
            '<g class="chart__legend">{}</g>',
            format_html_join(
                "",
                '<rect x="{}" y="{}" width="14" height="14" fill="{}"/>'
                '<text x="{}" y="{}" fill="{}">{}</text>',
                items,
            ),
        )
