import io
from datetime import timedelta

import pytest
from django.core import mail as djmail
from django.core.mail import EmailMessage
from django.core.mail.backends import locmem
from django.core.management import CommandError, call_command
from django.db import OperationalError
from django.urls import reverse
from django.utils import timezone

from contributions import mail, services
from contributions.models import Contribution, ContributionStatus, DeclineReason, QueuedMail
from tests.contributions.fake_smtp import FakeSMTPServer


class BrokenMailBackend:
    """A mail server that is down."""

    def __init__(self, *args, **kwargs):
        pass

    opened = 0

    def open(self):
        BrokenMailBackend.opened += 1
        raise ConnectionRefusedError("mail server down")

    def close(self):
        pass

    def send_messages(self, messages):
        raise ConnectionRefusedError("mail server down")


class RefusingMailBackend(BrokenMailBackend):
    """A mail server that is up and refuses the recipient for now, naming the address."""

    def open(self):
        pass

    def send_messages(self, messages):
        import smtplib

        raise smtplib.SMTPRecipientsRefused(
            {
                address: (452, b"4.2.2 <" + address.encode() + b"> mailbox full")
                for address in messages[0].to
            }
        )


def test_a_refused_address_stays_out_of_the_log_and_the_queues_page(
    client, make_challenge, form_data, settings, django_capture_on_commit_callbacks, caplog,
    make_staff,
):  # fmt: skip
    """The mail server's refusal names the address; it went into the log with its traceback,
    and into the error kept with the queued mail, which the admin shows (found by review)."""
    settings.MAILERS = {"default": {"BACKEND": f"{__name__}.RefusingMailBackend"}}
    challenge = make_challenge()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("contributions:create", args=[challenge.slug]),
            form_data(email="hemlig.person@example.org"),
        )
    contribution = Contribution.objects.get()
    assert f"Could not send e-mail about idea {contribution.reference}" in caplog.text
    assert "SMTPRecipientsRefused" in caplog.text and "452" in caplog.text
    assert "hemlig.person" not in caplog.text
    (receipt,) = QueuedMail.objects.filter(to=[contribution.email])
    assert receipt.last_error.startswith("SMTPRecipientsRefused: 452")
    assert "hemlig.person" not in receipt.last_error
    client.force_login(make_staff(superuser=True))
    page = client.get(reverse("admin:contributions_queuedmail_changelist")).text
    assert "452" in page
    assert "hemlig.person" not in page


def test_failing_mail_server_loses_no_idea(
    client, make_challenge, form_data, settings, django_capture_on_commit_callbacks, caplog
):
    settings.MAILERS = {"default": {"BACKEND": f"{__name__}.BrokenMailBackend"}}
    BrokenMailBackend.opened = 0
    challenge = make_challenge()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("contributions:create", args=[challenge.slug]), form_data())
    contribution = Contribution.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("contributions:receipt", args=[contribution.token])
    assert client.get(response["Location"]).status_code == 200
    assert f"Could not send e-mail about idea {contribution.reference}" in caplog.text
    # One attempt to reach the server, not one per message: a hanging server costs one timeout.
    assert BrokenMailBackend.opened == 1
    # Nor is the receipt lost: it waits, with the time of its next attempt.
    (receipt,) = QueuedMail.objects.filter(to=[contribution.email])
    assert receipt.attempts == 1
    assert "ConnectionRefusedError: mail server down" in receipt.last_error
    assert receipt.send_after > timezone.now()


