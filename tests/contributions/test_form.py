"""Bad input never gives a server error and never loses what was typed."""

import html
import itertools
import re
import time
from datetime import timedelta

import pytest
from django.core import signing
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from contributions.models import Contribution, ContributionStatus
from helsingborg_innovation.publishing import Status
from tests.contributions.conftest import started


@pytest.fixture
def challenge(make_challenge):
    return make_challenge()


def url(challenge):
    return reverse("contributions:create", args=[challenge.slug])


def test_form_page_shows_the_fields_notice_and_personal_data_link(client, challenge):
    page = client.get(url(challenge)).content.decode()
    for field in ("title", "text", "name", "email", "organisation", "kind", "show_name", "consent"):
        assert f'name="{field}"' in page
    assert "allmän handling" in page
    assert 'href="/personuppgifter/"' in page or "personal_data" in page
    assert 'class="form-trap" aria-hidden="true"' in page
    assert 'tabindex="-1"' in page


def test_the_empty_form_made_once_never_shows_what_another_visitor_typed(
    client, challenge, form_data
):
    """The empty form's fields are rendered once per worker (see {% once %}); a form sent
    back with errors is rendered for its sender."""
    empty = client.get(url(challenge)).text
    sent_back = client.post(url(challenge), form_data(email="inte-en-adress")).text
    assert "Anna Andersson" in sent_back
    assert 'id="id_email-error"' in sent_back
    assert client.get(url(challenge)).text.count("Anna Andersson") == 0
    assert 'id="id_email-error"' not in client.get(url(challenge)).text
    assert "Anna Andersson" not in empty


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("title", "", "Skriv en rubrik på din idé."),
        ("title", "   \t  ", "Skriv en rubrik på din idé."),
        ("text", "\n\n   ", "Beskriv din idé."),
        ("email", "inte-en-adress", "Skriv e-postadressen i rätt form"),
        # Django lets name@localhost through: the receipt went to the mail server's own box.
        ("email", "anna@localhost", "Skriv e-postadressen i rätt form"),
        # And an address in brackets: the receipt went to that machine, the mail server's own
        # or one inside the city's network.
        ("email", "anna@[127.0.0.1]", "Skriv e-postadressen i rätt form"),
        ("email", "anna@[10.0.0.5]", "Skriv e-postadressen i rätt form"),
        ("kind", None, "Välj vem du är."),
        ("consent", None, "Du behöver godkänna behandlingen av dina personuppgifter"),
    ],
)
def test_errors_are_summarised_linked_and_typed_text_kept(
    client, challenge, form_data, field, value, message
):
    data = form_data(**{field: value})
    response = client.post(url(challenge), data)
    assert response.status_code == 200
    page = response.content.decode()
    assert 'class="error-summary"' in page
    anchor = "id_kind_0" if field == "kind" else f"id_{field}"
    assert f'<a href="#{anchor}">{html.escape(message)}' in page
    assert f'id="id_{field}-error"' in page
    if field not in ("title", "text"):
        assert "Äldre behöver vila på vägen till färjan." in page
    assert "Anna Andersson" in page
    assert "anna.andersson@example.org" in page or field == "email"
    assert not Contribution.objects.exists()


def test_50000_characters_are_refused_and_kept(client, challenge, form_data):
    text = "å" * 50_000
    response = client.post(url(challenge), form_data(text=text))
    assert response.status_code == 200
    page = response.content.decode()
    assert text in page
    assert '<a href="#id_text">' in page
    assert not Contribution.objects.exists()


def test_nul_bytes_are_removed_not_a_server_error(client, challenge, form_data):
    response = client.post(
        url(challenge), form_data(title="Bänk\x00ar", text="Fler\x00 bänkar", name="An\x00na")
    )
    assert response.status_code == 302
    contribution = Contribution.objects.get()
    assert contribution.title == "Bänkar"
    assert "\x00" not in contribution.text + contribution.name


def test_right_to_left_and_emoji_text_are_stored_as_sent(client, challenge, form_data):
    title = "فكرة جديدة 🚲🌳"
    text = "שלום 👋🏽 مرحبا — ideas in many scripts 🇸🇪"
    response = client.post(url(challenge), form_data(title=title, text=text))
    assert response.status_code == 302
    contribution = Contribution.objects.get()
    assert (contribution.title, contribution.text) == (title, text)
    status = client.get(contribution.get_absolute_url()).content.decode()
    assert title in status


