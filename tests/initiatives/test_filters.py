"""Filtering the portfolio: every filter narrows, bad input gets a clear answer, never a 500."""

import re
from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from helsingborg_innovation import pagecache
from helsingborg_innovation.models import Partner
from helsingborg_innovation.publishing import Status
from initiatives.filters import InitiativeFilter
from initiatives.models import Initiative, Phase
from tests.conftest import plan_with_more_rows

from .test_views import card_titles


def _english_list() -> str:
    with translation.override("en"):
        return reverse("initiatives:list")


@pytest.fixture
def portfolio(make_initiative, make_partner, make_department, make_challenge, goal):
    culture = make_department(slug="kultur")
    challenge = make_challenge(slug="trygga-parker")
    make_initiative(title="Pilot A", phase=Phase.PILOT, start_date=date(2023, 1, 1),
                    owner_department=culture)  # fmt: skip
    make_initiative(title="Stoppat B", phase=Phase.STOPPED, start_date=date(2019, 1, 1),
                    end_date=date(2020, 6, 1), departments=[culture],
                    lessons_learned="Lyssna på brukarna.")  # fmt: skip
    make_initiative(title="Drift C", phase=Phase.OPERATION, summary="Solceller på taken.",
                    start_date=date(2022, 1, 1), tags=["energi"], goals=[goal],
                    challenges=[challenge],
                    partners=[make_partner(kind=Partner.Kind.ACADEMIA),
                              make_partner(kind=Partner.Kind.ACADEMIA)])  # fmt: skip
    make_initiative(title="Idé D", phase=Phase.IDEA, body="Mer om *vindkraft*.")


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({}, {"Pilot A", "Stoppat B", "Drift C", "Idé D"}),
        ({"phase": "pilot"}, {"Pilot A"}),
        ({"stopped": "yes"}, {"Stoppat B"}),
        ({"stopped": "no"}, {"Pilot A", "Drift C", "Idé D"}),
        ({"department": "kultur"}, {"Pilot A", "Stoppat B"}),
        ({"challenge": "trygga-parker"}, {"Drift C"}),
        ({"goal": "11"}, {"Drift C"}),
        ({"partner_kind": "academia"}, {"Drift C"}),
        ({"partner_kind": "association"}, set()),
        ({"year": "2020"}, {"Stoppat B"}),
        ({"year": "2021"}, set()),
        ({"year": "2023"}, {"Pilot A", "Drift C"}),
        ({"year": "2019"}, {"Stoppat B"}),
        ({"tag": "energi"}, {"Drift C"}),
        ({"q": "solceller"}, {"Drift C"}),
        ({"q": "VINDKRAFT"}, {"Idé D"}),
        ({"q": "brukarna"}, {"Stoppat B"}),
        ({"q": "Pilot"}, {"Pilot A"}),
        ({"q": "sol\x00celler"}, {"Drift C"}),
        ({"stopped": "no", "year": "2023", "partner_kind": "academia"}, {"Drift C"}),
    ],
)
def test_each_filter_narrows_the_portfolio(client, portfolio, params, expected):
    response = client.get(reverse("initiatives:list"), params)
    assert response.status_code == 200
    assert set(card_titles(response)) == expected
    assert response.context["paginator"].count == len(expected)


def test_the_year_filter_uses_the_queryset_rule(portfolio, goal):
    # Same answer from the filter set alone, as the open-data export uses it.
    filterset = InitiativeFilter({"year": "2020"}, queryset=Initiative.objects.published())
    assert [i.title for i in filterset.qs] == ["Stoppat B"]


def test_a_tag_written_as_its_page_shows_it_finds_what_has_it(client, make_initiative):
    """The cards and the open data show a tag's name, "Oceanhamnen"; its slug is lower case."""
    make_initiative(title="Innovationsdistrikt", tags=["Oceanhamnen", "social hållbarhet"])
    make_initiative(title="Annat")

    response = client.get(_english_list(), {"tag": "Oceanhamnen"})

    assert card_titles(response) == ["Innovationsdistrikt"]
    assert "1 initiative</p>" in response.text
    assert card_titles(client.get(_english_list(), {"tag": "Social hållbarhet"})) == [
        "Innovationsdistrikt"
    ]


def test_an_initiative_with_many_matching_relations_is_listed_and_counted_once(
    client, make_initiative, make_partner, make_department
):
    department = make_department(slug="miljo")
    make_initiative(
        title="Många partner",
        owner_department=department,
        departments=[department, make_department()],
        partners=[make_partner(kind=Partner.Kind.BUSINESS) for _ in range(4)],
        tags=["energi", "sol"],
    )
    params = {"partner_kind": "business", "department": "miljo", "tag": "energi"}
    response = client.get(_english_list(), params)
    assert card_titles(response) == ["Många partner"]
    assert "1 initiative<" in response.text