def test_mail_the_server_refused_is_sent_by_the_queue_once_it_is_back(
    client, make_challenge, make_contact, moderator, form_data, settings, mailoutbox,
    django_capture_on_commit_callbacks, monkeypatch,
):  # fmt: skip
    # Each idea mails its sender, the challenge's contact and the moderators.
    moderator.email = "moderator@example.org"
    moderator.save()
    challenge = make_challenge(contact=make_contact(email="kontakt@helsingborg.se"))
    settings.MAILERS = {"default": {"BACKEND": f"{__name__}.BrokenMailBackend"}}
    BrokenMailBackend.opened = 0
    url = reverse("contributions:create", args=[challenge.slug])
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url, form_data())
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url, form_data(title="En andra idé"))
    # The second idea did not wait for the server that had just failed: its mail is queued.
    assert BrokenMailBackend.opened == 1
    assert QueuedMail.objects.count() == 6  # sender, contact and moderators, twice

    settings.MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
    call_command("send_queued_mail")
    assert mailoutbox == []  # not before its time
    later = timezone.now() + timedelta(minutes=3)
    monkeypatch.setattr("django.utils.timezone.now", lambda: later)
    call_command("send_queued_mail")
    assert len(mailoutbox) == 6
    assert QueuedMail.objects.count() == 0
    receipts = [m for m in mailoutbox if m.to == ["anna.andersson@example.org"]]
    assert len(receipts) == 2 and all("HBG-" in m.body for m in receipts)
    assert [m.to for m in mailoutbox].count(["moderator@example.org"]) == 2
    call_command("send_queued_mail")
    assert len(mailoutbox) == 6  # each sent once


@pytest.fixture
def smtp_server(settings):
    server = FakeSMTPServer()
    settings.MAILERS = server.mailers()
    yield server
    server.close()


def test_an_address_the_mail_server_refuses_for_good_is_not_tried_for_a_week(
    smtp_server, make_contribution, monkeypatch, caplog
):
    """A mail server that answers 550 ("no such user") to an address will answer so again:
    the receipt to a mistyped address was tried some thirty times over a week, each try an
    error in the log and a strike against the portal's name at the mail server. It is given
    up at once; a refusal for now (450, a full mailbox) is tried again, and the other
    messages go."""
    idea = make_contribution()
    mail.queue(
        idea,
        [
            EmailMessage("Kvitto", "Text", to=["finns.inte@helsingborg.se"]),
            EmailMessage("Kvitto", "Text", to=["full@example.org"]),
            EmailMessage("Ny idé", "Text", to=["kontakt@helsingborg.se"]),
        ],
    )
    smtp_server.refuse = {
        "finns.inte@helsingborg.se": "550 5.1.1 User unknown",
        "full@example.org": "452 4.2.2 Mailbox full",
    }
    later = timezone.now() + timedelta(minutes=2)
    monkeypatch.setattr("django.utils.timezone.now", lambda: later)

    assert mail.send_due() == (1, 2)
    assert [to for to, _text in smtp_server.messages] == [["kontakt@helsingborg.se"]]
    (waiting,) = QueuedMail.objects.all()
    assert waiting.to == ["full@example.org"] and waiting.attempts == 1
    assert waiting.last_error == "SMTPRecipientsRefused: 452"
    assert f"Gave up e-mail about idea {idea.reference}: SMTPRecipientsRefused: 550" in caplog.text
    assert "finns.inte" not in caplog.text


class StoppedMidwayBackend(locmem.EmailBackend):
    """Takes two messages, then its process is stopped (a deploy, a reboot, a kill)."""

    def send_messages(self, messages):
        if len(djmail.outbox) == 2:
            raise KeyboardInterrupt
        return super().send_messages(messages)


def test_a_sender_stopped_midway_sends_no_one_their_mail_twice(
    make_contribution, settings, mailoutbox, monkeypatch
):
    """The queue was sent in one transaction and what was sent deleted at its end: a run
    stopped midway (or a database hiccup) left every message it had sent in the queue, and
    the next run sent each of them again, up to 200 people a second receipt. Each message
    sent is now deleted at once, and those not reached wait for the next run."""
    idea = make_contribution()
    mail.queue(
        idea, [EmailMessage(f"Kvitto {n}", "Text", to=[f"a{n}@example.org"]) for n in range(4)]
    )
    now = timezone.now() + timedelta(minutes=2)
    monkeypatch.setattr("django.utils.timezone.now", lambda: now)
    settings.MAILERS = {"default": {"BACKEND": f"{__name__}.StoppedMidwayBackend"}}
    with pytest.raises(KeyboardInterrupt):
        mail.send_due()
    assert [sent.subject for sent in mailoutbox] == ["Kvitto 0", "Kvitto 1"]

    settings.MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
    # Another node at once leaves the messages the stopped run had taken to it...
    assert mail.send_due() == (0, 0)
    # ...and they are sent once the stopped run no longer holds them.
    now += mail.CLAIM
    assert mail.send_due() == (2, 0)
    assert [sent.subject for sent in mailoutbox] == [f"Kvitto {n}" for n in range(4)]
    assert not QueuedMail.objects.exists()