def test_html_and_script_are_shown_escaped(client, challenge, form_data, moderator):
    payload = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    # Shown escaped in the re-shown form...
    page = client.post(url(challenge), form_data(title=payload, email="bad")).content.decode()
    assert "<script>alert" not in page
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in page
    # ...on the status page, and in public once published.
    client.post(url(challenge), form_data(title=payload, text=payload))
    contribution = Contribution.objects.get()
    contribution.status = ContributionStatus.PUBLISHED
    contribution.save()
    for page_url in (contribution.get_absolute_url(), challenge.get_absolute_url()):
        page = client.get(page_url).content.decode()
        assert "<script>alert" not in page
        assert "<img src=x" not in page
        assert "&lt;script&gt;" in page


@pytest.mark.parametrize("token", [None, "forged-token-forged-token-forged-token-forged-token-xx"])
def test_missing_or_forged_csrf_token_is_refused(challenge, form_data, token):
    client = Client(enforce_csrf_checks=True)
    client.get(url(challenge))
    data = form_data()
    if token:
        data["csrfmiddlewaretoken"] = token
    response = client.post(url(challenge), data)
    assert response.status_code == 403
    assert not Contribution.objects.exists()


def test_an_idea_the_security_check_refuses_comes_back_with_what_was_typed(challenge, form_data):
    """A browser that sent no cookie (blocked, or cleared while the form was open) got Django's
    bare "CSRF verification failed" page, which did not say the idea was not sent or how to
    get it back. Now the form comes back, in the site's frame and language, with the idea in
    it and a fresh token: sent again, it goes."""
    client = Client(enforce_csrf_checks=True)
    typed = form_data(title="Bänkar vid färjeläget", text="Många väntar stående en halvtimme.")
    response = client.post(url(challenge), typed)

    assert response.status_code == 403
    assert not Contribution.objects.exists()
    page = response.text
    assert '<html lang="sv">' in page
    assert "Din idé har inte skickats ännu" in page
    assert 'value="Bänkar vid färjeläget"' in page
    assert "Många väntar stående en halvtimme.</textarea>" in page
    assert 'value="anna.andersson@example.org"' in page
    assert "CSRF" not in page
    assert "no-store" in response["Cache-Control"]

    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    response = client.post(url(challenge), {**typed, "csrfmiddlewaretoken": token})
    assert response.status_code == 302
    assert Contribution.objects.get().title == "Bänkar vid färjeläget"


def test_another_form_the_security_check_refuses_says_so_in_the_sites_words(client):
    client = Client(enforce_csrf_checks=True)
    response = client.post(reverse("admin:login"), {"username": "a", "password": "b"})
    assert response.status_code == 403
    assert '<html lang="sv">' in response.text
    assert "Formuläret kunde inte skickas" in response.text
    assert "CSRF" not in response.text


def test_with_a_real_csrf_token_it_is_accepted(challenge, form_data):
    client = Client(enforce_csrf_checks=True)
    page = client.get(url(challenge))
    token = page.cookies["csrftoken"].value
    response = client.post(url(challenge), {**form_data(), "csrfmiddlewaretoken": token})
    assert response.status_code == 302


def test_filled_honeypot_is_stored_as_spam_without_mail(
    client, challenge, form_data, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url(challenge), form_data(website="http://spam.example"))
    contribution = Contribution.objects.get()
    assert response.status_code == 302  # answered like any other idea
    assert contribution.status == ContributionStatus.SPAM
    assert mailoutbox == []


def test_too_fast_asks_to_send_again_and_keeps_text(client, challenge, form_data, settings):
    settings.CONTRIBUTION_MIN_SECONDS = 30
    data = form_data(started=started(seconds_ago=1))
    response = client.post(url(challenge), data)
    page = response.content.decode()
    assert response.status_code == 200
    assert "Formuläret skickades väldigt snabbt" in page
    assert "Äldre behöver vila på vägen till färjan." in page
    assert not Contribution.objects.exists()


@pytest.mark.parametrize("value", ["", "not-signed", None])
def test_missing_or_tampered_start_time_gets_a_fresh_one(client, challenge, form_data, value):
    response = client.post(url(challenge), form_data(started=value))
    page = response.content.decode()
    assert "Formuläret kunde inte kontrolleras" in page
    assert "Äldre behöver vila" in page
    assert not Contribution.objects.exists()


