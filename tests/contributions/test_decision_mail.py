"""The sender of an idea is told by e-mail what was decided on it, of the city's first
answer, and of each change to that answer or to the reason for declining: before, they learned
it only by going back to their private status page, and a changed answer left the mail they
kept saying what the city no longer said."""

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from contributions import mail, services
from contributions.models import Contribution, ContributionStatus, DeclineReason, QueuedMail
from tests.contributions.conftest import moderation_data

CHANGELIST = "admin:contributions_contribution_changelist"
SITE = "https://innovation.helsingborg.se"


@pytest.fixture(autouse=True)
def site_url(settings):
    settings.SITE_URL = SITE


@pytest.fixture
def sent(mailoutbox, django_capture_on_commit_callbacks):
    """Run a write as a request would: the e-mails go once it is committed. Returns the
    messages sent to senders by it (the moderators' notices are none of these)."""

    def run(write):
        before = len(mailoutbox)
        with django_capture_on_commit_callbacks(execute=True):
            write()
        assert not QueuedMail.objects.exists()  # sent, not left in the queue
        return mailoutbox[before:]

    return run


def _change(client, idea, **fields):
    url = reverse("admin:contributions_contribution_change", args=[idea.pk])
    response = client.post(url, moderation_data(**fields))
    assert response.status_code == 302, response.text
    return response


def _action(client, action, ideas, **data):
    payload = {"action": action, ACTION_CHECKBOX_NAME: [idea.pk for idea in ideas], **data}
    response = client.post(reverse(CHANGELIST), payload)
    assert response.status_code == 302
    return response


def test_publishing_tells_the_sender_where_their_idea_is_shown(
    make_challenge, make_contribution, moderator, sent
):
    challenge = make_challenge(title="Bättre hamn", slug="battre-hamn")
    idea = make_contribution(
        challenge=challenge, title="Fler bänkar", email="anna@example.org", language="sv"
    )

    (message,) = sent(lambda: services.contribution_publish(contribution=idea, by=moderator))
    assert message.to == ["anna@example.org"]
    assert message.subject == f"Din idé {idea.reference} har publicerats"
    assert "Din idé till utmaningen ”Bättre hamn” har publicerats." in message.body
    assert "Fler bänkar" in message.body
    public = f"{SITE}/utmaningar/battre-hamn/?idea={idea.reference}#idea-{idea.reference}"
    assert public in message.body
    assert f"{SITE}/bidrag/{idea.token}/" in message.body
    # As automatic as the receipt: no out-of-office reply comes back.
    assert message.message()["Auto-Submitted"] == "auto-generated"
    assert message.message()["X-Auto-Response-Suppress"] == "All"

    idea.refresh_from_db()
    assert idea.mailed_decision == ContributionStatus.PUBLISHED


def test_declining_tells_the_sender_why_and_the_citys_answer(make_contribution, moderator, sent):
    idea = make_contribution(public_answer="Tack! Vi har redan en liknande idé.")

    (message,) = sent(
        lambda: services.contribution_decline(
            contribution=idea, by=moderator, reason=DeclineReason.DUPLICATE, note="Internt"
        )
    )
    assert message.subject == f"Din idé {idea.reference} kommer inte att publiceras"
    assert "Skäl: Samma idé har redan skickats" in message.body
    assert "Tack! Vi har redan en liknande idé." in message.body
    assert "Internt" not in message.body  # the staff's note stays with the staff
    assert "?idea=" not in message.body