class SlowMailBackend(locmem.EmailBackend):
    """A mail server that takes 20 minutes over each message; while it takes the third, the
    queue's next run starts on another node."""

    clock: list = []
    sent = 0

    def send_messages(self, messages):
        SlowMailBackend.sent += 1
        SlowMailBackend.clock[0] += timedelta(minutes=20)
        if SlowMailBackend.sent == 3:
            mail.send_due()
        return super().send_messages(messages)


def test_a_run_slower_than_its_claim_sends_no_one_their_mail_twice(
    make_contribution, settings, mailoutbox, monkeypatch
):
    """A run took its messages for 30 minutes. One that took longer (a mail server answering
    each message only at its timeout) was still sending a message when the next run, finding
    the claim run out, took and sent it too. Each message's claim now starts again as it is
    sent, and a run sends only what it still holds."""
    idea = make_contribution()
    mail.queue(
        idea, [EmailMessage(f"Kvitto {n}", "Text", to=[f"a{n}@example.org"]) for n in range(5)]
    )
    SlowMailBackend.clock, SlowMailBackend.sent = [timezone.now() + timedelta(minutes=2)], 0
    monkeypatch.setattr("django.utils.timezone.now", lambda: SlowMailBackend.clock[0])
    settings.MAILERS = {"default": {"BACKEND": f"{__name__}.SlowMailBackend"}}

    mail.send_due()

    assert sorted(sent.subject for sent in mailoutbox) == [f"Kvitto {n}" for n in range(5)]
    assert not QueuedMail.objects.exists()


class ErasingMailBackend(locmem.EmailBackend):
    """While the first message is sent, a moderator erases the sender of another idea."""

    erase = ""

    def send_messages(self, messages):
        if ErasingMailBackend.erase:
            services.contribution_erase_personal_data(email=ErasingMailBackend.erase)
            ErasingMailBackend.erase = ""
        return super().send_messages(messages)


def test_mail_to_an_address_erased_while_the_queue_is_sent_is_not_sent(
    make_contribution, settings, mailoutbox, monkeypatch
):
    """A run of the queue takes its messages first and sends them after: one to an address
    erased meanwhile (or of an idea marked as spam) went out all the same."""
    first, erased = make_contribution(), make_contribution(email="glom.mig@example.org")
    mail.queue(first, [EmailMessage("Kvitto", "Text", to=[first.email])])
    mail.queue(erased, [EmailMessage("Kvitto", "Text", to=["glom.mig@example.org"])])
    later = timezone.now() + timedelta(minutes=2)
    monkeypatch.setattr("django.utils.timezone.now", lambda: later)
    settings.MAILERS = {"default": {"BACKEND": f"{__name__}.ErasingMailBackend"}}
    ErasingMailBackend.erase = "glom.mig@example.org"

    assert mail.send_due() == (1, 0)
    assert [sent.to for sent in mailoutbox] == [[first.email]]
    assert not QueuedMail.objects.exists()


def test_queued_mail_waits_longer_after_each_failure_and_is_dropped_after_a_week(
    make_contribution, settings, monkeypatch, caplog
):
    settings.MAILERS = {"default": {"BACKEND": f"{__name__}.BrokenMailBackend"}}
    idea = make_contribution()
    (queued,) = mail.queue(idea, [EmailMessage("Ämne", "Text", to=["a@example.org"])])
    now = timezone.now()
    waits = []
    for _ in range(12):
        now = QueuedMail.objects.get().send_after
        monkeypatch.setattr("django.utils.timezone.now", lambda now=now: now)
        assert mail.send_due() == (0, 1)
        waits.append(QueuedMail.objects.get().send_after - now)
    assert waits[:3] == [timedelta(minutes=1), timedelta(minutes=2), timedelta(minutes=4)]
    assert waits[-1] == mail.LONGEST_WAIT
    assert QueuedMail.objects.get().attempts == 12

    week_later = queued.created_at + mail.GIVE_UP_AFTER + timedelta(seconds=1)
    monkeypatch.setattr("django.utils.timezone.now", lambda: week_later)
    mail.send_due()
    assert not QueuedMail.objects.exists()
    assert f"Gave up e-mail about idea {idea.reference} after 12 attempts" in caplog.text