def test_a_challenge_published_after_start_up_can_be_filtered_on(client, make_initiative,
                                                                make_challenge):  # fmt: skip
    """The filter's choices are read per request, not frozen when the code was loaded."""
    client.get(reverse("initiatives:list"))
    challenge = make_challenge(slug="ny-utmaning", publish_at=timezone.now())
    make_initiative(title="Nytt", challenges=[challenge])
    response = client.get(reverse("initiatives:list"), {"challenge": "ny-utmaning"})
    assert card_titles(response) == ["Nytt"]


@pytest.mark.parametrize(
    "fields", [{"status": Status.DRAFT}, {"publish_at": "future"}, {"status": Status.ARCHIVED}]
)
def test_an_unpublished_challenge_is_no_filter_choice(client, make_challenge, fields):
    if fields.get("publish_at"):
        fields = {"publish_at": timezone.now() + timedelta(days=1)}
    make_challenge(slug="hemlig", title="Hemlig utmaning", **fields)
    response = client.get(reverse("initiatives:list"))
    assert "Hemlig utmaning" not in response.text
    response = client.get(_english_list(), {"challenge": "hemlig"})
    assert response.status_code == 200
    assert "Select a valid choice" in response.text


@pytest.mark.parametrize("year", ["abc", "99999", "1200", "2020.5", "-2020", "9" * 5000])
def test_a_bad_year_gets_a_clear_error(client, portfolio, year):
    response = client.get(_english_list(), {"year": year})
    assert response.status_code == 200
    assert "Enter a year between 1990 and 2100, for example 2024." in response.text
    assert 'class="error-summary"' in response.text
    assert card_titles(response) == []


@pytest.mark.parametrize(
    "params",
    [
        {"phase": "nope"},
        {"stopped": "maybe"},
        {"department": "\x00"},
        {"department": "finns-inte"},
        {"challenge": "<script>"},
        {"goal": "x"},
        {"goal": "999"},
        {"partner_kind": "\x00academia"},
        {"tag": "a" * 500},
        {"q": "\x00"},
        {"q": "%_'\"; DROP TABLE"},
        {"q": "x" * 5000},
        {"page": "999999"},
        {"page": "-1"},
        {"page": "abc"},
    ],
)
def test_bad_filter_values_never_give_an_error_page(client, portfolio, params):
    response = client.get(reverse("initiatives:list"), params)
    assert response.status_code == 200
    assert "<script>" not in response.text


def test_an_invalid_choice_is_named_in_the_error_summary(client, portfolio):
    response = client.get(_english_list(), {"phase": "nope"})
    assert 'href="#id_phase"' in response.text
    assert "Select a valid choice. nope is not one of the available choices." in response.text


def test_a_list_emptied_by_a_bad_filter_says_to_correct_it(client, portfolio):
    """Nothing is listed while a filter is refused: that is not "nothing matches"."""
    response = client.get(_english_list(), {"phase": "nope", "q": "solceller"})

    assert card_titles(response) == []
    assert "Nothing is listed until the filters marked above are corrected." in response.text
    assert "No initiatives match these filters." not in response.text


def test_a_list_that_nothing_matches_says_what_to_do(client, portfolio):
    list_url = _english_list()

    response = client.get(list_url, {"partner_kind": "association"})

    assert card_titles(response) == []
    assert (
        "No initiatives match these filters. Try fewer filters, or "
        f'<a href="{list_url}">clear all filters</a>.'
    ) in response.text
    assert 'class="error-summary"' not in response.text


def test_pagination_keeps_the_filters(client, make_initiative, settings):
    for _ in range(settings.PAGE_SIZE + 2):
        make_initiative(phase=Phase.PILOT)
    make_initiative(phase=Phase.IDEA, title="Annan fas")
    response = client.get(reverse("initiatives:list"), {"phase": "pilot"})
    assert len(card_titles(response)) == settings.PAGE_SIZE
    assert 'href="?phase=pilot&amp;page=2"' in response.text
    second = client.get(reverse("initiatives:list"), {"phase": "pilot", "page": "2"})
    assert len(card_titles(second)) == 2
    assert "Annan fas" not in card_titles(second)
    # The pages together show every match exactly once.
    titles = card_titles(response) + card_titles(second)
    assert len(set(titles)) == settings.PAGE_SIZE + 2


def test_a_page_past_the_end_shows_the_last_page(client, make_initiative, settings):
    for _ in range(settings.PAGE_SIZE + 1):
        make_initiative()
    response = client.get(reverse("initiatives:list"), {"page": "50"})
    assert response.status_code == 200
    assert len(card_titles(response)) == 1