def test_a_form_open_too_long_comes_back_with_the_idea_and_says_why(
    client, challenge, form_data, settings, monkeypatch
):
    """A resident who left the form open for longer than it is taken (a day) got "The form
    could not be checked", as if something were wrong with what they wrote. Now the page
    says it was open too long and that the idea is not sent yet, and sending it again works."""
    settings.CONTRIBUTION_MIN_SECONDS = 3
    opened = time.time() - settings.CONTRIBUTION_FORM_MAX_AGE_SECONDS - 60
    monkeypatch.setattr(signing.time, "time", lambda: opened)
    data = form_data(started=started(seconds_ago=0))
    monkeypatch.undo()
    response = client.post(url(challenge), data)
    page = response.text
    assert response.status_code == 200
    assert (
        "Din idé har inte skickats ännu: formuläret hade varit öppet för länge. Det du skrev "
        "finns kvar nedan; skicka det igen."
    ) in page
    assert "kunde inte kontrolleras" not in page
    assert 'value="Fler bänkar längs Norra hamnen"' in page
    assert "Äldre behöver vila på vägen till färjan.</textarea>" in page
    assert not Contribution.objects.exists()
    renewed = re.search(r'name="started" value="([^"]+)"', page).group(1)
    settings.CONTRIBUTION_MIN_SECONDS = 0  # the resident reads the message first
    assert client.post(url(challenge), {**data, "started": renewed}).status_code == 302
    assert Contribution.objects.get().text == "Äldre behöver vila på vägen till färjan."


def test_rate_limit_answers_429_with_the_idea_kept_in_the_form(
    client, challenge, form_data, settings
):
    """A class in a workshop sends ideas from the school's one address. Past the limit, a
    pupil got a page saying to go back to the form, where the idea was only if the browser
    restored it. Now the form comes back with the idea in it and says when to send it again."""
    settings.CONTRIBUTION_RATE_LIMIT = "2/h"
    assert client.post(url(challenge), form_data(title="Idé 1")).status_code == 302
    assert client.post(url(challenge), form_data(title="Idé 2")).status_code == 302
    response = client.post(
        url(challenge), form_data(title="Idé 3", text="Skolgården behöver fler träd.")
    )
    assert response.status_code == 429
    retry_after = int(response["Retry-After"])
    assert 0 < retry_after <= 3600
    page = response.text
    minutes = (retry_after + 59) // 60  # the limit's window ends on the hour: 1 at xx:59
    assert (
        "Din idé har inte skickats ännu: många idéer har skickats från din uppkoppling den "
        f"senaste tiden. Det du skrev finns kvar nedan; skicka det igen om {minutes} "
        f"{'minut' if minutes == 1 else 'minuter'}."
    ) in page
    assert 'value="Idé 3"' in page
    assert "Skolgården behöver fler träd.</textarea>" in page
    assert "no-store" in response["Cache-Control"]
    assert Contribution.objects.count() == 2
    # Another address is not affected.
    other = client.post(url(challenge), form_data(title="Idé 3"), REMOTE_ADDR="192.0.2.9")
    assert other.status_code == 302


def test_visitors_behind_the_load_balancer_each_have_their_own_limit(
    client, challenge, form_data, settings
):
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]
    settings.CONTRIBUTION_RATE_LIMIT = "1/h"

    def send(visitor):
        return client.post(
            url(challenge),
            form_data(title=f"Idé {next(number)}"),
            REMOTE_ADDR="10.0.0.5",
            HTTP_X_FORWARDED_FOR=visitor,
        )

    number = itertools.count()

    assert send("198.51.100.7").status_code == 302
    assert send("198.51.100.7").status_code == 429
    assert send("198.51.100.8").status_code == 302  # another visitor, the same balancer


def test_challenge_closing_between_form_and_send_keeps_text(client, challenge, form_data):
    assert client.get(url(challenge)).status_code == 200
    challenge.open_until = timezone.localdate() - timedelta(days=1)
    challenge.save()
    response = client.post(url(challenge), form_data(text="Min <b>fina</b> idé"))
    page = response.content.decode()
    assert response.status_code == 200
    assert "Den här utmaningen tar inte längre emot idéer" in page
    assert "Min &lt;b&gt;fina&lt;/b&gt; idé" in page
    assert not Contribution.objects.exists()


def test_closed_challenge_says_so_without_a_form(client, make_challenge):
    challenge = make_challenge(open_until=timezone.localdate() - timedelta(days=3))
    response = client.get(url(challenge))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Den här utmaningen tar inte längre emot idéer" in page
    assert 'name="title"' not in page
    assert "Stängd för idéer" in client.get(challenge.get_absolute_url()).content.decode()


def test_the_closed_page_leads_to_the_open_challenges_it_names(client, make_challenge):
    """ "See the challenges open for ideas" led to every challenge, the closed ones among them."""
    challenge = make_challenge(open_until=timezone.localdate() - timedelta(days=3))
    page = client.get(url(challenge)).text
    listed = reverse("challenges:list")
    assert f'<a href="{listed}?status=open">Se utmaningarna som tar emot idéer</a>' in page


