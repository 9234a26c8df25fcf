"""Nothing private leaks: no public page shows a sender's e-mail or a name they kept hidden."""

import pytest
from django.urls import reverse
from django.utils import translation

from contributions.models import ContributionStatus, DeclineReason
from helsingborg_innovation.publishing import Status


@pytest.fixture
def ideas_in_every_state(make_challenge, make_initiative, make_contribution):
    challenge = make_challenge(slug="hemlig-test")
    initiative = make_initiative(challenges=[challenge])
    shown = make_contribution(
        challenge=challenge,
        status=ContributionStatus.PUBLISHED,
        name="Synlig Visadsson",
        email="visad@example.net",
        show_name=True,
        initiative=initiative,
        public_answer="Svar från staden.",
    )
    hidden = []
    for status, reason in [
        (ContributionStatus.PUBLISHED, ""),
        (ContributionStatus.PENDING, ""),
        (ContributionStatus.DECLINED, DeclineReason.DUPLICATE),
        (ContributionStatus.SPAM, ""),
    ]:
        hidden.append(
            make_contribution(
                challenge=challenge,
                status=status,
                decline_reason=reason,
                name=f"Dold Hemligsson {status}",
                email=f"dold-{status}@example.net",
                initiative=initiative,
            )
        )
    # Pending, declined and spam ideas that allowed their name: not public either.
    for status, reason in [
        (ContributionStatus.PENDING, ""),
        (ContributionStatus.DECLINED, DeclineReason.OFF_TOPIC),
        (ContributionStatus.SPAM, ""),
    ]:
        hidden.append(
            make_contribution(
                challenge=challenge,
                status=status,
                decline_reason=reason,
                show_name=True,
                name=f"Ej Publicerad {status}",
                email=f"ej-{status}@example.net",
                initiative=initiative,
            )
        )
    return challenge, initiative, shown, hidden


def test_no_public_page_shows_an_email_or_a_hidden_name(client, ideas_in_every_state):
    challenge, initiative, shown, hidden = ideas_in_every_state
    pages = [
        reverse("home"),
        reverse("challenges:list"),
        challenge.get_absolute_url(),
        reverse("initiatives:list"),
        initiative.get_absolute_url(),
        reverse("lessons:list"),
        reverse("methods:list"),
        reverse("contributions:create", args=[challenge.slug]),
        "/en/challenges/hemlig-test/",
        *[idea.get_absolute_url() for idea in [shown, *hidden]],
        *[reverse("contributions:receipt", args=[idea.token]) for idea in [shown, *hidden]],
    ]
    challenge_page = client.get(challenge.get_absolute_url()).content.decode()
    assert "Synlig Visadsson" in challenge_page  # the test can see a name when there is one
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        content = response.content.decode()
        for idea in [shown, *hidden]:
            assert idea.email not in content, (url, idea.email)
        for idea in hidden:
            assert idea.name not in content, (url, idea.name)


def test_status_page_of_one_idea_shows_nothing_of_another(client, ideas_in_every_state):
    _, _, shown, hidden = ideas_in_every_state
    content = client.get(hidden[0].get_absolute_url()).content.decode()
    assert shown.title not in content
    assert hidden[1].title not in content
    assert hidden[0].title in content


@pytest.mark.parametrize("status", [Status.ARCHIVED, Status.DRAFT])
def test_a_challenge_taken_down_is_named_but_not_linked_from_the_senders_pages(
    client, make_challenge, make_contribution, status
):
    """The sender's own pages of an idea whose challenge was later archived or taken back to
    draft named it with a link to its page, which is no longer found (404)."""
    challenge = make_challenge(title="Framtidens hamn")
    idea = make_contribution(challenge=challenge, status=ContributionStatus.PUBLISHED)
    url = challenge.get_absolute_url()
    for name in ("contributions:status", "contributions:receipt"):
        assert f'href="{url}' in client.get(reverse(name, args=[idea.token])).text
    challenge.status = status
    challenge.save()
    assert client.get(url).status_code == 404
    for name in ("contributions:status", "contributions:receipt"):
        page = client.get(reverse(name, args=[idea.token])).text
        assert "Framtidens hamn" in page
        assert f'href="{url}' not in page


@pytest.mark.parametrize("language", ["sv", "en"])
@pytest.mark.parametrize("name", ["contributions:status", "contributions:receipt"])
def test_the_senders_pages_send_their_address_to_no_one(client, make_contribution, name, language):
    """The address of an idea's status page and receipt is its token. Sent as the Referer of
    every link followed from them and every file they load (the challenge's page, the style
    sheet), it reached the logs of whatever serves the site (nginx logs the Referer), where
    whoever read them could open the sender's page."""
    idea = make_contribution(status=ContributionStatus.PUBLISHED)
    with translation.override(language):
        url = reverse(name, args=[idea.token])
    response = client.get(url)
    assert response.status_code == 200
    assert response["Referrer-Policy"] == "no-referrer"