@pytest.mark.parametrize("page", ["0", "-1", "-99999999999999999999"])
def test_a_page_before_the_first_shows_the_first_page(client, make_initiative, settings, page):
    for _ in range(settings.PAGE_SIZE + 1):
        make_initiative()
    response = client.get(_english_list(), {"page": page})
    assert len(card_titles(response)) == settings.PAGE_SIZE
    assert "Page 1 of 2" in response.text


def test_pages_far_down_the_portfolio_are_read_from_the_end_or_by_their_keys(
    client, make_initiative, settings, monkeypatch
):
    """A hundred thousand initiatives: the last page skipped all of them, text and all (0.3 s
    built afresh), a page in the middle half of them. The second half is read from the end,
    and far from either end the keys of a page's initiatives are read first; the pages show
    every initiative once, newest first."""
    from helsingborg_innovation import paging

    monkeypatch.setattr(paging, "KEYS_FIRST_AFTER", 1)
    now = timezone.now()
    count = settings.PAGE_SIZE * 3 + 1
    for n in range(count):
        make_initiative(title=f"Initiativ {n:02d}", publish_at=now - timedelta(hours=n))
    shown = []
    for number in (1, 2, 3, 4):
        with CaptureQueriesContext(connection) as queries:
            response = client.get(reverse("initiatives:list"), {"page": number})
        shown.extend(card_titles(response))
        cards = [q["sql"] for q in queries if '"initiatives_initiative"."summary"' in q["sql"]]
        assert cards and not [sql for sql in cards if "OFFSET" in sql]
    assert shown == [f"Initiativ {n:02d}" for n in range(count)]


@pytest.mark.django_db
@pytest.mark.parametrize("app", ["initiatives", "challenges"])
def test_the_keys_of_a_page_far_down_a_public_list_are_read_off_an_index_alone(app):
    """The keys of a page far down the portfolio or the challenges come from the index of
    their order, which holds the status too: 48,000 initiatives skipped in 6 ms, not 85."""
    from django.apps import apps

    if connection.vendor != "postgresql":
        pytest.skip("index-only scans are PostgreSQL's")
    model = apps.get_model(app, app.removesuffix("s").capitalize())
    keys = model.objects.published().order_by("-publish_at", "-pk").values_list("pk")[500:512]
    plan = plan_with_more_rows(keys)
    assert f"Index Only Scan using {app.removesuffix('s')}_order_idx" in plan


def test_the_form_keeps_what_the_visitor_chose(client, portfolio):
    response = client.get(reverse("initiatives:list"), {"q": "solceller", "year": "2023"})
    assert 'value="solceller"' in response.text
    assert 'value="2023"' in response.text


@pytest.mark.django_db
def test_the_challenge_filter_lists_the_newest_and_takes_any_published(
    client, make_initiative, make_challenge, monkeypatch
):
    monkeypatch.setattr("initiatives.filters.LISTED_OPTIONS", 2)
    now = timezone.now()
    oldest, middle, newest = (
        make_challenge(title=title, publish_at=now - timedelta(days=days))
        for title, days in [("Äldst", 30), ("Mitten", 20), ("Nyast", 10)]
    )
    make_initiative(title="För den äldsta", challenges=[oldest])
    make_initiative(title="För den nyaste", challenges=[newest])
    page = client.get(reverse("initiatives:list")).text
    assert f'value="{newest.slug}"' in page and f'value="{middle.slug}"' in page
    assert f'value="{oldest.slug}"' not in page
    chosen = client.get(reverse("initiatives:list"), {"challenge": oldest.slug})
    assert card_titles(chosen) == ["För den äldsta"]
    assert f'value="{oldest.slug}" selected' in chosen.text


@pytest.mark.django_db
def test_filter_options_are_kept_and_follow_every_change_at_once(
    client, make_initiative, make_department, make_challenge, make_method
):
    """The department, goal, challenge and method options are read once, not on every visit;
    a new department, challenge or method is among them on the very next visit."""
    make_department(name="Kulturförvaltningen", slug="kultur")
    make_initiative()
    with CaptureQueriesContext(connection) as first:
        client.get(reverse("initiatives:list"))
    with CaptureQueriesContext(connection) as second:
        page = client.get(reverse("initiatives:list")).text
    assert 'value="kultur"' in page
    assert len(second) == len(first) - 4  # departments, goals, challenges and methods

    make_department(name="Miljöförvaltningen", slug="miljo")
    challenge = make_challenge(title="Renare luft")
    page = client.get(reverse("initiatives:list")).text
    assert 'value="miljo">Miljöförvaltningen</option>' in page
    assert f'value="{challenge.slug}">Renare luft</option>' in page
    chosen = client.get(reverse("initiatives:list"), {"department": "miljo"}).text
    assert 'value="miljo" selected>Miljöförvaltningen</option>' in chosen
    method = make_method(title="Designsprint")
    page = client.get(reverse("initiatives:list")).text
    assert f'value="{method.slug}">Designsprint</option>' in page