@pytest.mark.parametrize("take_down", ["archive", "draft", "delete"])
def test_challenge_taken_down_between_form_and_send_gives_the_text_back(
    client, make_challenge, form_data, take_down
):
    """An idea sent to a challenge archived, taken back to draft or deleted while it was
    being written got the bare "page not found": the text was lost. (One given a new address
    takes the idea: tests/contributions/test_former_address.py.)"""
    challenge = make_challenge(title="Hemlig arbetstitel")
    form_url = url(challenge)
    assert client.get(form_url).status_code == 200
    if take_down == "delete":
        challenge.delete()
    else:
        challenge.status = {"archive": Status.ARCHIVED, "draft": Status.DRAFT}.get(
            take_down, challenge.status
        )
        challenge.save()
    for sent in (client, Client(enforce_csrf_checks=True)):  # with the security check refused
        response = sent.post(form_url, form_data(title="Bänkar", text="Min <b>fina</b> idé"))
        page = response.text
        assert response.status_code == 404
        assert "Den här utmaningen tar inte längre emot idéer" in page
        assert "Utmaningen finns inte längre på webbplatsen, eller har fått en ny adress" in page
        assert "Din idé skickades inte" in page
        assert 'value="Bänkar"' in page
        assert "Min &lt;b&gt;fina&lt;/b&gt; idé</textarea>" in page
        assert "Hemlig arbetstitel" not in page  # a draft's title is not public
    assert not Contribution.objects.exists()


@pytest.mark.parametrize(
    "overrides",
    [
        {"status": Status.DRAFT},
        {"status": Status.ARCHIVED},
        {"publish_at": timezone.now() + timedelta(days=2)},
    ],
)
def test_unpublished_challenge_takes_no_ideas(client, make_challenge, form_data, overrides):
    challenge = make_challenge(**overrides)
    assert client.get(url(challenge)).status_code == 404
    assert client.post(url(challenge), form_data()).status_code == 404
    assert not Contribution.objects.exists()


def test_unknown_or_overlong_token_is_404(client, db):
    assert client.get(reverse("contributions:status", args=["x" * 43])).status_code == 404
    assert client.get(reverse("contributions:status", args=["x" * 500])).status_code == 404
    assert client.get(reverse("contributions:receipt", args=["nope"])).status_code == 404


def test_english_path(client, challenge):
    response = client.get(f"/en/challenges/{challenge.slug}/contribute/")
    assert response.status_code == 200
    assert 'lang="en"' in response.content.decode()


def test_the_form_may_be_indexed_but_the_private_pages_may_not(client, challenge, form_data):
    form_page = client.get(url(challenge)).text
    assert 'name="robots"' not in form_page
    assert f'<link rel="canonical" href="http://testserver{url(challenge)}">' in form_page
    receipt = client.post(url(challenge), form_data(), follow=True).text
    assert '<meta name="robots" content="noindex">' in receipt


def test_a_form_sent_back_with_errors_does_not_use_up_the_limit(
    client, challenge, form_data, settings
):
    """Only ideas that would be stored count: a resident who gets a few errors can still send,
    and so can the others behind the same school's or library's address."""
    settings.CONTRIBUTION_RATE_LIMIT = "2/h"
    for _ in range(5):
        response = client.post(url(challenge), form_data(title="", email="anna@"))
        assert response.status_code == 200
        assert "Skriv en rubrik på din idé." in response.text
    assert client.post(url(challenge), form_data(title="Idé 1")).status_code == 302
    assert client.post(url(challenge), form_data(title="Idé 2")).status_code == 302
    assert client.post(url(challenge), form_data(title="Idé 3")).status_code == 429
    assert Contribution.objects.count() == 2


def test_a_line_break_is_one_character_as_the_browser_counted_it(client, challenge, form_data):
    """A browser counts a line break of a text area as one character against maxlength and
    sends it as two: an idea of exactly the limit must be taken, its line breaks kept."""
    limit = Contribution._meta.get_field("text").max_length
    lines = ["x" * 199] * 25  # 25 lines of 199 and 24 breaks: exactly 4,999 + 1
    text = "\r\n".join(lines)
    text += "y" * (limit - len(text.replace("\r\n", "\n")))
    assert len(text.replace("\r\n", "\n")) == limit

    response = client.post(url(challenge), form_data(text=text))

    assert response.status_code == 302
    stored = Contribution.objects.get()
    assert len(stored.text) == limit
    assert stored.text.count("\n") == 24 and "\r" not in stored.text


