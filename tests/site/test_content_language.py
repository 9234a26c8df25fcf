"""What staff wrote is Swedish; on the English pages it is marked lang="sv" (WCAG 3.1.2), so a
screen reader reads "Tryggare vägar till skolan" with a Swedish voice, not as English words."""

from datetime import date, timedelta
from html.parser import HTMLParser

import pytest
from django.urls import reverse
from django.utils import translation

from contributions.models import Contribution, ContributionStatus
from initiatives.models import ImpactGoal, Phase, PhaseChange, StopReason

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source"}
VOID |= {"track", "wbr"}


class _Languages(HTMLParser):
    """The language of every piece of text in the body: that of its nearest element with one."""

    def __init__(self):
        super().__init__()
        self.stack: list[str | None] = []
        self.texts: list[tuple[str, str]] = []  # (language, text)
        self.in_body = False
        self.svg_depth = 0

    def handle_starttag(self, tag, attrs):
        if tag == "body":
            self.in_body = True
        self.svg_depth += tag == "svg"
        if tag not in VOID:
            self.stack.append(dict(attrs).get("lang"))

    def handle_endtag(self, tag):
        self.svg_depth -= tag == "svg"
        if tag not in VOID and self.stack:
            self.stack.pop()

    def handle_data(self, data):
        # A chart is one image to assistive technology (role="img"), named by its title.
        if self.in_body and data.strip() and self.svg_depth == 0:
            language = next((lang for lang in reversed(self.stack) if lang), "")
            self.texts.append((language, " ".join(data.split())))


def language_of(html: str, text: str) -> set[str]:
    """The languages the text is marked with wherever it appears on the page."""
    parser = _Languages()
    parser.feed(html)
    found = {language for language, data in parser.texts if text in data}
    assert found, f"{text!r} is not on the page"
    return found


def page(client, obj_or_name, lang: str, query: str = "", **kwargs) -> str:
    with translation.override(lang):
        if isinstance(obj_or_name, str):
            url = reverse(obj_or_name, **kwargs)
        else:
            url = obj_or_name.get_absolute_url()
    response = client.get(url, {"q": query} if query else {})
    assert response.status_code == 200, url
    return response.text


@pytest.fixture
def content(make_challenge, make_initiative, make_method, make_department, make_contact):
    department = make_department(name="Stadsbyggnadsförvaltningen")
    method = make_method(title="Tjänstedesign i fem steg", summary="Ett stöd för att förstå behov.")
    challenge = make_challenge(
        title="Tryggare vägar till skolan",
        slug="tryggare-vagar",
        summary="Hur kan fler barn gå och cykla själva?",
        body="Många föräldrar skjutsar sina barn.",
        owner_department=department,
        contact=make_contact(role="Innovationsledare"),
        open_until=date.today() + timedelta(days=30),
        tags=["trafiksäkerhet"],
        suggested_methods=[method],
    )
    stopped = make_initiative(
        title="Digitala trafikvakter",
        summary="Sensorer vid övergångsställen.",
        phase=Phase.STOPPED,
        owner_department=department,
        challenges=[challenge],
        methods=[method],
        stop_reason=StopReason.NO_EFFECT,
        stop_explanation="Sensorerna gav för många falsklarm.",
        lessons_learned="Testa i liten skala först.",
        body="Ett försök vid två skolor.",
    )
    ImpactGoal.objects.create(
        initiative=stopped,
        description="Färre incidenter",
        target="minus hälften",
        result="oförändrat",
    )
    PhaseChange.objects.create(
        initiative=stopped, date=date(2024, 6, 30), phase=Phase.STOPPED, note="Effekten uteblev."
    )
    Contribution.objects.create(
        challenge=challenge,
        title="Gångbuss",
        text="Vuxna turas om.",
        name="Anna",
        email="anna@example.org",
        kind="resident",
        consent=True,
        status=ContributionStatus.PUBLISHED,
        public_answer="Tack, vi prövar det i höst.",
        initiative=stopped,
    )
    return {"challenge": challenge, "stopped": stopped, "method": method}


SWEDISH_ON = {
    "method": [
        "Tjänstedesign i fem steg",
        "Ett stöd för att förstå behov.",
        "Digitala trafikvakter",
        "Testa i liten skala först.",
        "Tryggare vägar till skolan",
    ],
    "challenge": [
        "Tryggare vägar till skolan",
        "Hur kan fler barn gå och cykla själva?",
        "Många föräldrar skjutsar sina barn.",
        "Stadsbyggnadsförvaltningen",
        "Innovationsledare",
        "trafiksäkerhet",
        "Digitala trafikvakter",
        "Tjänstedesign i fem steg",
        "Tack, vi prövar det i höst.",
    ],
    "stopped": [
        "Digitala trafikvakter",
        "Sensorer vid övergångsställen.",
        "Sensorerna gav för många falsklarm.",
        "Testa i liten skala först.",
        "Ett försök vid två skolor.",
        "Färre incidenter",
        "minus hälften",
        "oförändrat",
        "Effekten uteblev.",
        "Tryggare vägar till skolan",
        "Tjänstedesign i fem steg",
    ],
}


@pytest.mark.parametrize("item", SWEDISH_ON)
def test_what_staff_wrote_is_marked_swedish_on_an_english_page(client, content, item):
    html = page(client, content[item], "en")
    for text in SWEDISH_ON[item]:
        assert language_of(html, text) == {"sv"}, text
    # The page's own words are not.
    assert language_of(html, "Stage" if item == "method" else "Owner") == {"en"}


@pytest.mark.parametrize(
    "name, kwargs, texts",
    [
        ("home", {}, ["Tryggare vägar till skolan", "Hur kan fler barn gå och cykla själva?"]),
        ("challenges:list", {}, ["Tryggare vägar till skolan", "Stadsbyggnadsförvaltningen"]),
        ("initiatives:list", {}, ["Digitala trafikvakter", "Sensorer vid övergångsställen."]),
        ("lessons:list", {}, ["Digitala trafikvakter", "Testa i liten skala först."]),
        ("methods:list", {}, ["Tjänstedesign i fem steg", "Ett stöd för att förstå behov."]),
        ("search:results", {"query": "trafikvakter"}, ["Digitala trafikvakter"]),
        ("tags:detail", {"kwargs": {"slug": "trafiksäkerhet"}}, ["trafiksäkerhet"]),
        ("statistics:dashboard", {}, ["Stadsbyggnadsförvaltningen"]),
        (
            "contributions:create",
            {"args": ["tryggare-vagar"]},
            ["Tryggare vägar till skolan"],
        ),
    ],
)
def test_titles_and_summaries_in_lists_are_marked_swedish(client, content, name, kwargs, texts):
    html = page(client, name, "en", **kwargs)
    for text in texts:
        assert language_of(html, text) == {"sv"}, text


def test_nothing_is_marked_on_the_swedish_pages(client, content):
    """On a Swedish page everything is in the page's language: no attribute to repeat it."""
    for item in ("challenge", "stopped"):
        html = page(client, content[item], "sv")
        assert 'lang="sv"' not in html.split("<body", 1)[1].replace('hreflang="sv" lang="sv"', "")
        for text in SWEDISH_ON[item]:
            assert language_of(html, text) == {"sv"}