def test_the_first_answer_is_told_and_so_is_each_change_of_it(make_contribution, moderator, sent):
    idea = make_contribution(status=ContributionStatus.PUBLISHED)

    def answer(text):
        return lambda: services.contribution_answer(contribution=idea, by=moderator, answer=text)

    (message,) = sent(answer("Vi testar det i vår."))
    assert message.subject == f"Staden har svarat på din idé {idea.reference}"
    assert "Vi testar det i vår." in message.body
    assert f"{SITE}/bidrag/{idea.token}/" in message.body

    # The mail the sender keeps says what the city answered: a changed answer is news.
    (message,) = sent(answer("Vi testar det i höst i stället."))
    assert message.subject == f"Staden har ändrat sitt svar på din idé {idea.reference}"
    assert "Staden har ändrat sitt svar på din idé till utmaningen" in message.body
    assert "Vi testar det i höst i stället." in message.body
    assert "Vi testar det i vår." not in message.body
    assert f"{SITE}/bidrag/{idea.token}/" in message.body

    # The same answer again, or only its spacing changed: nothing to tell.
    assert sent(answer("Vi testar det i höst i stället.")) == []
    assert sent(answer("Vi testar det  i höst\r\ni stället. ")) == []


def test_an_answer_taken_back_is_told(make_contribution, moderator, sent):
    idea = make_contribution(status=ContributionStatus.PUBLISHED, public_answer="Vi testar det.")
    (message,) = sent(
        lambda: services.contribution_answer(contribution=idea, by=moderator, answer="")
    )
    assert message.subject == f"Staden har ändrat sitt svar på din idé {idea.reference}"
    assert "Staden har tagit tillbaka sitt svar." in message.body
    assert "Vi testar det." not in message.body


def test_an_idea_that_is_not_yet_decided_is_told_of_its_answer(make_contribution, moderator, sent):
    idea = make_contribution()
    answer = lambda: services.contribution_answer(  # noqa: E731
        contribution=idea, by=moderator, answer="Vi återkommer."
    )
    (message,) = sent(answer)
    assert "Vi återkommer." in message.body
    assert "publicerats" not in message.body


def test_the_moderation_form_sends_one_mail_for_a_decision_and_its_answer(
    client, moderator, make_contribution, sent
):
    idea = make_contribution()
    client.force_login(moderator)

    (message,) = sent(lambda: _change(client, idea, public_answer="Bra idé!"))
    assert message.subject == f"Din idé {idea.reference} har publicerats"
    assert "Bra idé!" in message.body

    # Saved again as it is, or with a note for staff: nothing more.
    assert sent(lambda: _change(client, idea, public_answer="Bra idé!")) == []
    assert sent(lambda: _change(client, idea, public_answer="Bra idé!", internal_note="x")) == []
    # The answer changed: the sender is told once, with the answer as it now reads.
    (message,) = sent(lambda: _change(client, idea, public_answer="En bra idé!"))
    assert message.subject == f"Staden har ändrat sitt svar på din idé {idea.reference}"
    assert "En bra idé!" in message.body
    assert sent(lambda: _change(client, idea, public_answer="En bra idé!")) == []

    # Declined later, after all: that is news.
    declined = {"status": ContributionStatus.DECLINED, "decline_reason": DeclineReason.OFF_TOPIC}
    (message,) = sent(lambda: _change(client, idea, public_answer="En bra idé!", **declined))
    assert message.subject == f"Din idé {idea.reference} kommer inte att publiceras"
    assert "Skäl: Handlar inte om den här utmaningen" in message.body
    assert "En bra idé!" in message.body


def test_an_idea_put_back_in_the_queue_and_decided_so_again_is_not_told_twice(
    client, moderator, make_contribution, sent
):
    idea = make_contribution()
    client.force_login(moderator)
    assert len(sent(lambda: _change(client, idea))) == 1
    assert sent(lambda: _change(client, idea, status=ContributionStatus.PENDING)) == []
    assert sent(lambda: _change(client, idea)) == []


def test_the_form_tells_the_first_answer_of_an_idea_decided_before(
    client, moderator, make_contribution, sent
):
    idea = make_contribution(status=ContributionStatus.PUBLISHED)
    client.force_login(moderator)
    (message,) = sent(lambda: _change(client, idea, public_answer="Vi tar den vidare."))
    assert message.subject == f"Staden har svarat på din idé {idea.reference}"