def test_erasing_personal_data_erases_mail_not_yet_sent(make_contribution):
    idea = make_contribution(email="ada@example.org")
    other = make_contribution(email="bo@example.org")
    mail.queue(idea, [EmailMessage("Kvitto", "Text", to=["ada@example.org"])])
    mail.queue(other, [EmailMessage("Kvitto", "Text", to=["bo@example.org"])])
    services.contribution_erase_personal_data(email="ADA@example.org")
    assert list(QueuedMail.objects.values_list("to", flat=True)) == [["bo@example.org"]]


@pytest.mark.parametrize("how", ["action", "form"])
def test_an_idea_marked_as_spam_sends_no_mail_still_waiting(
    make_contribution, moderator, mailoutbox, monkeypatch, how
):
    """An idea caught by the spam trap mails no one, but one a moderator marked as spam while
    the mail server was away still had its receipt sent later, to whatever address the
    spammer gave, and the moderators were told of it as a new idea."""
    idea = make_contribution()
    mail.queue(
        idea,
        [
            EmailMessage("Kvitto", "Text", to=[idea.email]),
            EmailMessage("Ny idé", "Text", bcc=["moderator@example.org"]),
        ],
    )
    kept = make_contribution()
    mail.queue(kept, [EmailMessage("Kvitto", "Text", to=[kept.email])])
    if how == "action":
        services.contribution_mark_spam(contribution=idea, by=moderator)
    else:
        idea.status = ContributionStatus.SPAM
        services.contribution_record_moderation(contribution=idea, by=moderator, changed=["status"])

    later = timezone.now() + timedelta(minutes=2)
    monkeypatch.setattr("django.utils.timezone.now", lambda: later)
    call_command("send_queued_mail", verbosity=0)
    assert [sent.to for sent in mailoutbox] == [[kept.email]]
    assert not QueuedMail.objects.exists()


def test_submit_refuses_a_closed_challenge(make_challenge):
    challenge = make_challenge(open_until=timezone.localdate() - timedelta(days=1))
    with pytest.raises(services.ChallengeClosed):
        _send_an_idea(challenge)
    assert not Contribution.objects.exists()


def test_the_e_mails_give_the_challenge_and_idea_as_written(
    make_challenge, make_contact, moderator, mailoutbox, django_capture_on_commit_callbacks
):
    """A subject line is plain text: "&", quotes and "<" reach the mail as typed, not as
    "&amp;" and "&quot;"."""
    moderator.email = "moderator@example.org"
    moderator.save()
    title = 'Mat & hälsa: "rätt" portion för <alla>'
    challenge = make_challenge(title=title, contact=make_contact())
    with django_capture_on_commit_callbacks(execute=True):
        services.contribution_submit(
            challenge=challenge,
            title="Soppa & bröd",
            text="Alla äter <tillsammans> & pratar.",
            name="Anna",
            email="anna@example.org",
            kind="resident",
            show_name=False,
            consent=True,
        )

    receipt, contact_mail, moderator_mail = mailoutbox
    assert f"{title}”" in receipt.body and "Soppa & bröd" in receipt.body
    for notice in (contact_mail, moderator_mail):
        assert notice.subject.endswith(f"{title}”")
        assert f"{title}”" in notice.body
        assert "Soppa & bröd" in notice.body and "Alla äter <tillsammans> & pratar." in notice.body


