"""The public challenge pages: what anonymous visitors and staff see, filters, bad input."""

import re
from datetime import timedelta

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import override

from challenges.models import Challenge
from helsingborg_innovation.listing import INITIATIVES_SHOWN
from helsingborg_innovation.publishing import Status

LIST_URL = "/utmaningar/"


def _query_count(client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


def _sv(name: str, **kwargs) -> str:
    """The Swedish URL, whichever language the last request left active in this thread."""
    with override("sv"):
        return reverse(name, kwargs=kwargs or None)


def _detail_url(challenge) -> str:
    return _sv("challenges:detail", slug=challenge.slug)


def _en(name: str, **kwargs) -> str:
    """The English URL: text assertions use the English page, whose words are the source."""
    with override("en"):
        return reverse(name, kwargs=kwargs or None)


def _hidden_challenges(make_challenge) -> list:
    return [
        make_challenge(title="Hemligt utkast", status=Status.DRAFT),
        make_challenge(title="Schemalagd utmaning", publish_at=timezone.now() + timedelta(days=3)),
        make_challenge(title="Arkiverad utmaning", status=Status.ARCHIVED),
    ]


# Visibility


@pytest.mark.django_db
def test_list_shows_only_published(client, make_challenge):
    make_challenge(title="Synlig utmaning")
    _hidden_challenges(make_challenge)

    for url in (_sv("challenges:list"), _en("challenges:list")):
        response = client.get(url)
        assert response.status_code == 200
        assert "Synlig utmaning" in response.text
        for title in ("Hemligt utkast", "Schemalagd utmaning", "Arkiverad utmaning"):
            assert title not in response.text
        assert response.context["paginator"].count == 1
    assert "1 challenge</p>" in response.text


@pytest.mark.django_db
def test_detail_of_hidden_challenges_is_404_for_anonymous(client, make_challenge):
    for challenge in _hidden_challenges(make_challenge):
        assert client.get(_detail_url(challenge)).status_code == 404


@pytest.mark.django_db
def test_staff_preview_hidden_challenges_with_banner(client, make_staff, make_challenge):
    draft, scheduled, archived = _hidden_challenges(make_challenge)
    client.force_login(make_staff())

    draft_page = client.get(_detail_url(draft))
    assert draft_page.status_code == 200
    assert "Hemligt utkast" in draft_page.text
    assert 'class="preview-banner"' in draft_page.text
    assert 'class="preview-banner"' in client.get(_detail_url(scheduled)).text
    assert 'class="preview-banner"' in client.get(_detail_url(archived)).text


@pytest.mark.django_db
def test_a_preview_of_a_challenge_open_once_published_says_when_ideas_can_be_sent(
    client, make_staff, make_challenge
):
    """A scheduled challenge's preview said "Öppen för idéer" at the top and "Den här
    utmaningen är stängd för idéer" under Ideas. It shows what the public will see once it is
    published, open, and where the public will have the button, that the form opens then:
    it takes no idea before."""
    publish_at = timezone.now() + timedelta(days=3)
    scheduled = make_challenge(
        publish_at=publish_at, open_until=timezone.localdate() + timedelta(days=30)
    )
    draft = make_challenge(status=Status.DRAFT)
    past = make_challenge(status=Status.DRAFT, open_until=timezone.localdate() - timedelta(days=1))
    client.force_login(make_staff())
    with override("sv"):
        day = date_format(timezone.localdate(publish_at), "j F Y")
    form = 'href="/utmaningar/{}/bidra/"'

    page = client.get(_detail_url(scheduled)).text
    assert "Öppen för idéer" in page
    assert "stängd för idéer" not in page.lower()
    assert f"Idéer kan skickas från och med {day}, när utmaningen publiceras." in page
    assert form.format(scheduled.slug) not in page

    page = client.get(_detail_url(draft)).text
    assert "Öppen för idéer" in page
    assert "stängd för idéer" not in page.lower()
    assert "Idéer kan skickas när utmaningen har publicerats." in page
    assert form.format(draft.slug) not in page

    page = client.get(_detail_url(past)).text
    assert "Öppen för idéer" not in page
    assert "Den här utmaningen är stängd för idéer." in page
    assert "Idéer kan skickas" not in page

    english = client.get(_en("challenges:detail", slug=scheduled.slug)).text
    with override("en"):
        day = date_format(timezone.localdate(publish_at), "j F Y")
    assert f"Ideas can be sent from {day}, when the challenge is published." in english
    assert "closed for ideas" not in english.lower()


@pytest.mark.django_db
def test_published_detail_has_no_preview_banner(client, make_staff, make_challenge):
    challenge = make_challenge()
    client.force_login(make_staff())
    assert 'class="preview-banner"' not in client.get(_detail_url(challenge)).text


@pytest.mark.django_db
def test_staff_do_not_see_drafts_in_the_public_list(client, make_staff, make_challenge):
    make_challenge(title="Hemligt utkast", status=Status.DRAFT)
    client.force_login(make_staff())
    assert "Hemligt utkast" not in client.get(_sv("challenges:list")).text


# Detail content


@pytest.mark.django_db
def test_detail_shows_owner_goals_tags_contact_and_status(
    client, make_challenge, make_department, make_contact, goal
):
    owner = make_department(name="Kulturförvaltningen", slug="kultur")
    contact = make_contact(name="Lisa Olsson", phone="042-10 50 00")
    closing = timezone.localdate() + timedelta(days=10)
    challenge = make_challenge(
        owner_department=owner,
        contact=contact,
        goals=[goal],
        tags=["bibliotek"],
        open_until=closing,
    )

    html = client.get(_detail_url(challenge)).text
    english = client.get(_en("challenges:detail", slug=challenge.slug)).text

    assert "Kulturförvaltningen" in html
    assert f"{LIST_URL}?department=kultur" in html
    assert "11. Hållbara städer och samhällen" in html
    assert 'href="/taggar/bibliotek/"' in html
    assert "Lisa Olsson" in html
    assert "042-10 50 00" in html
    assert 'class="badge badge--open"' in html
    assert "11. Sustainable cities and communities" in english
    assert (
        f"Open for ideas</span> up to and including {closing.day} {closing:%B} {closing.year}"
        in english
    )


@pytest.mark.django_db
def test_the_last_day_for_ideas_is_said_to_be_included(client, make_challenge):
    # "Open until 3 December" left an English reader unsure whether the 3rd still counts; it
    # does, as the Swedish "till och med" says.
    challenge = make_challenge(open_until=timezone.localdate())
    today = timezone.localdate()
    shown = f"up to and including {today.day} {today:%B} {today.year}"
    assert shown in client.get(_en("challenges:detail", slug=challenge.slug)).text
    assert shown in client.get(_en("challenges:list")).text


@pytest.mark.django_db
def test_detail_of_closed_challenge_says_closed(client, make_challenge):
    challenge = make_challenge(open_until=timezone.localdate() - timedelta(days=1))
    html = client.get(_en("challenges:detail", slug=challenge.slug)).text
    assert "Closed for ideas" in html
    assert "Open for ideas" not in html


@pytest.mark.django_db
def test_detail_renders_markdown_and_removes_script(client, make_challenge):
    challenge = make_challenge(
        body="## Bakgrund\n\nEn **viktig** fråga.\n\n<script>alert('x')</script>"
        '\n\n<a href="javascript:alert(1)">klicka</a>'
    )

    html = client.get(_detail_url(challenge)).text

    assert "<h2>Bakgrund</h2>" in html
    assert "<strong>viktig</strong>" in html
    assert "<script>alert" not in html
    assert "javascript:alert" not in html


@pytest.mark.django_db
def test_detail_shows_image_with_alt_text(client, make_challenge):
    challenge = make_challenge(
        image="images/2025/01/hamnen.jpg", image_alt="Oceanhamnen i kvällsljus"
    )
    html = client.get(_detail_url(challenge)).text
    assert 'alt="Oceanhamnen i kvällsljus"' in html
    assert "images/2025/01/hamnen.jpg" in html


@pytest.mark.django_db
def test_detail_lists_published_initiatives_and_methods_only(
    client, make_challenge, make_initiative, make_method
):
    method = make_method(title="Tjänstedesign")
    hidden_method = make_method(title="Utkastmetod", status=Status.DRAFT)
    challenge = make_challenge(suggested_methods=[method, hidden_method])
    make_initiative(title="Pilot i Drottninghög", challenges=[challenge])
    make_initiative(title="Hemligt initiativ", challenges=[challenge], status=Status.DRAFT)

    html = client.get(_detail_url(challenge)).text

    assert "Pilot i Drottninghög" in html
    assert "Tjänstedesign" in html
    assert "Hemligt initiativ" not in html
    assert "Utkastmetod" not in html


def _initiatives_section(html: str) -> str:
    return html.split('id="initiatives-heading"')[1].split("</section>")[0]


@pytest.mark.django_db
def test_a_challenge_many_initiatives_work_on_shows_the_newest_and_links_to_all(
    client, make_challenge, make_initiative
):
    """Every initiative working on a challenge was on its page: one that hundreds took up
    was a page of hundreds of links, longer and slower with each. Now the newest, as a page
    of the portfolio, and a link to all of them there, in the same number of queries."""
    challenge = make_challenge()
    other = make_challenge()
    now = timezone.now()

    def add(count: int, start: int = 0) -> None:
        for n in range(start, start + count):
            make_initiative(
                title=f"Initiativ nr {n:02}",
                challenges=[challenge],
                publish_at=now - timedelta(hours=n),
            )

    add(1)
    few = _query_count(client, _detail_url(challenge))
    add(INITIATIVES_SHOWN + 2, start=1)
    make_initiative(title="Hemligt initiativ", challenges=[challenge], status=Status.DRAFT)
    make_initiative(title="Annan utmanings initiativ", challenges=[other])
    many = _query_count(client, _detail_url(challenge))
    assert many <= few + 1  # the count of them, once there are more than are shown

    total = INITIATIVES_SHOWN + 3
    section = _initiatives_section(client.get(_detail_url(challenge)).text)
    titles = re.findall(r">(Initiativ nr \d+)</a>", section)
    assert titles == [f"Initiativ nr {n:02}" for n in range(INITIATIVES_SHOWN)]  # newest first
    link = f'<a href="/initiativ/?challenge={challenge.slug}">Visa alla {total} initiativ</a>'
    assert link in section
    english = _initiatives_section(client.get(_en("challenges:detail", slug=challenge.slug)).text)
    assert f'?challenge={challenge.slug}">Show all {total} initiatives</a>' in english

    # The link leads to every one of them, and only them.
    listed = client.get(f"/initiativ/?challenge={challenge.slug}").text
    listed += client.get(f"/initiativ/?challenge={challenge.slug}&page=2").text
    assert f"{total} initiativ" in listed
    assert sorted(set(re.findall(r"Initiativ nr \d+", listed))) == [
        f"Initiativ nr {n:02}" for n in range(total)
    ]
    assert "Hemligt initiativ" not in listed and "Annan utmanings initiativ" not in listed


@pytest.mark.django_db
def test_a_challenge_few_initiatives_work_on_lists_them_all_without_a_link(
    client, make_challenge, make_initiative
):
    challenge = make_challenge()
    for n in range(INITIATIVES_SHOWN):
        make_initiative(title=f"Initiativ nr {n:02}", challenges=[challenge])
    section = _initiatives_section(client.get(_detail_url(challenge)).text)
    assert len(re.findall(r">Initiativ nr \d+</a>", section)) == INITIATIVES_SHOWN
    assert "?challenge=" not in section


@pytest.mark.django_db
def test_age_notice_on_old_content(client, make_challenge):
    old = make_challenge(title="Gammal")
    fresh = make_challenge(title="Färsk")
    days = settings.CONTENT_AGE_NOTICE_DAYS
    # Two days past, not one: a day back across the change from summer time is 23 hours,
    # and one day past the limit read as within it between 22 and 23 UTC in winter.
    long_ago = timezone.now() - timedelta(days=days + 2)
    Challenge.objects.filter(pk=old.pk).update(updated_at=long_ago, publish_at=long_ago)

    assert 'class="age-notice"' in client.get(_detail_url(old)).text
    english = client.get(_en("challenges:detail", slug=old.slug)).text
    assert f"This content is older than {days} days." in english
    assert 'class="age-notice"' not in client.get(_detail_url(fresh)).text


@pytest.mark.django_db
def test_no_age_notice_on_the_day_a_long_scheduled_challenge_goes_public(client, make_challenge):
    """Written and scheduled long before it went public, it is new to the public that day."""
    days = settings.CONTENT_AGE_NOTICE_DAYS
    challenge = make_challenge()
    Challenge.objects.filter(pk=challenge.pk).update(
        updated_at=timezone.now() - timedelta(days=days + 30),
        publish_at=timezone.now() - timedelta(minutes=5),
    )

    assert 'class="age-notice"' not in client.get(_detail_url(challenge)).text


@pytest.mark.django_db
def test_language_switch_on_detail_points_to_english_page(client, make_challenge):
    challenge = make_challenge(slug="ensamhet-bland-aldre")

    html = client.get(f"/utmaningar/{challenge.slug}/").text

    assert 'href="/en/challenges/ensamhet-bland-aldre/"' in html


@pytest.mark.django_db
def test_english_detail_and_switch_back(client, make_challenge):
    challenge = make_challenge(slug="ensamhet")

    response = client.get("/en/challenges/ensamhet/")

    assert response.status_code == 200
    assert '<html lang="en">' in response.text
    assert "Open for ideas" in response.text
    assert 'href="/utmaningar/ensamhet/"' in response.text
    with override("en"):
        assert challenge.get_absolute_url() == "/en/challenges/ensamhet/"


# List: filters, pagination, bad input


@pytest.mark.django_db
def test_list_filters_narrow_results(client, make_challenge, make_department, goal):
    park = make_department(slug="park")
    make_challenge(title="Grönare parker", owner_department=park, goals=[goal], tags=["grönska"])
    make_challenge(
        title="Stängd fråga", open_until=timezone.localdate() - timedelta(days=5), tags=["grönska"]
    )
    make_challenge(title="Digital skola")
    url = _sv("challenges:list")

    def titles(params: dict) -> set[str]:
        response = client.get(url, params)
        assert response.status_code == 200
        return {challenge.title for challenge in response.context["object_list"]}

    assert titles({}) == {"Grönare parker", "Stängd fråga", "Digital skola"}
    assert titles({"status": "open"}) == {"Grönare parker", "Digital skola"}
    assert titles({"status": "closed"}) == {"Stängd fråga"}
    assert titles({"department": "park"}) == {"Grönare parker"}
    assert titles({"goal": goal.number}) == {"Grönare parker"}
    assert titles({"tag": "grönska"}) == {"Grönare parker", "Stängd fråga"}
    assert titles({"q": "skola"}) == {"Digital skola"}
    assert titles({"tag": "grönska", "status": "open"}) == {"Grönare parker"}


@pytest.mark.django_db
def test_hit_count_counts_all_pages(client, make_challenge):
    for _ in range(settings.PAGE_SIZE + 3):
        make_challenge(tags=["vatten"])
    response = client.get(_en("challenges:list"), {"tag": "vatten"})
    assert f"{settings.PAGE_SIZE + 3} challenges</p>" in response.text
    assert len(response.context["object_list"]) == settings.PAGE_SIZE


@pytest.mark.django_db
def test_pagination_keeps_filters_and_order_is_stable(client, make_challenge):
    same_time = timezone.now() - timedelta(days=2)
    for _ in range(settings.PAGE_SIZE + 2):
        make_challenge(tags=["vatten"], publish_at=same_time)
    make_challenge(tags=["annat"])
    url = _sv("challenges:list")

    first = client.get(url, {"tag": "vatten"})
    second = client.get(url, {"tag": "vatten", "page": 2})

    assert 'href="?tag=vatten&amp;page=2"' in first.text
    assert 'href="?tag=vatten&amp;page=1"' in second.text
    first_pks = [c.pk for c in first.context["object_list"]]
    second_pks = [c.pk for c in second.context["object_list"]]
    assert len(second_pks) == 2
    assert not set(first_pks) & set(second_pks)
    assert first_pks + second_pks == sorted(first_pks + second_pks, reverse=True)


@pytest.mark.django_db
@pytest.mark.parametrize("page", ["99999", "abc", "-1", "0", "9" * 400, "1\x00"])
def test_bad_page_numbers_never_fail(client, make_challenge, page):
    for _ in range(settings.PAGE_SIZE + 1):
        make_challenge()
    response = client.get(_sv("challenges:list"), {"page": page})
    assert response.status_code == 200
    assert response.context["page_obj"].number in {1, 2}


@pytest.mark.django_db
@pytest.mark.parametrize(
    "params",
    [
        {"status": "maybe"},
        {"department": "finns-inte"},
        {"goal": "99"},
        {"goal": "abc"},
        {"goal": "9" * 30},
    ],
)
def test_unknown_filter_values_give_a_clear_message(client, make_challenge, params):
    make_challenge(title="Synlig utmaning")

    response = client.get(_en("challenges:list"), params)

    assert response.status_code == 200
    assert "Some filters could not be used" in response.text
    assert 'class="error-summary"' in response.text
    assert "Synlig utmaning" not in response.text


@pytest.mark.django_db
@pytest.mark.parametrize(
    "params",
    [
        {"q": "x" * 10_000},
        {"q": "park\x00"},
        {"q": "\x00"},
        {"tag": "grön\x00ska"},
        {"department": "park\x00"},
    ],
)
def test_garbage_text_never_fails(client, make_challenge, make_department, params):
    make_challenge(title="Parker", owner_department=make_department(slug="park"), tags=["grönska"])
    response = client.get(_sv("challenges:list"), params)
    assert response.status_code == 200


@pytest.mark.django_db
def test_nul_characters_are_stripped_from_search(client, make_challenge):
    make_challenge(title="Grönare parker")
    make_challenge(title="Digital skola")

    response = client.get(_sv("challenges:list"), {"q": "par\x00ker"})

    assert [c.title for c in response.context["object_list"]] == ["Grönare parker"]
    assert 'class="error-summary"' not in response.text


@pytest.mark.django_db
def test_english_list(client, make_challenge):
    make_challenge(title="Synlig utmaning")
    response = client.get("/en/challenges/")
    assert response.status_code == 200
    assert "1 challenge</p>" in response.text
    assert "Synlig utmaning" in response.text


# Query counts


@pytest.mark.django_db
def test_list_query_count_does_not_grow(client, make_challenge, make_department, goal):
    def add(count: int):
        for _ in range(count):
            make_challenge(goals=[goal], tags=["a", "b"], owner_department=make_department())

    add(1)
    few = _query_count(client, _sv("challenges:list"))
    add(settings.PAGE_SIZE + 5)
    many = _query_count(client, _sv("challenges:list"))
    filtered = _query_count(client, _sv("challenges:list") + f"?goal={goal.number}&tag=a")

    assert few == many
    assert many <= 10
    assert filtered <= 10


@pytest.mark.django_db
def test_detail_query_count_does_not_grow(
    client, make_challenge, make_initiative, make_method, make_contact, goal
):
    challenge = make_challenge(contact=make_contact(), goals=[goal], tags=["a"])
    challenge.suggested_methods.set([make_method()])
    make_initiative(challenges=[challenge])
    few = _query_count(client, _detail_url(challenge))

    challenge.suggested_methods.set([make_method() for _ in range(8)])
    challenge.tags.add("b", "c", "d")
    for _ in range(8):
        make_initiative(challenges=[challenge])
    many = _query_count(client, _detail_url(challenge))

    assert few == many
    assert many <= 10


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("query", "is_open", "summary"),
    [
        ("", False, "Fler filter</summary>"),
        ("?q=bibliotek", False, "Fler filter</summary>"),
        ("?status=open&q=x", True, '<span class="filter-form__count">(1 används)</span>'),
        ("?goal=99", True, "(1 används)"),  # an error shows the filters with it
    ],
)
def test_filters_beyond_the_search_box_fold_away_unless_in_use(client, query, is_open, summary):
    html = client.get(LIST_URL + query).text
    assert ('<details class="filter-form__more" open>' in html) is is_open
    assert '<details class="filter-form__more"' in html
    assert summary in html