def test_the_senders_page_says_whether_the_name_is_shown_and_how_to_have_it_erased(
    client, make_contribution
):
    """The personal data page says consent can be withdrawn at any time, but no page said how,
    and the sender's own page did not say whether their name would be shown with the idea."""
    from contributions import services

    shown = make_contribution(name="Åsa Öberg", show_name=True, email="asa@example.net")
    hidden = make_contribution(kind="association", show_name=False)
    page = client.get(shown.get_absolute_url()).text
    assert "Ditt namn visas med din idé om den publiceras." in page
    assert "kontakta Helsingborg kontaktcenter" in page
    assert shown.reference in page.split("kontakta Helsingborg kontaktcenter")[1]
    shown.status = ContributionStatus.PUBLISHED
    shown.save()
    assert "Ditt namn visas med din idé." in client.get(shown.get_absolute_url()).text
    page = client.get(hidden.get_absolute_url()).text
    assert "Ditt namn visas inte med din idé, bara vem du är: ”Från en förening”." in page
    # What the public pages show, not the kind's label: "Annat" was shown as "en deltagare".
    other = make_contribution(kind="other", show_name=False)
    page = client.get(other.get_absolute_url()).text
    assert "bara vem du är: ”Från en deltagare”." in page
    form = client.get(reverse("contributions:create", args=[other.challenge.slug])).text
    assert "Annars visas bara vem du är, till exempel ”Från en invånare”." in form

    services.contribution_erase_personal_data(email="asa@example.net")
    page = client.get(shown.get_absolute_url()).text
    assert "Ditt namn, din e-postadress och din organisation har raderats" in page
    assert "Ditt namn visas med din idé" not in page


def test_an_idea_without_its_senders_name_reads_naturally(
    client, make_challenge, make_initiative, make_contribution
):
    """A sender of the kind "Other" who kept their name hidden was shown as "Från Annat" on
    the challenge's page and the initiative's page, and "Annat" as the feed's author."""
    challenge = make_challenge(slug="utan-namn")
    initiative = make_initiative(challenges=[challenge])
    make_contribution(
        challenge=challenge,
        kind="other",
        show_name=False,
        status=ContributionStatus.PUBLISHED,
        initiative=initiative,
    )
    pages = {
        challenge.get_absolute_url(): "Från en deltagare",
        "/en/challenges/utan-namn/": "From a participant",
        initiative.get_absolute_url(): "Från en deltagare, till utmaningen",
    }
    for url, attribution in pages.items():
        content = client.get(url).content.decode()
        assert attribution in content, url
        assert "Från Annat" not in content and "From Other" not in content, url
    feed = client.get(reverse("feeds:ideas_rss", kwargs={"slug": challenge.slug})).text
    assert "En deltagare" in feed
    assert "Annat" not in feed


@pytest.mark.parametrize("name", ["محمد علی", "Anna\u202e Andersson"])
def test_a_senders_name_is_set_apart_from_the_line_around_it(
    client, make_challenge, make_initiative, make_contribution, name
):
    """A name shown in the middle of "From …, 3 December 2026" took part in the line's
    direction: a name in Arabic put the day before it ("Från 3 ,محمد علی december"), and one
    ending in a right-to-left override turned the rest of the line backwards."""
    challenge = make_challenge(slug="namn-i-raden")
    initiative = make_initiative(challenges=[challenge])
    make_contribution(
        challenge=challenge,
        name=name,
        show_name=True,
        status=ContributionStatus.PUBLISHED,
        initiative=initiative,
    )
    for url in (challenge.get_absolute_url(), initiative.get_absolute_url()):
        assert f"Från <bdi>{name}</bdi>, " in client.get(url).text, url


@pytest.mark.parametrize("language", ["sv", "en"])
@pytest.mark.parametrize("name", ["contributions:status", "contributions:receipt"])
def test_the_log_never_names_a_senders_page(client, make_contribution, caplog, name, language):
    """Django logs the path of a request it refuses ("Method Not Allowed (POST): /bidrag/
    <token>/"): whoever read the log could open the sender's page. gunicorn's access log
    already wrote "[token]"; Django's lines now do too."""
    import logging

    from django.test import Client

    idea = make_contribution(status=ContributionStatus.PUBLISHED)
    with translation.override(language):
        url = reverse(name, args=[idea.token])
    with caplog.at_level(logging.WARNING):
        assert client.post(url).status_code == 405
        assert Client(enforce_csrf_checks=True).post(url).status_code == 403
        assert client.get(url[: -len(idea.token) - 1] + "x" * 43 + "/").status_code == 404
    lines = [record.getMessage() for record in caplog.records]
    assert len(lines) >= 3 and all("[token]" in line for line in lines), lines
    assert idea.token not in caplog.text
    # Other paths are logged as they are.
    caplog.clear()
    with caplog.at_level(logging.WARNING):
        client.post(reverse("challenges:list"))
    assert "/utmaningar/" in caplog.text or "/en/challenges/" in caplog.text