def test_a_field_too_long_says_which_it_is(client, challenge, form_data):
    limit = Contribution._meta.get_field("title").max_length
    response = client.post(url(challenge), form_data(title="å" * (limit + 3)))
    assert response.status_code == 200
    assert f"Rubriken får vara högst {limit} tecken (den har {limit + 3})." in response.text


def test_an_idea_sent_while_the_database_is_away_is_not_said_to_be_safe(
    client, challenge, form_data, settings
):
    """The 503 page told someone who had just pressed "Send" that nothing they had sent was
    lost, but their idea was not stored. After a form it now says so, and what to do."""
    from unittest import mock

    from django.db import OperationalError

    settings.DEBUG = False
    client.raise_request_exception = False
    with mock.patch(
        "contributions.views._challenge_at",
        side_effect=OperationalError("could not connect to server"),
    ):
        sent = client.post(url(challenge), form_data())
        shown = client.get(url(challenge))
    assert (sent.status_code, shown.status_code) == (503, 503)
    assert "Det du just skickade har inte tagits emot" in sent.text
    assert "har gått förlorat" not in sent.text
    # A page that was only being read still says that nothing sent before is lost.
    assert "Inget du redan har skickat till oss har gått förlorat" in shown.text
    assert not Contribution.objects.exists()


def test_the_form_says_in_english_that_the_last_day_is_included(client, make_challenge):
    """ "Ideas are taken until 3 December" left it open whether the 3rd counts; it does, as the
    Swedish "till och med" and the challenge's own page say."""
    from django.utils import translation

    challenge = make_challenge(open_until=timezone.localdate() + timedelta(days=3))
    with translation.override("en"):
        page = client.get(url(challenge)).text
    assert "Ideas are taken up to and including" in page


def _fields(page: str) -> dict[str, str]:
    """The opening tag of each text field and text area of the form, by name."""
    tags = re.findall(r"<(?:input|textarea)\b[^>]*>", page)
    return {re.search(r'name="([^"]+)"', tag).group(1): tag for tag in tags if "name=" in tag}


@pytest.mark.parametrize(
    ("language", "hint"),
    [("sv", "Högst 5\xa0000 tecken."), ("en", "At most 5,000 characters.")],
)
def test_no_field_of_the_form_cuts_what_is_typed_or_pasted(client, challenge, language, hint):
    """A browser cuts text pasted into a field with maxlength at the limit without a word (a
    long idea lost its end unseen) and counts an emoji as two characters. The limits are told
    in the hints of the fields people write freely, and kept by the server."""
    with translation.override(language):
        page = client.get(url(challenge)).text
    fields = _fields(page)
    for name in ("title", "text", "name", "email", "organisation"):
        assert "maxlength" not in fields[name], name
    assert hint in page
    assert {"sv": "högst 150 tecken.", "en": "at most 150 characters."}[language] in page


@pytest.mark.parametrize(
    ("language", "message"),
    [
        ("sv", "Idén får vara högst 5\xa0000 tecken (den har 5\xa0123)."),
        ("en", "The idea can be at most 5,000 characters (it has 5,123)."),
    ],
)
def test_an_idea_too_long_says_by_how_much_in_the_pages_numbers_and_is_kept(
    client, challenge, form_data, language, message
):
    text = "Rad ett\n" + "å" * (5123 - len("Rad ett\n"))
    with translation.override(language):
        response = client.post(url(challenge), form_data(text=text))
    assert response.status_code == 200
    assert f'<a href="#id_text">{message}</a>' in response.text
    assert 'id="id_text-error"><span class="visually-hidden">' in response.text
    assert message in response.text.split('id="id_text-error"')[1].split("</p>")[0]
    kept = re.search(r"<textarea[^>]*>\n?(.*?)</textarea>", response.text, re.S).group(1)
    assert html.unescape(kept) == text
    assert not Contribution.objects.exists()


def test_an_idea_of_exactly_the_limit_in_emoji_is_taken(client, challenge, form_data):
    """Each emoji is one character for the server and the limit it tells (a browser's
    maxlength counted it as two, and let only half as many be typed)."""
    limit = Contribution._meta.get_field("text").max_length
    text = "🚲🌳" * (limit // 2)
    page = client.get(url(challenge)).text
    assert "maxlength" not in _fields(page)["text"]

    response = client.post(url(challenge), form_data(text=text, title="🚲" * 150))

    assert response.status_code == 302
    stored = Contribution.objects.get()
    assert (stored.text, len(stored.text)) == (text, limit)
    assert stored.title == "🚲" * 150
