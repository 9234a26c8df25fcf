"""axe-core on every public page type, in both languages and in the empty, full and
form-error states; screenshots at phone and desktop width for people to look at."""

from datetime import date, timedelta

import pytest
from django.conf import settings
from django.urls import NoReverseMatch, reverse
from django.utils import translation

from helsingborg_innovation.models import ContactPerson, GlobalGoal, Partner
from initiatives.models import ImpactGoal, Phase, PhaseChange, StopReason

from .conftest import DESKTOP, NARROWEST, PHONE, axe_violations, format_violations, screenshot

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def _contributions_url_name() -> str | None:
    for name in ("contributions:create", "contributions:submit"):
        try:
            reverse(name, args=["x"])
        except NoReverseMatch:
            continue
        return name
    return None


@pytest.fixture
def content(make_challenge, make_initiative, make_method, make_department, make_partner):
    """A small but complete portfolio: every kind of page has something in every part."""
    department = make_department(name="Stadsbyggnadsförvaltningen", slug="stadsbyggnad")
    contact = ContactPerson.objects.create(
        name="Lisa Olsson", role="Innovationsledare", email="lisa.olsson@example.org"
    )
    goals = list(GlobalGoal.objects.filter(number__in=[3, 11]))
    method = make_method(
        title="Tjänstedesign i fem steg",
        summary="Ett stöd för att förstå behov innan man bygger något.",
        body="## Så går det till\n\n1. Förstå\n2. Idégenerera\n3. Testa",
        tags=["tjänstedesign"],
        contact=contact,
    )
    make_method(title="Prototypmall", summary="En enkel mall för pappersprototyper.")
    challenge = make_challenge(
        title="Tryggare vägar till skolan",
        slug="tryggare-vagar",
        summary="Hur kan fler barn gå och cykla själva till skolan, tryggt och året runt?",
        body="Många föräldrar skjutsar sina barn.\n\n* Trafik runt skolorna\n* Mörka morgnar",
        owner_department=department,
        contact=contact,
        open_until=date.today() + timedelta(days=40),
        goals=goals,
        tags=["trafik", "barn"],
        suggested_methods=[method],
    )
    make_challenge(title="Mindre matsvinn", open_until=date.today() - timedelta(days=3))
    partner = make_partner(name="Lunds universitet", kind=Partner.Kind.ACADEMIA)
    running = make_initiative(
        title="Cykelbuss till Slottsskolan",
        phase=Phase.PILOT,
        owner_department=department,
        challenges=[challenge],
        methods=[method],
        partners=[partner],
        goals=goals,
        tags=["trafik"],
        contact=contact,
        start_date=date(2024, 3, 1),
        lessons_learned="Föräldrar vill gärna vara med när det finns ett schema.",
    )
    ImpactGoal.objects.create(initiative=running, description="Fler barn cyklar", target="30 %")
    stopped = make_initiative(
        title="Digitala trafikvakter",
        slug="digitala-trafikvakter",
        phase=Phase.STOPPED,
        owner_department=department,
        challenges=[challenge],
        stop_reason=StopReason.NO_EFFECT,
        stop_explanation="Sensorerna gav för många falsklarm.",
        lessons_learned="**Testa i liten skala först.** Prata med skolorna innan tekniken väljs.",
        start_date=date(2023, 1, 10),
        end_date=date(2024, 6, 30),
    )
    for when, phase, note in [
        (date(2023, 1, 10), Phase.IDEA, "Idén kom från en förälder."),
        (date(2023, 4, 1), Phase.EXPLORATION, ""),
        (date(2023, 9, 1), Phase.PILOT, "Två skolor var med."),
        (date(2024, 6, 30), Phase.STOPPED, "Effekten uteblev."),
    ]:
        PhaseChange.objects.create(initiative=stopped, date=when, phase=phase, note=note)
    for phase in (Phase.IDEA, Phase.EXPLORATION, Phase.IMPLEMENTATION, Phase.OPERATION):
        make_initiative(title=f"Initiativ i fasen {phase.label}", phase=phase)
    return {"challenge": challenge, "method": method, "running": running, "stopped": stopped}


def _pages(content, lang: str, live_server_url: str) -> list[tuple[str, str]]:
    """(label, absolute URL) of every public page type in one language."""
    with translation.override(lang):
        challenge, method = content["challenge"], content["method"]
        pages = [
            ("home", reverse("home")),
            ("challenge list", reverse("challenges:list")),
            ("challenge list, empty", reverse("challenges:list") + "?q=inget-som-finns"),
            ("challenge list, filter error", reverse("challenges:list") + "?department=999999"),
            ("challenge", challenge.get_absolute_url()),
            ("initiative list", reverse("initiatives:list")),
            ("initiative", content["running"].get_absolute_url()),
            ("initiative, stopped", content["stopped"].get_absolute_url()),
            ("lessons", reverse("lessons:list")),
            ("method list", reverse("methods:list")),
            ("method", method.get_absolute_url()),
            ("about", reverse("pages:about")),
            ("accessibility", reverse("pages:accessibility")),
            ("personal data", reverse("pages:personal_data")),
            ("search", reverse("search:results") + "?q=skolan"),
            ("search, no hits", reverse("search:results") + "?q=inget-som-finns"),
            ("search, empty", reverse("search:results")),
            ("tag", reverse("tags:detail", kwargs={"slug": "trafik"})),
            ("statistics", reverse("statistics:dashboard")),
            ("open data", reverse("opendata:index")),
            ("404", reverse("home") + "finns-inte-404/"),
        ]
        name = _contributions_url_name()
        if name:
            pages.append(("contribution form", reverse(name, args=[challenge.slug])))
    return [(label, live_server_url + path) for label, path in pages]