def test_the_notices_about_a_new_idea_carry_nothing_personal_of_its_sender(
    make_challenge, make_contact, moderator, mailoutbox, django_capture_on_commit_callbacks
):
    """The notice goes to the challenge's contact person too, who is no moderator (often not
    even on staff), and stays in inboxes after the retention period has erased the sender's
    data from the idea. It named the sender's organisation; moderators read it in the admin."""
    moderator.email = "moderator@example.org"
    moderator.save()
    challenge = make_challenge(contact=make_contact())
    with django_capture_on_commit_callbacks(execute=True):
        services.contribution_submit(
            challenge=challenge,
            title="Cykelställ vid stationen",
            text="Fler platser behövs.",
            name="Anna Privatsson",
            email="anna.privatsson@example.org",
            organisation="Privatssons Cykelklubb",
            kind="association",
            show_name=False,
            consent=True,
        )

    _receipt, contact_mail, moderator_mail = mailoutbox
    for notice in (contact_mail, moderator_mail):
        assert "Cykelställ vid stationen" in notice.body
        # What kind of sender, without their name; "Från: Annat" read as a sender named so.
        assert "Typ av avsändare: Förening" in notice.body
        for personal in ("Anna Privatsson", "anna.privatsson@example.org", "Privatssons"):
            assert personal not in notice.subject
            assert personal not in notice.body


def test_erasing_a_sender_keeps_the_staffs_notices_of_their_idea_in_the_queue(
    make_challenge, make_contact, moderator, settings, django_capture_on_commit_callbacks
):
    """A sender who asked to be erased while the mail server was away took the moderators'
    and the contact's notices of their idea with them: nobody was told the idea waited. Only
    the mail to the sender, which carries their address, goes."""
    moderator.email = "moderator@example.org"
    moderator.save()
    challenge = make_challenge(contact=make_contact(email="kontakt@example.org"))
    settings.MAILERS = {"default": {"BACKEND": f"{__name__}.BrokenMailBackend"}}
    with django_capture_on_commit_callbacks(execute=True):
        _send_an_idea(challenge)
    assert QueuedMail.objects.count() == 3

    assert services.contribution_erase_personal_data(email="ANNA@example.org") == 1

    assert sorted(address for mail in QueuedMail.objects.all() for address in mail.to) == [
        "kontakt@example.org",
        "moderator@example.org",
    ]
    assert "anna@example.org" not in str(list(QueuedMail.objects.values()))


def _send_an_idea(challenge):
    """Anna's idea for a bicycle stand, as the form sends it."""
    return services.contribution_submit(
        challenge=challenge,
        title="Cykelställ",
        text="Fler platser.",
        name="Anna",
        email="anna@example.org",
        kind="resident",
        show_name=False,
        consent=True,
    )


def test_a_moderator_who_is_also_the_challenges_contact_gets_one_notice(
    make_challenge, make_contact, make_staff, mailoutbox, django_capture_on_commit_callbacks
):
    """The challenge's contact person is often one of its moderators too: they got every new
    idea's notice twice, once to them and once in the moderators' copy. An address written
    in other capitals is the same mailbox."""
    moderator, other = make_staff(groups=["Moderators"]), make_staff(groups=["Moderators"])
    moderator.email, other.email = "Lisa.Olsson@helsingborg.se", "bo@helsingborg.se"
    moderator.save()
    other.save()
    twin = make_staff(groups=["Moderators"])
    twin.email = "BO@helsingborg.se"  # the same person's second account
    twin.save()
    challenge = make_challenge(contact=make_contact(email="lisa.olsson@helsingborg.se"))
    with django_capture_on_commit_callbacks(execute=True):
        _send_an_idea(challenge)

    _receipt, *notices = mailoutbox
    recipients = [address.lower() for notice in notices for address in notice.recipients()]
    assert sorted(recipients) == ["bo@helsingborg.se", "lisa.olsson@helsingborg.se"]


def test_each_moderator_gets_a_notice_addressed_to_them(
    make_challenge, make_staff, mailoutbox, django_capture_on_commit_callbacks
):
    """The moderators' notice went out with them all in Bcc and no To header at all, which
    spam filters count against a message; now each has their own, with their address in To."""
    addresses = ["ada@helsingborg.se", "bo@helsingborg.se"]
    for address in addresses:
        user = make_staff(groups=["Moderators"])
        user.email = address
        user.save()
    challenge = make_challenge(contact=None)
    with django_capture_on_commit_callbacks(execute=True):
        _send_an_idea(challenge)

    _receipt, *notices = mailoutbox
    assert sorted(notice.message()["To"] for notice in notices) == addresses
    assert all(notice.bcc == [] and notice.recipients() == [notice.to[0]] for notice in notices)