def test_an_idea_decided_before_these_mails_is_not_told_when_saved_again(
    client, moderator, make_contribution, sent
):
    """Ideas decided and answered before the senders were told (mailed_decision empty) send
    nothing when a moderator saves them unchanged; a changed answer is told as any is."""
    idea = make_contribution(status=ContributionStatus.PUBLISHED, public_answer="Svar.")
    client.force_login(moderator)
    assert sent(lambda: _change(client, idea, public_answer="Svar.")) == []
    (message,) = sent(lambda: _change(client, idea, public_answer="Ett nytt svar."))
    assert message.subject == f"Staden har ändrat sitt svar på din idé {idea.reference}"


def test_a_changed_reason_for_declining_is_told(client, moderator, make_contribution, sent):
    idea = make_contribution()
    client.force_login(moderator)
    declined = {"status": ContributionStatus.DECLINED, "public_answer": "Tack för idén."}
    (message,) = sent(
        lambda: _change(client, idea, decline_reason=DeclineReason.DUPLICATE, **declined)
    )
    assert "Skäl: Samma idé har redan skickats" in message.body

    (message,) = sent(
        lambda: _change(client, idea, decline_reason=DeclineReason.OFF_TOPIC, **declined)
    )
    assert message.subject == f"Staden har ändrat sitt svar på din idé {idea.reference}"
    assert "Skäl: Handlar inte om den här utmaningen" in message.body
    assert "Samma idé" not in message.body
    assert "Tack för idén." in message.body
    assert (
        sent(lambda: _change(client, idea, decline_reason=DeclineReason.OFF_TOPIC, **declined))
        == []
    )


def test_a_bulk_decline_with_another_reason_tells_each_sender_once(
    client, moderator, make_contribution, sent
):
    ideas = [make_contribution() for _ in range(2)]
    client.force_login(moderator)

    def decline(reason):
        def run():
            _action(client, "decline", ideas, decline_reason=reason)
            mail.send_due()

        return run

    assert len(sent(decline(DeclineReason.DUPLICATE))) == 2
    messages = sent(decline(DeclineReason.OFF_TOPIC))
    assert sorted((m.to[0], m.subject) for m in messages) == sorted(
        (idea.email, f"Staden har ändrat sitt svar på din idé {idea.reference}") for idea in ideas
    )
    assert all("Skäl: Handlar inte om den här utmaningen" in m.body for m in messages)
    assert sent(decline(DeclineReason.OFF_TOPIC)) == []


def test_news_waits_behind_the_senders_mail_still_in_the_queue(
    client, moderator, make_contribution, mailoutbox, django_capture_on_commit_callbacks
):
    """A bulk decision's mail waits for the queue's next run; an answer changed meanwhile is
    told after it, not before: sent at once, it arrived first, and the mail the sender read
    last gave the answer the city no longer gives."""
    ideas = [make_contribution(public_answer="Vi tittar på det.") for _ in range(2)]
    client.force_login(moderator)
    _action(client, "decline", ideas, decline_reason=DeclineReason.DUPLICATE)
    with django_capture_on_commit_callbacks(execute=True):
        _change(
            client,
            ideas[0],
            status=ContributionStatus.DECLINED,
            decline_reason=DeclineReason.DUPLICATE,
            public_answer="Vi har redan en likadan idé.",
        )
    assert mailoutbox == []  # both wait for the queue, in the order they were written

    mail.send_due()
    to_first = [m for m in mailoutbox if m.to == [ideas[0].email]]
    assert [m.subject for m in to_first] == [
        f"Din idé {ideas[0].reference} kommer inte att publiceras",
        f"Staden har ändrat sitt svar på din idé {ideas[0].reference}",
    ]
    assert "Vi har redan en likadan idé." in to_first[1].body
    assert not QueuedMail.objects.exists()


