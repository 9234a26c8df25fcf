"""Writes on ideas: sending one, the moderators' decisions, and erasing personal data."""

import functools
import logging
from collections.abc import Iterable
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from challenges.models import Challenge
from contributions import mail
from contributions.models import (
    DECIDED,
    Contribution,
    ContributionStatus,
    DeclineReason,
    QueuedMail,
    SubmitterKind,
    new_reference,
)
from helsingborg_innovation import pagecache, roles

logger = logging.getLogger(__name__)


class ChallengeClosed(Exception):
    """The challenge stopped taking ideas (closed, unpublished) before the idea arrived."""


def contribution_submit(
    *,
    challenge: Challenge,
    title: str,
    text: str,
    name: str,
    email: str,
    kind: SubmitterKind | str,
    show_name: bool,
    consent: bool,
    organisation: str = "",
    spam: bool = False,
    submission_key: str = "",
    language: str = "",
) -> Contribution:
    """Store an idea and its e-mails in one transaction, then send the e-mails once it is
    committed.

    A broken mail server never loses an idea nor shows the sender an error: the e-mails wait
    in the queue (contributions/mail.py) and are sent when the server is back. An idea that is
    stored is acknowledged whatever the mail server does. An idea caught by the spam trap
    is stored as spam, without e-mail, so a person caught by mistake can still be found.

    The same form sent again with the same idea (`submission_key`, see ContributionForm) gets
    the idea stored the first time, without a second one or second e-mails: whoever saw an
    error page, or lost the answer, although the idea was stored may simply send it again.
    """
    if submission_key and (stored := _submitted(challenge, submission_key)):
        return stored
    fresh = Challenge.objects.select_related("contact").filter(pk=challenge.pk).first()
    if fresh is None or not fresh.takes_ideas:
        raise ChallengeClosed
    contribution = Contribution(
        challenge=fresh,
        title=title,
        text=text,
        name=name,
        email=email,
        organisation=organisation,
        kind=kind,
        show_name=show_name,
        consent=consent,
        submission_key=submission_key,
        language=language,
    )
    if spam:
        contribution.status = ContributionStatus.SPAM
        contribution.decided_at = timezone.now()
    for attempt in range(5):
        try:
            with transaction.atomic():
                contribution.save()
                if not spam:
                    queued = mail.queue(contribution, _submission_messages(contribution))
                    transaction.on_commit(functools.partial(mail.send_now, queued), robust=True)
            break
        except IntegrityError:
            # The same form sent twice at once: the other request stored the idea.
            if submission_key and (stored := _submitted(challenge, submission_key)):
                return stored
            # Another idea drew the same short reference: draw again.
            if attempt == 4:
                raise
            contribution.pk = None
            contribution.reference = new_reference()
    return contribution


def _submitted(challenge: Challenge, submission_key: str) -> Contribution | None:
    return Contribution.objects.filter(challenge=challenge, submission_key=submission_key).first()


def _absolute(path: str) -> str:
    return settings.SITE_URL + path


def _submission_messages(contribution: Contribution) -> list[EmailMessage]:
    """Build the e-mails now, in the sender's language, so sending needs no request."""
    messages = []
    context = {
        "contribution": contribution,
        "challenge": contribution.challenge,
        "status_url": _absolute(contribution.get_absolute_url()),
    }
    subject = render_to_string("contributions/email/receipt_subject.txt", context).strip()
    body = render_to_string("contributions/email/receipt_body.txt", context)
    messages.append(EmailMessage(subject, body, to=[contribution.email]))

    # Staff read the idea in the admin; their mail carries nothing personal of the sender (it
    # goes to the challenge's contact, who may be no moderator, and outlives the retention).
    with translation.override(settings.LANGUAGE_CODE):
        context["admin_url"] = _absolute(
            reverse("admin:contributions_contribution_change", args=[contribution.pk])
        )
        context["challenge_url"] = _absolute(contribution.challenge.get_absolute_url())
        subject = render_to_string("contributions/email/notify_subject.txt", context).strip()
        body = render_to_string("contributions/email/notify_body.txt", context)
    contact = contribution.challenge.contact
    notified = set()
    if contact is not None and contact.email:
        messages.append(EmailMessage(subject, body, to=[contact.email]))
        notified.add(contact.email.lower())
    # Each mailbox once: the contact is often a moderator too, and an address written in
    # other capitals is the same mailbox.
    moderators = []
    for address in sorted(
        get_user_model()
        .objects.filter(groups__name=roles.MODERATORS, is_active=True)
        .exclude(email="")
        .values_list("email", flat=True)
    ):
        if address.lower() not in notified:
            notified.add(address.lower())
            moderators.append(address)
    # Each their own mail, addressed to them: one with the moderators in Bcc only had no To
    # header, which spam filters count against a message.
    messages.extend(EmailMessage(subject, body, to=[address]) for address in moderators)
    return messages


