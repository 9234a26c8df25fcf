"""The public methods library: list with filters, detail with documents and where it was used."""

import re
from datetime import timedelta

import pytest
from django.conf import settings
from django.conf.urls.static import static
from django.core.files.base import ContentFile
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import override

from helsingborg_innovation import urls as project_urls
from helsingborg_innovation.listing import INITIATIVES_SHOWN
from helsingborg_innovation.publishing import Status
from methods.models import Attachment, Method

PDF = b"%PDF-1.4\n" + b"0" * 2039


def _sv(name: str, **kwargs) -> str:
    """The Swedish URL, whichever language the last request left active in this thread."""
    with override("sv"):
        return reverse(name, kwargs=kwargs or None)


def _en(name: str, **kwargs) -> str:
    """The English URL: text assertions use the English page, whose words are the source."""
    with override("en"):
        return reverse(name, kwargs=kwargs or None)


def _detail_url(method) -> str:
    return _sv("methods:detail", slug=method.slug)


def _query_count(client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


def _attach(method, title: str, name: str = "guide.pdf", content: bytes = PDF) -> Attachment:
    attachment = Attachment(method=method, title=title)
    attachment.file.save(name, ContentFile(content), save=True)
    return attachment


def _titles(client, params: dict) -> set[str]:
    response = client.get(_sv("methods:list"), params)
    assert response.status_code == 200
    return {method.title for method in response.context["object_list"]}


# Visibility


@pytest.mark.django_db
def test_list_shows_only_published(client, make_method):
    make_method(title="Synlig metod")
    make_method(title="Utkastmetod", status=Status.DRAFT)
    make_method(title="Schemalagd metod", publish_at=timezone.now() + timedelta(days=1))
    make_method(title="Arkiverad metod", status=Status.ARCHIVED)

    response = client.get(_sv("methods:list"))

    assert response.status_code == 200
    assert "Synlig metod" in response.text
    for title in ("Utkastmetod", "Schemalagd metod", "Arkiverad metod"):
        assert title not in response.text
    assert "1 method</p>" in client.get(_en("methods:list")).text


@pytest.mark.django_db
def test_hidden_detail_is_404_for_anonymous_and_preview_for_staff(client, make_staff, make_method):
    hidden = [
        make_method(status=Status.DRAFT),
        make_method(publish_at=timezone.now() + timedelta(days=1)),
        make_method(status=Status.ARCHIVED),
    ]
    for method in hidden:
        assert client.get(_detail_url(method)).status_code == 404

    client.force_login(make_staff())
    for method in hidden:
        response = client.get(_detail_url(method))
        assert response.status_code == 200
        assert 'class="preview-banner"' in response.text


# Filters and bad input


@pytest.mark.django_db
def test_each_filter_narrows_results(client, make_method):
    make_method(
        title="Intervjuguide",
        kind=Method.Kind.GUIDE,
        stage=Method.Stage.UNDERSTAND,
        duration=Method.Duration.HOURS,
        tags=["intervju"],
    )
    make_method(
        title="Prototypverktyg",
        kind=Method.Kind.TOOL,
        stage=Method.Stage.PROTOTYPE,
        duration=Method.Duration.DAYS,
        body="Bygg en enkel modell av tjänsten.",
    )

    assert _titles(client, {}) == {"Intervjuguide", "Prototypverktyg"}
    assert _titles(client, {"kind": "guide"}) == {"Intervjuguide"}
    assert _titles(client, {"stage": "prototype"}) == {"Prototypverktyg"}
    assert _titles(client, {"duration": "hours"}) == {"Intervjuguide"}
    assert _titles(client, {"tag": "intervju"}) == {"Intervjuguide"}
    assert _titles(client, {"tag": "Intervju"}) == {"Intervjuguide"}
    assert _titles(client, {"q": "modell"}) == {"Prototypverktyg"}
    assert _titles(client, {"kind": "guide", "stage": "prototype"}) == set()


@pytest.mark.django_db
def test_pagination_keeps_filters_and_orders_by_title(client, make_method):
    for n in range(settings.PAGE_SIZE + 1):
        make_method(title=f"Verktyg {n:02d}", kind=Method.Kind.TOOL)
    make_method(title="En guide", kind=Method.Kind.GUIDE)

    first = client.get(_sv("methods:list"), {"kind": "tool"})
    second = client.get(_sv("methods:list"), {"kind": "tool", "page": "2"})

    assert 'href="?kind=tool&amp;page=2"' in first.text
    titles = [m.title for m in first.context["object_list"]]
    titles += [m.title for m in second.context["object_list"]]
    assert titles == [f"Verktyg {n:02d}" for n in range(settings.PAGE_SIZE + 1)]


@pytest.mark.django_db
@pytest.mark.parametrize(
    "params",
    [
        {"kind": "spell"},
        {"stage": "done"},
        {"duration": "forever"},
        {"page": "99999"},
        {"page": "abc"},
        {"q": "y" * 10_000},
        {"q": "\x00"},
        {"tag": "\x00"},
        {"kind": "tool\x00"},
    ],
)
def test_bad_input_never_fails(client, make_method, params):
    make_method()
    assert client.get(_sv("methods:list"), params).status_code == 200


@pytest.mark.django_db
def test_unknown_choice_gives_a_clear_message(client, make_method):
    make_method(title="Synlig metod")
    response = client.get(_en("methods:list"), {"stage": "done"})
    assert "Some filters could not be used" in response.text
    assert "Synlig metod" not in response.text
    assert "Nothing is listed until the filters marked above are corrected." in response.text


@pytest.mark.django_db
def test_a_search_nothing_matches_says_what_to_do(client, make_method):
    make_method(title="Synlig metod")
    list_url = _en("methods:list")

    response = client.get(list_url, {"q": "ubåt"})

    assert (
        "No methods match these filters. Try fewer filters, or "
        f'<a href="{list_url}">clear all filters</a>.'
    ) in response.text


@pytest.mark.django_db
def test_an_empty_library_does_not_speak_of_filters_to_clear(client, db):
    response = client.get(_en("methods:list"))

    assert "No methods match these filters." in response.text
    assert "clear all filters" not in response.text


# Detail


@pytest.mark.django_db
def test_detail_shows_facts_attachments_and_external_link(client, make_method, make_contact):
    method = make_method(
        kind=Method.Kind.TEMPLATE,
        stage=Method.Stage.TEST,
        duration=Method.Duration.HALF_DAY,
        external_url="https://example.org/metod",
        contact=make_contact(name="Lisa Olsson"),
        tags=["test"],
    )
    attachment = _attach(method, "Mall för testplan")

    html = client.get(_en("methods:detail", slug=method.slug)).text

    assert "Template" in html
    assert "Test</a>" in html
    assert "Half a day" in html
    assert 'href="https://example.org/metod"' in html
    assert "Lisa Olsson" in html
    assert f'href="{attachment.file.url}" download' in html
    assert 'Download <span lang="sv">Mall för testplan</span>' in html
    assert "(PDF, 2.0\xa0KB)" in html


# The site's URLs, with media served as helsingborg_innovation.urls serves them in development
# (DEBUG) but from the test's MEDIA_ROOT, not the one the site's URLs were imported with.
urlpatterns = []


@pytest.fixture
def media_served_as_in_development(settings):
    with override_settings(DEBUG=True):
        media = static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
    urlpatterns[:] = [*media, *project_urls.urlpatterns]
    settings.ROOT_URLCONF = __name__


@pytest.mark.django_db
def test_an_attachment_named_with_punctuation_is_linked_and_served(
    client, make_method, media_served_as_in_development
):
    """The link holds the name percent-encoded; the browser saves the file under the name
    decoded from it (the link's `download` names no other)."""
    method = make_method()
    attachment = _attach(method, "Rapporten", name="Rapport (slutversion) – Q&A, 2026.pdf")
    html = client.get(_detail_url(method)).text
    url = attachment.file.url

    assert url.endswith("/Rapport%20(slutversion)%20%E2%80%93%20Q%26A%2C%202026.pdf")
    assert f'href="{url}" download' in html
    response = client.get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF


@pytest.mark.django_db
def test_detail_with_attachment_missing_from_storage_still_renders(client, make_method):
    method = make_method()
    attachment = _attach(method, "Försvunnen fil")
    attachment.file.storage.delete(attachment.file.name)

    response = client.get(_detail_url(method))

    assert response.status_code == 200
    assert "Försvunnen fil" in response.text


@pytest.mark.django_db
def test_detail_lists_published_initiatives_and_challenges(
    client, make_method, make_initiative, make_challenge
):
    method = make_method()
    make_initiative(title="Använde metoden", methods=[method])
    make_initiative(title="Hemligt initiativ", methods=[method], status=Status.DRAFT)
    make_challenge(title="Föreslagen utmaning", suggested_methods=[method])
    make_challenge(title="Utkastutmaning", suggested_methods=[method], status=Status.DRAFT)

    html = client.get(_detail_url(method)).text

    assert "Använde metoden" in html
    assert "Föreslagen utmaning" in html
    assert "Hemligt initiativ" not in html
    assert "Utkastutmaning" not in html


@pytest.mark.django_db
def test_detail_sanitises_markdown(client, make_method):
    method = make_method(
        body="**Steg ett**\n\n<script>alert('x')</script><img src=x onerror=alert(1)>"
    )
    html = client.get(_detail_url(method)).text
    assert "<strong>Steg ett</strong>" in html
    assert "<script>alert" not in html
    assert "onerror" not in html


@pytest.mark.django_db
def test_detail_shows_a_definition_list_without_its_scripts(client, make_method):
    method = make_method(
        body=(
            'Intervju\n:   Ett samtal med en <a href="javascript:alert(1)">användare</a>.\n\n'
            'Enkät\n:   Frågor i skrift.<img src=x onerror="alert(2)">'
        )
    )
    html = client.get(_detail_url(method)).text
    assert "<dl>\n<dt>Intervju</dt>\n<dd>Ett samtal med en <a" in html
    assert "<dt>Enkät</dt>\n<dd>Frågor i skrift.</dd>" in html
    assert "javascript:" not in html
    assert "onerror" not in html
    assert "alert(" not in html


@pytest.mark.django_db
def test_detail_lets_a_keyboard_scroll_a_wide_table_but_not_what_an_author_makes_focusable(
    client, make_method
):
    method = make_method(
        body=(
            "| | | | | | | | |\n|---|---|---|---|---|---|---|---|\n"
            "| Förstå | Idéer | Prototyp | Test | Införande | Skala | Utvärdera | Dela |\n\n"
            '<p role="button" tabindex="0" aria-label="Falsk knapp">Text</p>'
        )
    )
    swedish = client.get(_detail_url(method)).text
    english = client.get(_en("methods:detail", slug=method.slug)).text
    region = '<div class="scroll-region" role="group" tabindex="0" aria-label="{}"><table>'
    assert region.format("Tabell") in swedish
    assert region.format("Table") in english
    for html in (swedish, english):
        assert "</table></div>" in html
        assert "<p>Text</p>" in html
        assert "Falsk knapp" not in html
        assert 'role="button"' not in html


@pytest.mark.django_db
def test_age_notice(client, make_method):
    method = make_method()
    assert 'class="age-notice"' not in client.get(_detail_url(method)).text
    # Two days past the limit: one is within it between 22 and 23 UTC across summer time.
    long_ago = timezone.now() - timedelta(days=settings.CONTENT_AGE_NOTICE_DAYS + 2)
    Method.objects.filter(pk=method.pk).update(updated_at=long_ago, publish_at=long_ago)
    html = client.get(_en("methods:detail", slug=method.slug)).text
    assert f"This content is older than {settings.CONTENT_AGE_NOTICE_DAYS} days." in html


@pytest.mark.django_db
def test_english_pages(client, make_method):
    method = make_method(slug="intervjuguide")
    assert client.get("/en/methods/").status_code == 200
    response = client.get("/en/methods/intervjuguide/")
    assert response.status_code == 200
    assert 'href="/metoder/intervjuguide/"' in response.text
    assert method.title in response.text


# Query counts


@pytest.mark.django_db
def test_list_query_count_does_not_grow(client, make_method):
    make_method(tags=["a"])
    few = _query_count(client, _sv("methods:list"))
    for _ in range(settings.PAGE_SIZE + 4):
        make_method(tags=["a", "b", "c"])
    many = _query_count(client, _sv("methods:list"))
    assert few == many
    assert many <= 10


@pytest.mark.django_db
def test_detail_query_count_does_not_grow(
    client, make_method, make_initiative, make_challenge, make_contact
):
    method = make_method(contact=make_contact(), tags=["a"])
    _attach(method, "Ett")
    make_initiative(methods=[method])
    make_challenge(suggested_methods=[method])
    few = _query_count(client, _detail_url(method))

    for n in range(5):
        _attach(method, f"Fler {n}")
        make_initiative(methods=[method])
        make_challenge(suggested_methods=[method])
    method.tags.add("b", "c")
    many = _query_count(client, _detail_url(method))

    assert few == many
    assert many <= 10


def _initiatives_section(html: str) -> str:
    return html.split('id="initiatives-heading"')[1].split("</section>")[0]


@pytest.mark.django_db
def test_a_much_used_method_shows_the_newest_initiatives_and_links_to_all(
    client, make_method, make_initiative
):
    """A method's page listed the twenty newest initiatives that used it, a challenge's page
    the twelve newest: now both a page of the portfolio, with the same "Show all" link to the
    portfolio filtered on it, in the same number of queries however many there are."""
    method = make_method()
    other = make_method()
    now = timezone.now()

    def add(count: int, start: int = 0) -> None:
        for n in range(start, start + count):
            make_initiative(
                title=f"Initiativ nr {n:02}", methods=[method], publish_at=now - timedelta(hours=n)
            )

    add(1)
    few = _query_count(client, _detail_url(method))
    add(INITIATIVES_SHOWN + 2, start=1)
    make_initiative(title="Hemligt", methods=[method], status=Status.DRAFT)
    make_initiative(title="Annan metods initiativ", methods=[other])
    many = _query_count(client, _detail_url(method))
    assert many <= few + 1  # the count of them, once there are more than are shown

    total = INITIATIVES_SHOWN + 3
    section = _initiatives_section(client.get(_detail_url(method)).text)
    titles = re.findall(r">(Initiativ nr \d+)</a>", section)
    assert titles == [f"Initiativ nr {n:02}" for n in range(INITIATIVES_SHOWN)]  # newest first
    link = f'<a href="/initiativ/?method={method.slug}">Visa alla {total} initiativ</a>'
    assert link in section
    english = _initiatives_section(client.get(_en("methods:detail", slug=method.slug)).text)
    assert f'<a href="/en/initiatives/?method={method.slug}">Show all {total} initiatives</a>' in (
        english
    )

    # The link leads to every one of them, and only them.
    listed = client.get(f"/initiativ/?method={method.slug}").text
    listed += client.get(f"/initiativ/?method={method.slug}&page=2").text
    assert f"{total} initiativ" in listed
    assert sorted(set(re.findall(r"Initiativ nr \d+", listed))) == [
        f"Initiativ nr {n:02}" for n in range(total)
    ]
    assert "Hemligt" not in listed and "Annan metods initiativ" not in listed


@pytest.mark.django_db
def test_a_method_few_initiatives_used_lists_them_all_without_a_link(
    client, make_method, make_initiative
):
    method = make_method()
    for n in range(INITIATIVES_SHOWN):
        make_initiative(title=f"Initiativ nr {n:02}", methods=[method])
    section = _initiatives_section(client.get(_detail_url(method)).text)
    assert len(re.findall(r">Initiativ nr \d+</a>", section)) == INITIATIVES_SHOWN
    assert "?method=" not in section


@pytest.mark.django_db
def test_lessons_that_mention_the_method_are_shown_as_plain_text(
    client, make_method, make_initiative
):
    method = make_method()
    make_initiative(
        methods=[method],
        lessons_learned="## Så går det till\n\nBörja **smått** och läs [guiden](https://example.org).",
    )
    html = client.get(_detail_url(method)).text
    excerpt = html.split('class="related__excerpt">')[1].split("</p>")[0]
    assert " ".join(excerpt.split()) == "Så går det till Börja smått och läs guiden."


@pytest.mark.django_db
def test_a_preview_of_a_draft_method_says_how_many_initiatives_without_a_broken_link(
    editor_client, make_method, make_initiative
):
    """The link "Alla N initiativ" of a draft's preview led to the portfolio filtered on a
    method the public cannot see, which the portfolio refused ("Välj ett giltigt alternativ")."""
    method = make_method(status=Status.DRAFT)
    for n in range(INITIATIVES_SHOWN + 2):
        make_initiative(title=f"Initiativ {n:02}", methods=[method])

    html = editor_client.get(_detail_url(method)).text
    section = html.split('id="initiatives-heading"')[1].split("</section>")[0]
    assert section.count("<li>") == INITIATIVES_SHOWN
    assert "?method=" not in section
    assert (
        f"Totalt har {INITIATIVES_SHOWN + 2} initiativ använt metoden. En länk till alla i "
        "portföljen visas när metoden är publicerad."
    ) in section
