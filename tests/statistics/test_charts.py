"""A chart's section is drawn once per worker for the same numbers, words and language
(charts.Chart.figure): never a drawing of other numbers, or in another language."""

import pytest
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from helsingborg_innovation import charts
from helsingborg_innovation.charts import Chart, Row


@pytest.fixture(autouse=True)
def _fresh(settings):
    settings.DEBUG = False
    charts._figures.clear()


def chart(published: int, declined: int, *, title="Moderation outcomes") -> Chart:
    return Chart(
        id="chart-moderation",
        title=_(title),
        description=_("What became of the ideas received."),
        label_heading=_("Outcome"),
        rows=[Row(_("Published"), [published]), Row(_("Declined"), [declined])],
    )


def test_other_numbers_are_drawn_afresh():
    first = chart(3, 1).figure("Each idea once.")
    assert "<td>3</td>" in first and ">3</text>" in first
    again = chart(4, 1).figure("Each idea once.")
    assert "<td>4</td>" in again and ">4</text>" in again
    assert "<td>3</td>" not in again


def test_the_same_chart_is_drawn_in_each_language():
    with translation.override("sv"):
        swedish = chart(3, 1).figure("Räknas en gång.")
    with translation.override("en"):
        english = chart(3, 1).figure("Counted once.")
    assert ">Publicerad<" in swedish and "Så räknar vi:" in swedish
    assert ">Published<" in english and "How we count:" in english
    assert "Publicerad" not in english


def test_a_chart_of_what_staff_wrote_is_drawn_in_each_pages_language():
    """Challenge titles are the same in both languages; the page's own words are not."""
    top = Chart(
        id="chart-top-challenges",
        title="Flest idéer",
        description="Utmaningarna med flest idéer.",
        label_heading="Utmaning",
        rows=[Row("Tryggare vägar till skolan", [7], href="/utmaningar/tryggare-vagar/")],
    )
    with translation.override("sv"):
        swedish = top.figure("Räknas en gång.")
    with translation.override("en"):
        english = top.figure("Räknas en gång.")
    assert "Så räknar vi:" in swedish and "Antal" in swedish
    assert "How we count:" in english and "Number" in english


@translation.override("en")
def test_another_rule_or_title_is_shown():
    assert "Counted once." in chart(3, 1).figure("Counted once.")
    assert "Counted twice." in chart(3, 1).figure("Counted twice.")
    assert "Why ideas were declined" in chart(3, 1, title="Why ideas were declined").figure("x")


def test_a_rule_is_escaped_the_second_time_too():
    for _attempt in range(2):
        drawn = chart(3, 1).figure("<script>alert(1)</script>")
        assert "<script>" not in drawn and "&lt;script&gt;" in drawn


def test_the_drawings_kept_are_bounded(monkeypatch):
    monkeypatch.setattr(charts, "FIGURES_KEPT", 5)
    for published in range(12):
        chart(published, 1).figure("Each idea once.")
        assert len(charts._figures) <= 5


def test_a_long_label_is_drawn_in_full_on_two_lines():
    """On one line a name was cut to 48 characters, and those ran past the chart's edge for a
    reader who spaces letters out (WCAG 1.4.12): it breaks between words instead."""
    svg = Chart(
        id="chart-departments",
        title="Initiativ per förvaltning",
        description="Hur många initiativ varje förvaltning äger.",
        label_heading="Förvaltning",
        rows=[Row("Arbetsmarknadsförvaltningen och vuxenutbildningen", [2])],
    ).svg()
    assert ">Arbetsmarknadsförvaltningen och<tspan " in svg
    assert ">vuxenutbildningen</tspan></text>" in svg
    assert "…" not in svg