def test_the_e_mails_say_they_are_automatic(
    make_challenge, make_contact, moderator, mailoutbox, django_capture_on_commit_callbacks
):
    """Each idea's notices went to moderators and contact people who were away, and their
    out-of-office replies, one for every idea, came back to the portal's own address (and a
    receipt to an address that answers automatically started an exchange of replies).
    Marked as automatic (RFC 3834, and Microsoft's own header), no one answers them so."""
    moderator.email = "moderator@example.org"
    moderator.save()
    challenge = make_challenge(contact=make_contact(email="kontakt@helsingborg.se"))
    with django_capture_on_commit_callbacks(execute=True):
        _send_an_idea(challenge)

    assert len(mailoutbox) == 3
    for sent in mailoutbox:
        message = sent.message()
        assert message["Auto-Submitted"] == "auto-generated"
        assert message["X-Auto-Response-Suppress"] == "All"


def test_sending_the_queue_says_nothing_when_there_was_nothing_to_send(
    make_contribution, mailoutbox, monkeypatch
):
    """Cron mails whatever a job prints, and the README has the queue sent every minute: its
    "Sent 0 queued e-mails" reached the operator 1,440 times a day. It speaks when it sent
    or failed to send something (or when asked, with --verbosity 2)."""
    out = io.StringIO()
    call_command("send_queued_mail", stdout=out)
    assert out.getvalue() == ""
    call_command("send_queued_mail", stdout=out, verbosity=2)
    assert out.getvalue() == "Sent 0 queued e-mails; 0 could not be sent yet.\n"

    mail.queue(make_contribution(), [EmailMessage("Kvitto", "Text", to=["a@example.org"])])
    later = timezone.now() + timedelta(minutes=2)
    monkeypatch.setattr("django.utils.timezone.now", lambda: later)
    out = io.StringIO()
    call_command("send_queued_mail", stdout=out)
    assert out.getvalue() == "Sent 1 queued e-mails; 0 could not be sent yet.\n"
    assert len(mailoutbox) == 1


def test_tokens_and_references_are_unique_and_long(make_contribution):
    ideas = [make_contribution() for _ in range(20)]
    assert len({idea.token for idea in ideas}) == 20
    assert len({idea.reference for idea in ideas}) == 20
    assert all(len(idea.token) >= 43 for idea in ideas)


def test_decisions_record_who_and_when(make_contribution, moderator, make_initiative):
    idea = make_contribution()
    services.contribution_decline(contribution=idea, by=moderator, reason=DeclineReason.OTHER)
    idea.refresh_from_db()
    assert (idea.status, idea.decline_reason, idea.decided_by) == (
        ContributionStatus.DECLINED,
        DeclineReason.OTHER,
        moderator,
    )
    services.contribution_publish(contribution=idea, by=moderator)
    idea.refresh_from_db()
    assert (idea.status, idea.decline_reason) == (ContributionStatus.PUBLISHED, "")
    initiative = make_initiative()
    services.contribution_answer(
        contribution=idea, by=moderator, answer="Ja!", initiative=initiative
    )
    idea.refresh_from_db()
    assert (idea.public_answer, idea.initiative) == ("Ja!", initiative)
    with pytest.raises(ValueError):
        services.contribution_decline(contribution=idea, by=moderator, reason="bogus")


@pytest.mark.parametrize(
    ("kind", "english", "swedish"),
    [
        ("resident", "a resident", "en invånare"),
        ("city_employee", "a city employee", "en medarbetare i staden"),
        ("association", "an association", "en förening"),
        ("business", "a business", "ett företag"),
        ("academia", "academia", "akademin"),
        ("other", "a participant", "en deltagare"),
    ],
)
def test_public_name(make_contribution, kind, english, swedish):
    """A sender who kept their name hidden is named by who they are, in words that follow
    "From": an idea of the kind "Other" read "Från Annat" / "From Other"."""
    from django.utils import translation

    assert make_contribution(name="Ada", show_name=True, kind=kind).public_name == "Ada"
    hidden = make_contribution(name="Ada", show_name=False, kind=kind)
    # Whatever language an earlier test left active: this passed only after an English page.
    with translation.override("en"):
        assert hidden.public_name == english
    with translation.override("sv"):
        assert hidden.public_name == swedish