@pytest.mark.parametrize(
    ("action", "subject"),
    [
        ("publish", "Din idé {} har publicerats"),
        ("decline", "Din idé {} kommer inte att publiceras"),
    ],
)
def test_a_bulk_decision_tells_each_sender_once(
    client, moderator, make_contribution, sent, mailoutbox, action, subject
):
    ideas = [make_contribution() for _ in range(3)]
    already = make_contribution(
        status=ContributionStatus.PUBLISHED if action == "publish" else ContributionStatus.DECLINED,
        decline_reason="" if action == "publish" else DeclineReason.DUPLICATE,
    )
    client.force_login(moderator)

    def run():
        before = len(mailoutbox)
        _action(client, action, [*ideas, already], decline_reason=DeclineReason.DUPLICATE)
        # Left to the queue's next run: the moderator's page does not wait for the mail server.
        assert len(mailoutbox) == before
        mail.send_due()

    messages = sent(run)
    assert sorted((m.to[0], m.subject) for m in messages) == sorted(
        (idea.email, subject.format(idea.reference)) for idea in ideas
    )
    assert sent(run) == []  # run again: each already has that decision


@pytest.mark.parametrize("how", ["service", "action", "form"])
def test_spam_is_told_nothing(client, moderator, make_contribution, sent, how):
    idea = make_contribution(public_answer="")
    client.force_login(moderator)
    if how == "service":
        mark = lambda: services.contribution_mark_spam(contribution=idea, by=moderator)  # noqa: E731
    elif how == "action":
        mark = lambda: _action(client, "mark_spam", [idea])  # noqa: E731
    else:
        mark = lambda: _change(client, idea, status=ContributionStatus.SPAM)  # noqa: E731
    assert sent(mark) == []
    # Nor of an answer given to it.
    spam = Contribution.objects.get(pk=idea.pk)
    answer = lambda: services.contribution_answer(  # noqa: E731
        contribution=spam, by=moderator, answer="Svar."
    )
    assert sent(answer) == []
    assert sent(lambda: _change(client, idea, status="spam", public_answer="Nytt.")) == []


@pytest.mark.parametrize("erased_by", ["request", "retention"])
def test_a_sender_whose_address_was_erased_is_told_nothing(
    client, moderator, make_contribution, sent, settings, erased_by
):
    idea = make_contribution(email="glom.mig@example.org")
    if erased_by == "request":
        services.contribution_erase_personal_data(email="glom.mig@example.org")
    else:
        # Published, then anonymised after the retention time, then declined.
        idea.status = ContributionStatus.PUBLISHED
        idea.save()
        services.contributions_anonymise_older_than(days=-1)
    idea = Contribution.objects.get(pk=idea.pk)
    assert idea.email == "" and idea.anonymised_at
    client.force_login(moderator)
    declined = {"status": ContributionStatus.DECLINED, "decline_reason": DeclineReason.OTHER}
    assert sent(lambda: _change(client, idea, public_answer="Svar.", **declined)) == []
    assert sent(lambda: _action(client, "publish", [idea])) == []


@pytest.mark.parametrize(
    ("language", "subject", "status_path", "public_path"),
    [
        ("sv", "Din idé {} har publicerats", "/bidrag/", "/utmaningar/hamnen/"),
        ("", "Din idé {} har publicerats", "/bidrag/", "/utmaningar/hamnen/"),
        ("en", "Your idea {} has been published", "/en/contributions/", "/en/challenges/hamnen/"),
    ],
)
def test_the_sender_is_told_in_the_language_they_wrote_in(
    client,
    moderator,
    make_challenge,
    make_contribution,
    sent,
    language,
    subject,
    status_path,
    public_path,
):
    """An idea sent from the English form is told in English, with the English addresses,
    whatever language the moderator's admin is in; one sent before the language was
    recorded in the site's own, Swedish."""
    idea = make_contribution(
        challenge=make_challenge(slug="hamnen"), language=language, public_answer="Svar."
    )
    client.force_login(moderator)
    (message,) = sent(lambda: _action(client, "publish", [idea]))
    assert message.subject == subject.format(idea.reference)
    assert f"{SITE}{status_path}{idea.token}/\n" in message.body
    assert f"{SITE}{public_path}?idea={idea.reference}#idea-{idea.reference}\n" in message.body
    if language == "en":
        assert "Your idea for the challenge" in message.body
        assert "The city's answer" in message.body
        for swedish in ("Din", "Stadens svar", "Håll länken"):
            assert swedish not in message.body
    # The link works and opens the sender's page.
    page = client.get(f"{status_path}{idea.token}/")
    assert page.status_code == 200


