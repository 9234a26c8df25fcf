"""A reader who spaces text out with their own style sheet (WCAG 2.2, 1.4.12) loses none of it."""

import pytest
from django.urls import reverse

from initiatives.models import Phase, StopReason

from .conftest import DESKTOP, NARROWEST, PHONE

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

# The spacing 1.4.12 asks a page to bear, as a reader's style sheet or bookmarklet sets it.
WCAG_TEXT_SPACING = (
    "* { line-height: 1.5 !important; letter-spacing: 0.12em !important;"
    " word-spacing: 0.16em !important; } p { margin-bottom: 2em !important; }"
)


@pytest.fixture
def spaced_page(browser):
    """A page that takes the reader's style sheet: the CSP would refuse an injected one."""
    context = browser.new_context(viewport=PHONE, bypass_csp=True)
    page = context.new_page()
    yield page
    context.close()


def test_chart_labels_stay_inside_the_chart_under_text_spacing(
    spaced_page, live_server, make_department, make_initiative
):
    """A department's name of 48 characters, as long as the chart then showed, ran past the
    chart's right edge with the letters spaced out and was cut off there; long names now go on
    two lines."""
    for name, slug in [
        ("Arbetsmarknadsförvaltningen och vuxenutbildningen", "amf"),
        ("Skol- och fritidsförvaltningen, avdelningen för grundskola", "sof"),
        ("Stadsbyggnadsförvaltningen", "sbf"),
    ]:
        department = make_department(name=name, slug=slug)
        make_initiative(title=f"Initiativ av {slug}", owner_department=department)
    page = spaced_page
    for viewport in (PHONE, DESKTOP):
        page.set_viewport_size(viewport)
        page.goto(live_server.url + reverse("statistics:dashboard"))
        page.add_style_tag(content=WCAG_TEXT_SPACING)
        chart = page.locator("svg[aria-labelledby^='chart-departments']")
        labels = chart.locator("text.chart__label")
        assert labels.count() == 3
        edge = chart.bounding_box()
        for index in range(labels.count()):
            label = labels.nth(index).bounding_box()
            assert label["x"] + label["width"] <= edge["x"] + edge["width"], (
                f"{labels.nth(index).text_content()!r} is cut off at {viewport['width']} px"
            )
        assert "Arbetsmarknadsförvaltningen och" in chart.text_content()


def test_a_long_department_name_breaks_inside_its_lesson_on_a_narrow_screen(
    spaced_page, live_server, make_initiative, make_department
):
    """On a 320 px screen with the letters spaced out, "Stadsbyggnadsförvaltningen" under a
    lesson was wider than the lesson's box: it ran out over its border and the page scrolled
    sideways."""
    make_initiative(
        title="Digitala trafikvakter",
        phase=Phase.STOPPED,
        stop_reason=StopReason.NO_EFFECT,
        owner_department=make_department(name="Stadsbyggnadsförvaltningen", slug="sbf"),
        lessons_learned="Testa i liten skala först.",
    )
    page = spaced_page
    page.set_viewport_size(NARROWEST)
    page.goto(live_server.url + reverse("lessons:list"))
    page.add_style_tag(content=WCAG_TEXT_SPACING)
    lesson = page.locator(".lesson", has_text="Digitala trafikvakter")
    department = lesson.get_by_text("Stadsbyggnadsförvaltningen")
    box, name = lesson.bounding_box(), department.bounding_box()
    assert name["x"] + name["width"] <= box["x"] + box["width"]
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= NARROWEST["width"], f"the lessons page is {width}px wide on a 320px screen"
