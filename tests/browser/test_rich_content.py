"""What editors write at its fullest (Markdown tables, code, long words and addresses, every
optional field filled in) on the content pages, as a resident reads them on a phone and a
desktop, in Swedish and English: nothing spills sideways and axe finds nothing."""

from datetime import date, timedelta

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import translation

from helsingborg_innovation.models import ContactPerson, GlobalGoal, Partner
from initiatives.models import ImpactGoal, Phase, PhaseChange, StopReason
from methods.models import Attachment

from .conftest import DESKTOP, NARROWEST, PHONE, axe_violations, format_violations

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

LONG_WORD = "Medborgardialogsutvecklingsprojektsredovisningen"
LONG_URL = (
    "https://helsingborg.se/trafik-och-stadsplanering/planer-och-utredningar/"
    "trafikstrategi-for-helsingborg-2030/bilagor/underlag-for-cykelbussar.pdf"
)
BODY = f"""## Bakgrund

Läs mer på {LONG_URL} eller i [rapporten]({LONG_URL}). Ordet {LONG_WORD} är långt.

### Tidplan

| Skola | Förvaltning | Start | Deltagare | Kontaktperson | Kommentar |
|-------|-------------|-------|-----------|---------------|-----------|
| Slottsskolan | Stadsbyggnadsförvaltningen | 2024-03-01 | 42 elever | Lisa Olsson | {LONG_WORD} |
| Tågaborgsskolan | Skol- och fritidsförvaltningen | 2024-08-15 | 18 elever | Anna | Inga |

```
curl --request GET "https://api.helsingborg.se/oppna-data/v1/initiativ?fas=pilot&forvaltning=stadsbyggnad&format=json"
```

> Ett citat från en förälder.

1. Förstå
2. Testa

Siffrorna kommer från en enkät[^1].

[^1]: Enkät till föräldrarna, hösten 2023.
"""


@pytest.fixture
def rich(make_challenge, make_initiative, make_method, make_department, make_partner):
    department = make_department(name="Stadsbyggnadsförvaltningen", slug="stadsbyggnad")
    contact = ContactPerson.objects.create(
        name="Lisa Olsson",
        role="Innovationsledare",
        email="stadsbyggnadsforvaltningen@example.org",
        phone="042-10 50 00",
    )
    goals = list(GlobalGoal.objects.filter(number__in=[3, 11]))
    method = make_method(
        title="Tjänstedesign i fem steg",
        slug="tjanstedesign",
        body=BODY,
        duration="day",
        external_url=LONG_URL,
        tags=["tjänstedesign"],
        contact=contact,
    )
    attachment = Attachment(method=method, title="Mall för intervjuer")
    attachment.file.save("mall.txt", ContentFile(b"Fraga: ...\n"), save=True)
    challenge = make_challenge(
        title="Tryggare vägar till skolan",
        slug="tryggare-vagar",
        body=BODY,
        owner_department=department,
        contact=contact,
        open_until=date.today() + timedelta(days=40),
        goals=goals,
        tags=["trafik"],
        suggested_methods=[method],
    )
    initiative = make_initiative(
        title="Digitala trafikvakter",
        slug="digitala-trafikvakter",
        phase=Phase.STOPPED,
        stop_reason=StopReason.NO_EFFECT,
        stop_explanation=f"Sensorerna gav för många falsklarm.\nSe {LONG_URL}",
        lessons_learned=BODY,
        body=BODY,
        owner_department=department,
        departments=[make_department(name="Skol- och fritidsförvaltningen")],
        partners=[make_partner(name="Lunds universitet", kind=Partner.Kind.ACADEMIA)],
        challenges=[challenge],
        methods=[method],
        goals=goals,
        tags=["trafik"],
        contact=contact,
        start_date=date(2023, 1, 10),
        end_date=date(2024, 6, 30),
    )
    ImpactGoal.objects.create(initiative=initiative, description=LONG_WORD, target=LONG_URL)
    PhaseChange.objects.create(
        initiative=initiative, date=date(2023, 1, 10), phase=Phase.IDEA, note=LONG_URL
    )
    PhaseChange.objects.create(initiative=initiative, date=date(2024, 6, 30), phase=Phase.STOPPED)
    return [challenge, initiative, method]


def _urls(items, live_server) -> list[str]:
    """Each item's page and the lessons page, in Swedish and English."""
    paths = []
    for lang in ("sv", "en"):
        with translation.override(lang):
            paths += [item.get_absolute_url() for item in items] + [reverse("lessons:list")]
    return [live_server.url + path for path in paths]


@pytest.mark.parametrize("viewport", [NARROWEST, PHONE], ids=["320", "390"])
def test_rich_content_never_makes_the_page_wider_than_a_phone(
    axe_page, live_server, rich, viewport
):
    axe_page.set_viewport_size(viewport)
    too_wide = []
    for url in _urls(rich, live_server):
        assert axe_page.goto(url).status == 200
        width = axe_page.evaluate("document.documentElement.scrollWidth")
        if width > viewport["width"]:
            too_wide.append(f"{url} is {width}px wide on a {viewport['width']}px screen")
    assert not too_wide, "\n".join(too_wide)


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["390", "1280"])
def test_no_axe_violations_on_rich_content(axe_page, live_server, rich, viewport):
    axe_page.set_viewport_size(viewport)
    failures = []
    for url in _urls(rich, live_server):
        axe_page.goto(url)
        if violations := axe_violations(axe_page):
            failures.append(format_violations(url, violations))
    assert not failures, "\n\n".join(failures)


def test_printed_a_wide_table_is_shown_whole_not_cut_at_its_scroll_box(axe_page, live_server, rich):
    """On screen a wide table scrolls in its box; on paper nothing scrolls, and what lay
    beyond the box's edge was cut off."""
    axe_page.set_viewport_size({"width": 600, "height": 900})  # about an A4 page's text width
    axe_page.emulate_media(media="print")
    cut = []
    for url in _urls(rich, live_server):
        axe_page.goto(url)
        boxes = axe_page.locator(".prose .scroll-region")
        assert boxes.count(), f"no table on {url}"
        for box in boxes.all():
            hidden = box.evaluate("e => e.scrollWidth - e.clientWidth")
            if hidden > 0:
                cut.append(f"{url}: {hidden}px of a table cut off")
    assert not cut, "\n".join(cut)