@pytest.mark.django_db
def test_a_filter_error_is_tied_to_its_field(client):
    html = client.get(LIST_URL + "?goal=99").text
    assert 'aria-describedby="id_goal_error"' in html
    assert '<p class="field-error" id="id_goal_error">' in html


@pytest.mark.django_db
@pytest.mark.parametrize(
    "unpublished",
    [
        {"status": Status.DRAFT},
        {"status": Status.PUBLISHED, "publish_at": timezone.now() + timedelta(days=3)},
        {"status": Status.ARCHIVED},
    ],
)
def test_a_preview_of_an_unpublished_challenge_says_how_many_initiatives_without_a_broken_link(
    editor_client, make_challenge, make_initiative, unpublished
):
    """The link "Visa alla N initiativ" of a draft's preview led to the portfolio filtered on a
    challenge the public cannot see, which the portfolio refused ("Välj ett giltigt alternativ")."""
    challenge = make_challenge(**unpublished)
    for n in range(INITIATIVES_SHOWN + 2):
        make_initiative(title=f"Initiativ nr {n:02}", challenges=[challenge])
    total = INITIATIVES_SHOWN + 2

    section = _initiatives_section(editor_client.get(_detail_url(challenge)).text)
    assert len(re.findall(r">Initiativ nr \d+</a>", section)) == INITIATIVES_SHOWN
    assert "?challenge=" not in section
    assert (
        f"Totalt arbetar {total} initiativ med utmaningen. En länk till alla i portföljen "
        "visas när utmaningen är publicerad."
    ) in section
    english = _initiatives_section(
        editor_client.get(_en("challenges:detail", slug=challenge.slug)).text
    )
    assert (
        f"{total} initiatives work on this challenge in all. A link to all of them in the "
        "portfolio is shown once the challenge is published."
    ) in english