@pytest.mark.django_db
def test_filter_options_are_read_afresh_while_the_cache_is_away(
    client, make_initiative, make_department
):
    """Nowhere to keep the options: they are read once per page, as before they were kept."""
    make_department(name="Kulturförvaltningen", slug="kultur")
    make_initiative()
    with CaptureQueriesContext(connection) as usual:
        client.get(reverse("initiatives:list"))
    pagecache.cache_failed("a test")
    with CaptureQueriesContext(connection) as away:
        page = client.get(reverse("initiatives:list")).text
    assert 'value="kultur">Kulturförvaltningen</option>' in page
    assert len(away) == len(usual)


@pytest.mark.django_db
def test_the_method_filter_lists_the_initiatives_that_used_a_method(
    client, make_initiative, make_method, monkeypatch
):
    monkeypatch.setattr("initiatives.filters.LISTED_OPTIONS", 1)
    older = make_method(title="Tjänstedesign", publish_at=timezone.now() - timedelta(days=9))
    newer = make_method(title="Designsprint")
    make_initiative(title="Med tjänstedesign", methods=[older])
    make_initiative(title="Med båda", methods=[older, newer])
    make_initiative(title="Utan metod")
    page = client.get(reverse("initiatives:list"))
    assert f'value="{newer.slug}">Designsprint</option>' in page.text
    assert f'value="{older.slug}"' not in page.text  # only the newest is listed ...
    chosen = client.get(reverse("initiatives:list"), {"method": older.slug})
    # ... but any published method can be filtered on, and the form shows the choice.
    assert sorted(card_titles(chosen)) == ["Med båda", "Med tjänstedesign"]
    assert f'value="{older.slug}" selected>Tjänstedesign</option>' in chosen.text
    draft = make_method(title="Utkast", status=Status.DRAFT)
    refused = client.get(_english_list(), {"method": draft.slug})
    assert "Select a valid choice" in refused.text
    assert card_titles(refused) == []


@pytest.mark.django_db
def test_a_new_method_is_offered_at_once_on_the_cached_portfolio(
    client, make_initiative, make_method, settings
):
    settings.PAGE_CACHE_ENABLED = True
    make_initiative()
    client.get(reverse("initiatives:list"))
    assert client.get(reverse("initiatives:list"))["X-Page-Cache"] == "hit"
    method = make_method(title="Designsprint")
    page = client.get(reverse("initiatives:list"))
    assert f'value="{method.slug}">Designsprint</option>' in page.text


def _titles(response) -> list[str]:
    """The initiatives a list shows: as cards, or as lessons with their titles."""
    lessons = re.findall(r'class="lesson__title"><a href="[^"]*"[^>]*>([^<]*)</a>', response.text)
    return lessons or card_titles(response)


@pytest.mark.parametrize(
    ("list_name", "name", "maker"),
    [
        ("initiatives:list", "challenge", "make_challenge"),
        ("initiatives:list", "method", "make_method"),
        ("lessons:list", "challenge", "make_challenge"),
    ],
)
def test_a_former_slug_in_a_filter_leads_to_the_list_filtered_by_the_slug_now(
    client, request, make_initiative, list_name, name, maker
):
    """A challenge's page keeps its old address when an editor changes its slug, but a link
    to the portfolio filtered by it (a newsletter's, a bookmark) showed an error box and an
    empty list. It now leads to the same list, filtered by the slug the item has now."""
    item = request.getfixturevalue(maker)(slug="gamla-namnet")
    make_initiative(title="Berört", phase=Phase.STOPPED, **{f"{name}s": [item]})
    make_initiative(title="Annat", phase=Phase.STOPPED)
    item.slug = "nya-namnet"
    item.save()
    list_url = reverse(list_name)

    response = client.get(list_url, {name: "gamla-namnet", "q": "", "department": ""})

    assert response.status_code == 301
    assert response["Location"] == f"{list_url}?{name}=nya-namnet&q=&department="
    page = client.get(response["Location"])
    assert _titles(page) == ["Berört"]
    assert '<option value="nya-namnet" selected>' in page.text
    assert 'class="error-summary"' not in page.text


def test_a_slug_no_item_ever_had_is_still_refused(client, portfolio):
    response = client.get(_english_list(), {"challenge": "finns-inte"})
    assert response.status_code == 200
    assert 'href="#id_challenge"' in response.text