# The decisions a sender is told of by e-mail. Spam mails no one, and the queue is no decision.
TOLD = (ContributionStatus.PUBLISHED, ContributionStatus.DECLINED)


def _news_for_sender(
    contribution: Contribution,
    *,
    was_status: str | None,
    was_answer: str | None,
    was_reason: str | None = None,
) -> EmailMessage | None:
    """The e-mail telling the sender what was decided on their idea, that the city first
    answered it, or that the city changed its answer or its reason for declining, as the idea
    is about to be saved (`was_*`: as it was before; None where unknown); None when there is
    nothing new to tell or no one to tell it to (spam, an erased address). A decision told is
    recorded on the idea (mailed_decision), so that it is told once: saving the idea again
    tells nothing more. A change is told once, as the save that makes it: the mail the sender
    keeps would otherwise say what the city no longer says, and a public body that changes its
    answer tells the one it answered. Only the spacing changed is no change."""
    if not contribution.email or contribution.anonymised_at:
        return None
    if contribution.status == ContributionStatus.SPAM:
        return None
    decided = (
        contribution.status in TOLD
        and contribution.status != was_status
        and contribution.status != contribution.mailed_decision
    )
    answered = bool(contribution.public_answer) and was_answer == ""
    changed = (bool(was_answer) and was_answer.split() != contribution.public_answer.split()) or (
        contribution.status == ContributionStatus.DECLINED
        and was_status == ContributionStatus.DECLINED
        and was_reason is not None
        and was_reason != contribution.decline_reason
    )
    if not (decided or answered or changed):
        return None
    if decided:
        contribution.mailed_decision = contribution.status
        news = contribution.status
    else:
        news = "answered" if answered else "changed"
    with translation.override(contribution.language or settings.LANGUAGE_CODE):
        challenge = contribution.challenge
        context = {
            "contribution": contribution,
            "challenge": challenge,
            "news": news,
            "status_url": _absolute(contribution.get_absolute_url()),
            "public_url": (_absolute(contribution.get_public_url()) if challenge.is_public else ""),
        }
        subject = render_to_string("contributions/email/decision_subject.txt", context).strip()
        body = render_to_string("contributions/email/decision_body.txt", context)
    return EmailMessage(subject, body, to=[contribution.email])


def _send_news(news: list[tuple[Contribution, EmailMessage]]) -> None:
    """Queue the senders' e-mails in the transaction that saves their ideas, and try one
    idea's once it is committed, as the receipt is. A bulk decision's are left to the queue's
    next run (`send_queued_mail`, every minute): sent in the moderator's request, a page of
    fifty ideas waited for the mail server fifty times. Nor is one idea's sent at once while
    an earlier mail to its sender waits in the queue: it is queued behind it, so that the
    sender reads the news in the order it was written (a decision, then a change to its
    answer), not the older last."""
    if len(news) == 1:
        ((contribution, message),) = news
        if waiting := _waiting_for(contribution, message.to):
            mail.queue_each(news, after=waiting)
            return
        queued = mail.queue_each(news)
        transaction.on_commit(functools.partial(mail.send_now, queued), robust=True)
    elif news:
        mail.queue_each(news, now=True)