def _send_idea(page, form_url: str, *, valid: bool) -> None:
    page.goto(form_url)
    if valid:
        page.fill("#id_title", "Gångbuss med reflexvästar")
        page.fill("#id_text", "Vuxna turas om att gå med barnen längs en fast rutt.")
        page.fill("#id_name", "Anna Andersson")
        page.fill("#id_email", "anna.andersson@example.org")
        page.check("input[name=kind] >> nth=0")
        page.check("#id_consent")
    page.click("form.form button[type=submit]")
    page.wait_for_load_state()


@pytest.mark.parametrize("lang", ["sv", "en"])
def test_no_axe_violations_on_any_public_page(axe_page, live_server, content, lang):
    failures = []
    checked = 0
    for label, url in _pages(content, lang, live_server.url):
        response = axe_page.goto(url)
        expected = 404 if label == "404" else 200
        assert response.status == expected, f"{label}: {url} answered {response.status}"
        assert axe_page.get_attribute("html", "lang") == lang, f"{label}: wrong lang"
        violations = axe_violations(axe_page)
        checked += 1
        if violations:
            failures.append(f"[{lang}] {label}\n" + format_violations(url, violations))

    name = _contributions_url_name()
    if name:
        with translation.override(lang):
            form_url = live_server.url + reverse(name, args=[content["challenge"].slug])
        _send_idea(axe_page, form_url, valid=False)
        assert axe_page.locator(".error-summary").is_visible()
        for label in ("contribution form with errors",):
            violations = axe_violations(axe_page)
            checked += 1
            if violations:
                failures.append(f"[{lang}] {label}\n" + format_violations(axe_page.url, violations))
        _send_idea(axe_page, form_url, valid=True)
        assert axe_page.locator(".reference").is_visible(), "the receipt shows no reference"
        for label, go in (("receipt", None), ("status page", ".status-link")):
            if go:
                axe_page.click(go)
                axe_page.wait_for_load_state()
            violations = axe_violations(axe_page)
            checked += 1
            if violations:
                failures.append(f"[{lang}] {label}\n" + format_violations(axe_page.url, violations))

    assert checked >= 24
    assert not failures, "\n\n".join(failures)


def test_no_axe_violations_at_the_narrowest_width(axe_page, live_server, content):
    """At 320 CSS pixels (WCAG's reflow width) wide tables scroll in their own box: a keyboard
    user must be able to reach and scroll it, and a screen reader to name it."""
    axe_page.set_viewport_size(NARROWEST)
    failures = []
    pages = _pages(content, "sv", live_server.url) + _pages(content, "en", live_server.url)
    for label, url in pages:
        axe_page.goto(url)
        violations = axe_violations(axe_page)
        if violations:
            failures.append(f"[320px] {label}\n" + format_violations(url, violations))
    assert not failures, "\n\n".join(failures)


def test_screenshots_at_phone_and_desktop_width(page, live_server, content):
    """Writes PNGs to tests/browser/screenshots/ (not committed) for people to look at."""
    targets = [
        ("home", reverse("home")),
        ("challenge", content["challenge"].get_absolute_url()),
        ("initiative-stopped", content["stopped"].get_absolute_url()),
        ("lessons", reverse("lessons:list")),
        ("accessibility", reverse("pages:accessibility")),
    ]
    name = _contributions_url_name()
    for size_name, viewport in (("390", PHONE), ("1280", DESKTOP)):
        page.set_viewport_size(viewport)
        for label, path in targets:
            page.goto(live_server.url + path)
            assert page.locator("h1").count() == 1
            assert screenshot(page, f"{label}-{size_name}").stat().st_size > 0
        if name:
            _send_idea(
                page, live_server.url + reverse(name, args=[content["challenge"].slug]), valid=False
            )
            assert page.locator(".error-summary").is_visible()
            screenshot(page, f"form-errors-{size_name}")
    # Nothing spills sideways on a phone: the page is no wider than the screen.
    page.set_viewport_size(PHONE)
    for _label, path in targets:
        page.goto(live_server.url + path)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= PHONE["width"], f"{path} is {width}px wide on a 390px screen"


def test_signs_drawn_by_the_stylesheet_are_not_read_out(page, live_server, make_challenge):
    """The arrows of "‹ Föregående sida" and "Nästa sida ›" and the dot between the languages
    come from the stylesheet, and screen readers read them out: "Nästa sida enkelt högervinkel-
    citattecken". They are drawn with an empty alternative text, so the names are the words."""
    for n in range(settings.PAGE_SIZE + 1):
        make_challenge(title=f"Utmaning {n}")
    page.goto(live_server.url + reverse("challenges:list") + "?page=2")
    previous = page.get_by_role("link", name="Föregående sida", exact=True)
    assert previous.count() == 1
    page.goto(live_server.url + reverse("challenges:list"))
    assert page.get_by_role("link", name="Nästa sida", exact=True).count() == 1
    # The arrow is still drawn for the eye.
    assert (
        page.evaluate(
            "() => getComputedStyle(document.querySelector('.pagination__link[rel=next]'),"
            " '::after').content"
        )
        == '"›" / ""'
    )
    languages = page.locator(".language-switch").aria_snapshot()
    assert "Svenska" in languages and "·" not in languages