def test_anonymise_command_erases_old_decided_ideas_and_ideas_long_undecided(
    make_contribution, settings
):
    """An idea still waiting a retention period after it was sent loses its sender's data
    too: before, an idea nobody decided kept its sender's name and address for ever."""
    settings.CONTRIBUTION_RETENTION_DAYS = 30
    long_ago = timezone.now() - timedelta(days=31)
    old_decided = make_contribution(status=ContributionStatus.PUBLISHED, decided_at=long_ago)
    old_spam = make_contribution(status=ContributionStatus.SPAM, decided_at=long_ago)
    recent = make_contribution(
        status=ContributionStatus.PUBLISHED, decided_at=timezone.now() - timedelta(days=2)
    )
    # Sent long ago, decided lately: counted from its decision.
    sent_long_ago_decided_lately = make_contribution(
        status=ContributionStatus.DECLINED,
        decline_reason=DeclineReason.OTHER,
        decided_at=timezone.now() - timedelta(days=2),
    )
    old_pending = make_contribution()
    recent_pending = make_contribution()
    Contribution.objects.filter(pk__in=[old_pending.pk, sent_long_ago_decided_lately.pk]).update(
        created_at=long_ago
    )
    Contribution.objects.filter(pk=recent_pending.pk).update(
        created_at=timezone.now() - timedelta(days=29)
    )

    call_command("anonymise_contributions")

    for idea in (old_decided, old_spam, old_pending):
        idea.refresh_from_db()
        assert (idea.name, idea.email, idea.show_name) == ("", "", False)
        assert idea.anonymised_at is not None
    old_pending.refresh_from_db()
    assert old_pending.status == ContributionStatus.PENDING
    assert old_pending.text, "the idea itself stays"
    for idea in (recent, sent_long_ago_decided_lately, recent_pending):
        idea.refresh_from_db()
        assert idea.email and idea.name and idea.anonymised_at is None
    assert services.contributions_anonymise_older_than(days=30) == 0


def test_the_personal_data_page_says_when_an_undecided_idea_loses_its_data(client, settings):
    from django.utils import translation

    settings.CONTRIBUTION_RETENTION_DAYS = 365
    with translation.override("sv"):
        page = client.get(reverse("pages:personal_data"))
    assert "Om inget beslut har fattats 12 månader efter att du skickade idén" in page.text
    with translation.override("en"):
        page = client.get(reverse("pages:personal_data"))
    assert "If no decision has been made 12 months after you sent the idea" in page.text


@pytest.mark.parametrize("setting", [True, False])
def test_anonymise_command_fails_on_a_negative_retention(make_contribution, settings, setting):
    """A retention of less than zero days (a typo in CONTRIBUTION_RETENTION_DAYS, or in the
    cron line's --days) erased nothing but ended as a success: cron and systemd timers
    report only a failure, so nobody learnt that no personal data was being erased."""
    long_ago = timezone.now() - timedelta(days=400)
    idea = make_contribution(status=ContributionStatus.PUBLISHED, decided_at=long_ago)
    settings.CONTRIBUTION_RETENTION_DAYS = -30 if setting else 365
    with pytest.raises(CommandError, match="zero days or more"):
        call_command("anonymise_contributions", *([] if setting else ["--days", "-30"]))
    idea.refresh_from_db()
    assert idea.email and idea.anonymised_at is None


def test_an_idea_stays_acknowledged_when_the_database_goes_while_its_mail_is_tried(
    client, make_challenge, form_data, settings, django_capture_on_commit_callbacks,
    monkeypatch, caplog,
):  # fmt: skip
    """The idea is committed before its mail is tried; what became of the mail cannot be
    written, so the queue tries it again later, and the sender still gets their receipt page."""
    settings.MAILERS = {"default": {"BACKEND": f"{__name__}.BrokenMailBackend"}}

    def database_gone(*args, **kwargs):
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(QueuedMail.objects, "bulk_update", database_gone)
    challenge = make_challenge()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("contributions:create", args=[challenge.slug]), form_data())
    idea = Contribution.objects.get()
    assert response["Location"] == reverse("contributions:receipt", args=[idea.token])
    assert "Could not record what became of queued e-mail" in caplog.text
    assert QueuedMail.objects.filter(contribution=idea, attempts=0).exists()