def _waiting_for(contribution: Contribution, to: list[str]):
    """When the last mail about this idea to these addresses still in the queue is to be
    sent, or None when none waits."""
    times = [
        send_after
        for queued_to, send_after in QueuedMail.objects.filter(
            contribution=contribution
        ).values_list("to", "send_after")
        if queued_to == list(to)
    ]
    return max(times, default=None)


def _decide(
    contributions: Iterable[Contribution],
    *,
    by,
    status: str,
    decline_reason: str = "",
    **fields,
) -> None:
    """Give the ideas this status. Only a new status is a decision, as in the admin's form
    (contribution_record_moderation): an idea decided so already keeps who decided it and
    when, so that the time the decision took stays the time it took. Each sender is told of
    a new decision, in one insert into the mail queue for all of them."""
    news = []
    with transaction.atomic():
        for contribution in contributions:
            was_status, was_answer = contribution.status, contribution.public_answer
            was_reason = contribution.decline_reason
            decided = ["decided_by", "decided_at"] if contribution.status != status else []
            if decided:
                contribution.decided_by = by
                contribution.decided_at = timezone.now()
            contribution.status = status
            contribution.decline_reason = decline_reason
            for name, value in fields.items():
                setattr(contribution, name, value)
            message = _news_for_sender(
                contribution, was_status=was_status, was_answer=was_answer, was_reason=was_reason
            )
            told = ["mailed_decision"] if message else []
            contribution.save(update_fields=["status", "decline_reason", *decided, *fields, *told])
            _drop_mail_of_spam(contribution)
            if message:
                news.append((contribution, message))
        _send_news(news)


def _drop_mail_of_spam(contribution: Contribution) -> None:
    """Spam mails no one, as an idea caught by the spam trap does: the receipt and notices
    still waiting for the mail server would go to whatever address the spammer gave, and
    tell the moderators of a new idea."""
    if contribution.status == ContributionStatus.SPAM:
        QueuedMail.objects.filter(contribution=contribution).delete()


def contributions_publish(*, contributions: Iterable[Contribution], by) -> None:
    _decide(contributions, by=by, status=ContributionStatus.PUBLISHED)


def contribution_publish(*, contribution: Contribution, by) -> Contribution:
    contributions_publish(contributions=[contribution], by=by)
    return contribution


def contributions_decline(
    *,
    contributions: Iterable[Contribution],
    by,
    reason: DeclineReason | str,
    note: str | None = None,
) -> None:
    if reason not in DeclineReason.values:
        raise ValueError(f"Unknown reason for declining: {reason!r}")
    fields = {} if note is None else {"internal_note": note}
    _decide(
        contributions, by=by, status=ContributionStatus.DECLINED, decline_reason=reason, **fields
    )


def contribution_decline(
    *, contribution: Contribution, by, reason: DeclineReason | str, note: str | None = None
) -> Contribution:
    contributions_decline(contributions=[contribution], by=by, reason=reason, note=note)
    return contribution


def contributions_mark_spam(*, contributions: Iterable[Contribution], by) -> None:
    _decide(contributions, by=by, status=ContributionStatus.SPAM)


def contribution_mark_spam(*, contribution: Contribution, by) -> Contribution:
    contributions_mark_spam(contributions=[contribution], by=by)
    return contribution


def contribution_answer(
    *, contribution: Contribution, by, answer: str, initiative=None
) -> Contribution:
    """Give the city's public answer (and the initiative the idea led to, if any). An answer
    is not a decision: the idea keeps its status and the time it was decided. The sender is
    told of the first answer the idea gets, and of each change to it."""
    was_answer = contribution.public_answer
    contribution.public_answer = answer
    contribution.initiative = initiative
    with transaction.atomic():
        message = _news_for_sender(
            contribution, was_status=contribution.status, was_answer=was_answer
        )
        contribution.save(update_fields=["public_answer", "initiative"])
        _send_news([(contribution, message)] if message else [])
    return contribution


