"""The same form sent again is the same idea: a double click, or "Send" again after an error page.

Found by the load test (tests/production/test_load.py): when the database went away just after
an idea was committed, the sender saw the 503 page, sent the form again and the idea was stored
twice; a double click stored it twice as well.
"""

import re
from unittest import mock

import pytest
from django.db import OperationalError
from django.test import Client
from django.urls import reverse

from contributions import services
from contributions.models import Contribution, ContributionStatus, DeclineReason


@pytest.fixture(autouse=True)
def _no_minimum_time(settings):
    settings.CONTRIBUTION_MIN_SECONDS = 0


@pytest.fixture
def challenge(make_challenge, make_contact):
    return make_challenge(contact=make_contact())


def url(challenge) -> str:
    return reverse("contributions:create", args=[challenge.slug])


def opened_form(client, challenge, form_data, **overrides) -> dict:
    """What a person sends from a form page they opened: its own signed start value."""
    page = client.get(url(challenge)).content.decode()
    started = re.search(r'name="started" value="([^"]+)"', page).group(1)
    return form_data(started=started, **overrides)


def send_fresh(client, challenge, form_data, capture, **overrides):
    """Open the form page afresh and send it."""
    return send(client, challenge, opened_form(client, challenge, form_data, **overrides), capture)


def send(client, challenge, data, capture):
    with capture(execute=True):
        return client.post(url(challenge), data)


def assert_one_idea_with_one_receipt(first, again):
    """Both sendings stored one idea and went to its receipt."""
    idea = Contribution.objects.get()
    assert first.status_code == again.status_code == 302
    assert (
        first["Location"]
        == again["Location"]
        == reverse("contributions:receipt", args=[idea.token])
    )


def test_the_same_form_sent_twice_stores_one_idea_and_gives_the_same_receipt(
    client, challenge, form_data, mailoutbox, django_capture_on_commit_callbacks
):
    data = opened_form(client, challenge, form_data)
    first = send(client, challenge, data, django_capture_on_commit_callbacks)
    mails = len(mailoutbox)
    again = send(client, challenge, data, django_capture_on_commit_callbacks)

    assert_one_idea_with_one_receipt(first, again)
    assert mails == 2  # the sender and the challenge's contact, once
    assert len(mailoutbox) == mails


def test_the_same_form_sent_again_with_another_idea_stores_both(
    client, challenge, form_data, django_capture_on_commit_callbacks
):
    data = opened_form(client, challenge, form_data)
    send(client, challenge, data, django_capture_on_commit_callbacks)
    changed = {**data, "text": "Och fler papperskorgar vid bänkarna."}
    send(client, challenge, changed, django_capture_on_commit_callbacks)

    assert Contribution.objects.count() == 2


def test_the_same_idea_sent_again_from_a_fresh_form_page_gets_its_first_receipt(
    client, challenge, form_data, mailoutbox, django_capture_on_commit_callbacks
):
    """Back after sending gives a fresh form page (it is never cached), and "Send" again
    stored the idea a second time, with its e-mails."""
    first = send_fresh(client, challenge, form_data, django_capture_on_commit_callbacks)
    mails = len(mailoutbox)
    again = send_fresh(client, challenge, form_data, django_capture_on_commit_callbacks)

    assert_one_idea_with_one_receipt(first, again)
    assert len(mailoutbox) == mails


def test_the_same_idea_from_another_browser_is_a_new_one_and_tells_nothing(
    client, challenge, form_data, django_capture_on_commit_callbacks
):
    """Whoever knows an idea's text and guesses its sender's address learns nothing: the answer
    is the one any new idea gets (an "already sent" page told who had sent a published idea
    without a name, and when)."""
    send(
        client,
        challenge,
        opened_form(client, challenge, form_data),
        django_capture_on_commit_callbacks,
    )
    Contribution.objects.update(status=ContributionStatus.PUBLISHED, show_name=False)
    stranger = Client()
    answer = send(
        stranger,
        challenge,
        opened_form(stranger, challenge, form_data),
        django_capture_on_commit_callbacks,
    )

    _first, second = Contribution.objects.order_by("pk")
    assert answer.status_code == 302
    assert answer["Location"] == reverse("contributions:receipt", args=[second.token])


@pytest.mark.parametrize(
    "change",
    [
        {"email": "bertil@example.org"},
        {"title": "Fler bänkar vid Knutpunkten"},
        {"show_name": "on"},
        {"organisation": "Föreningen Norra hamnen"},
    ],
)
def test_a_changed_idea_or_sender_is_stored(
    client, challenge, form_data, change, django_capture_on_commit_callbacks
):
    """A correction (to the name shown, the organisation) is what the sender wants kept."""
    for overrides in ({}, change):
        data = opened_form(client, challenge, form_data, **overrides)
        assert send(client, challenge, data, django_capture_on_commit_callbacks).status_code == 302

    assert Contribution.objects.count() == 2


@pytest.mark.parametrize("status", [ContributionStatus.DECLINED, ContributionStatus.PUBLISHED])
def test_the_same_idea_after_a_decision_is_a_new_one(
    client, challenge, form_data, status, django_capture_on_commit_callbacks
):
    send(
        client,
        challenge,
        opened_form(client, challenge, form_data),
        django_capture_on_commit_callbacks,
    )
    reason = DeclineReason.OFF_TOPIC if status == ContributionStatus.DECLINED else ""
    Contribution.objects.update(status=status, decline_reason=reason)
    data = opened_form(client, challenge, form_data)
    assert send(client, challenge, data, django_capture_on_commit_callbacks).status_code == 302

    assert Contribution.objects.count() == 2


def test_a_forged_or_old_record_of_sent_ideas_is_ignored(
    client, challenge, form_data, django_capture_on_commit_callbacks
):
    send(
        client,
        challenge,
        opened_form(client, challenge, form_data),
        django_capture_on_commit_callbacks,
    )
    path = url(challenge)
    recorded = client.cookies["ideas_sent"]
    assert recorded["path"] == path and recorded["httponly"]
    assert Contribution.objects.get().token not in recorded.value

    client.cookies["ideas_sent"] = recorded.value.replace("HBG", "HBH")
    send(
        client,
        challenge,
        opened_form(client, challenge, form_data),
        django_capture_on_commit_callbacks,
    )
    assert Contribution.objects.count() == 2


def test_an_idea_answered_with_an_error_page_is_not_stored(
    challenge, form_data, django_capture_on_commit_callbacks
):
    """The database gone after the idea is saved, before the answer: nothing is half done."""
    client = Client(raise_request_exception=False)
    data = opened_form(client, challenge, form_data)
    gone = OperationalError("server closed the connection unexpectedly")
    with mock.patch.object(services, "_submission_messages", side_effect=gone):
        response = send(client, challenge, data, django_capture_on_commit_callbacks)
    assert response.status_code == 503
    assert not Contribution.objects.exists()

    # "Send" again, as the 503 page asks: the idea is stored once.
    assert send(client, challenge, data, django_capture_on_commit_callbacks).status_code == 302
    assert Contribution.objects.count() == 1


def test_forms_opened_before_the_key_existed_still_send(
    client, challenge, form_data, django_capture_on_commit_callbacks
):
    # form_data signs only the time, as the form did before it held a key.
    response = send(client, challenge, form_data(), django_capture_on_commit_callbacks)
    assert response.status_code == 302
    assert Contribution.objects.get().submission_key == ""