def test_an_english_decline_gives_the_reason_in_english(make_contribution, moderator, sent):
    idea = make_contribution(language="en")
    decline = lambda: services.contribution_decline(  # noqa: E731
        contribution=idea, by=moderator, reason=DeclineReason.OFF_TOPIC
    )
    (message,) = sent(decline)
    assert message.subject == f"Your idea {idea.reference} will not be published"
    assert "Reason: Not about this challenge" in message.body


def test_a_published_idea_of_a_challenge_not_public_has_no_link_to_nowhere(
    make_challenge, make_contribution, moderator, sent
):
    idea = make_contribution(challenge=make_challenge(status="archived"))
    (message,) = sent(lambda: services.contribution_publish(contribution=idea, by=moderator))
    assert "?idea=" not in message.body
    assert f"{SITE}/bidrag/{idea.token}/" in message.body


def test_a_bulk_decision_queues_its_mail_in_one_insert(client, moderator, make_contribution):
    """Each idea of a page of the queue decided at once is told, in one insert into the
    queue, not one for each."""

    def inserts(count: int) -> int:
        ideas = [make_contribution() for _ in range(count)]
        with CaptureQueriesContext(connection) as queries:
            _action(client, "publish", ideas)
        assert QueuedMail.objects.filter(contribution__in=ideas).count() == count
        return sum(
            1
            for query in queries.captured_queries
            if query["sql"].startswith("INSERT") and "queuedmail" in query["sql"]
        )

    client.force_login(moderator)
    assert inserts(1) == inserts(20) == 1


def test_the_receipt_and_status_page_say_the_sender_will_be_told(
    client, make_challenge, form_data, moderator, mailoutbox, django_capture_on_commit_callbacks
):
    challenge = make_challenge()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("contributions:create", args=[challenge.slug]), form_data())
    promise = "Vi mejlar dig när din idé publiceras eller avböjs, och när staden svarar på den."
    receipt = mailoutbox[0]
    assert promise in receipt.body
    assert promise in client.get(response.url).text
    idea = Contribution.objects.get()
    assert promise in client.get(idea.get_absolute_url()).text

    services.contribution_publish(contribution=idea, by=moderator)
    status = client.get(idea.get_absolute_url()).text
    assert promise not in status
    assert "Staden har inte svarat ännu. Vi mejlar dig när den gör det." in status

    # No promise to an address that is gone.
    services.contribution_erase_personal_data(email=form_data()["email"])
    status = client.get(idea.get_absolute_url()).text
    assert "Vi mejlar dig" not in status
    assert "Staden har inte svarat ännu." in status


def test_a_mail_server_that_is_away_keeps_the_news_in_the_queue(
    make_contribution, moderator, settings, django_capture_on_commit_callbacks, monkeypatch
):
    idea = make_contribution()
    settings.MAILERS = {
        "default": {"BACKEND": "tests.contributions.test_services.BrokenMailBackend"}
    }
    monkeypatch.setattr("contributions.mail._paused_until", 0.0)
    with django_capture_on_commit_callbacks(execute=True):
        services.contribution_publish(contribution=idea, by=moderator)
    (queued,) = QueuedMail.objects.all()
    assert queued.to == [idea.email] and queued.attempts == 1
    call_command("send_queued_mail", verbosity=0)  # not yet due: nothing lost
    assert QueuedMail.objects.count() == 1


def test_the_moderator_sees_that_and_what_the_sender_is_told(
    client, moderator, make_contribution, sent
):
    idea = make_contribution()
    client.force_login(moderator)
    url = reverse("admin:contributions_contribution_change", args=[idea.pk])
    page = client.get(url).text
    assert "Avsändaren får ett mejl, på det språk hen skrev på" in page
    sent(lambda: _change(client, idea))
    page = client.get(url).text
    told = page.index("Beslut mejlat till avsändaren")
    assert "Publicerad" in page[told : told + 300]