def contribution_record_moderation(
    *, contribution: Contribution, by, changed: list[str]
) -> Contribution:
    """Save a moderator's edit from the admin form. A new status is a decision: publishing,
    declining or marking as spam records who and when; putting an idea back in the queue
    clears both. An answer, a link to an initiative or another reason for declining leaves
    them as they were, so the time taken to decide stays the time it took. The sender is
    told of a new decision, of the idea's first answer, or of a change to the answer or the
    reason for declining, in one e-mail.

    Only the fields changed are written: the page cache hears which, and a note for staff
    changes no public page (Contribution.PAGE_CACHE_UNSHOWN_FIELDS)."""
    fields = set(changed) & {field.name for field in Contribution._meta.concrete_fields}
    if "status" in fields:
        # The reason for declining goes with the status (a database constraint ties them),
        # also when the form cleared one it showed unchanged (ModerationForm.clean).
        fields |= {"decided_by", "decided_at", "decline_reason"}
        if contribution.status in DECIDED:
            contribution.decided_by = by
            contribution.decided_at = timezone.now()
        else:
            contribution.decided_by = None
            contribution.decided_at = None
    with transaction.atomic():
        # As the idea was read (locked, ContributionAdmin.get_object) before the form's
        # values went onto it.
        message = _news_for_sender(
            contribution,
            was_status=contribution._stored_status,
            was_answer=contribution._stored_answer,
            was_reason=contribution._stored_decline_reason,
        )
        if message:
            fields.add("mailed_decision")
        if fields:
            contribution.save(update_fields=fields)
        _drop_mail_of_spam(contribution)
        _send_news([(contribution, message)] if message else [])
    return contribution


_PERSONAL_DATA = {"name": "", "email": "", "organisation": "", "show_name": False}


@transaction.atomic
def contribution_erase_personal_data(*, email: str) -> int:
    """Erase the name, e-mail and organisation from every idea sent from this address.

    The ideas themselves stay: once received they are public records.
    """
    email = email.strip()
    if not email:
        return 0
    ideas = Contribution.objects.filter(email__iexact=email)
    # Their e-mails to the sender not yet sent carry the address too. The notices to the
    # moderators and the challenge's contact carry nothing of the sender's, and still tell
    # them that an idea waits: deleting them left it unseen in the queue.
    queued = QueuedMail.objects.filter(contribution__in=ideas).only("to", "bcc")
    to_sender = [
        mail.pk
        for mail in queued
        if any(address.casefold() == email.casefold() for address in mail.to + mail.bcc)
    ]
    QueuedMail.objects.filter(pk__in=to_sender).delete()
    count = ideas.update(**_PERSONAL_DATA, anonymised_at=timezone.now())
    if count:
        # The names shown with published ideas are gone too.
        pagecache.bump(pagecache.CONTRIBUTIONS, pagecache.PUBLIC_IDEAS, pagecache.IDEAS_REWRITTEN)
    return count


@transaction.atomic
def contributions_anonymise_older_than(*, days: int) -> int:
    """Erase personal data of ideas decided more than `days` days ago, and of ideas sent
    that long ago and still waiting for a decision; returns how many.

    An idea nobody decided was kept with its sender's name and address for ever: the
    personal data page promised an end only to decided ones (found by review)."""
    cutoff = timezone.now() - timedelta(days=days)
    ideas = Contribution.objects.filter(anonymised_at__isnull=True).filter(
        # Waiting ideas have no decision time: they are counted from when they were sent.
        Q(decided_at__lt=cutoff) | Q(decided_at__isnull=True, created_at__lt=cutoff)
    )
    QueuedMail.objects.filter(contribution__in=ideas).delete()
    count = ideas.update(**_PERSONAL_DATA, anonymised_at=timezone.now())
    if count:
        # The names shown with published ideas are gone too.
        pagecache.bump(pagecache.CONTRIBUTIONS, pagecache.PUBLIC_IDEAS, pagecache.IDEAS_REWRITTEN)
    return count
