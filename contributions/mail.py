"""The e-mails about ideas, kept until the mail server accepts them.

An idea's e-mails are stored with it (`queue`, inside its transaction) and tried once it is
committed (`send_now`). What the mail server does not accept is tried again, later and later,
by `manage.py send_queued_mail` (`send_due`), which every node may run: each message is sent
by one of them. A message is deleted as soon as it is sent, or once the mail server refuses its
addresses for good, so the queue holds no more personal data than it must, and a sender
stopped midway sends no one their mail twice.

A mail server that is down costs one request per worker a connection timeout, not every
request: after a failure a worker leaves its new mail to the queue for a while.
"""

import logging
import re
import smtplib
import time
from collections.abc import Iterable
from datetime import datetime, timedelta

from django.core.mail import EmailMessage, mailers
from django.db import DatabaseError, transaction
from django.utils import timezone

from contributions.models import Contribution, QueuedMail

logger = logging.getLogger(__name__)

# The queue leaves new mail to the request that stored it for this long.
FIRST_TRY_SECONDS = 60
# After a failure, waits between attempts double from a minute up to this.
LONGEST_WAIT = timedelta(hours=6)
# Mail not accepted within this time is dropped (and said so in the log): a receipt or a
# notice older than this helps nobody, while the idea itself waits in the moderators' queue.
GIVE_UP_AFTER = timedelta(days=7)
# After a failed connection, a worker leaves new mail to the queue for this long.
PAUSE_SECONDS = 60
# The messages one run of the queue takes are left alone by the others for this long, and
# each message's claim starts again as it is sent: what a run stopped midway did not reach
# waits no longer, and a run slower than this (a mail server that answers each message only
# at its timeout) loses the messages it has not reached to the next run, never sends them too.
CLAIM = timedelta(minutes=30)

_paused_until = 0.0

# Every message is sent by the portal itself, and no one should answer it automatically: an
# out-of-office reply to each idea's notice would come back to the portal's own address
# (RFC 3834; the second header is what Microsoft's mail servers heed).
HEADERS = {"Auto-Submitted": "auto-generated", "X-Auto-Response-Suppress": "All"}


def queue(contribution: Contribution, messages: Iterable[EmailMessage]) -> list[QueuedMail]:
    """Keep these messages about an idea; call inside the transaction that stores it."""
    return queue_each((contribution, message) for message in messages)


def queue_each(
    messages: Iterable[tuple[Contribution, EmailMessage]],
    *,
    now: bool = False,
    after: datetime | None = None,
) -> list[QueuedMail]:
    """Keep messages about several ideas, each with its idea, in one insert (a bulk decision
    tells each sender); call inside the transaction that stores the ideas. `now`: for the
    queue's next run to send, not the request (see services._send_news); `after`: for the
    queue to send no sooner than another message due then, and after it (the queue sends
    in order of time, then of insertion)."""
    send_after = timezone.now()
    if after is not None:
        send_after = max(send_after, after)
    elif not now:
        send_after += timedelta(seconds=FIRST_TRY_SECONDS)
    return QueuedMail.objects.bulk_create(
        QueuedMail(
            contribution=contribution,
            subject=message.subject,
            body=message.body,
            to=list(message.to),
            bcc=list(message.bcc),
            send_after=send_after,
        )
        for contribution, message in messages
    )


def send_now(mails: list[QueuedMail]) -> None:
    """Try the queued messages of an idea just stored (as `queue` returned them, so nothing
    is read back), unless the mail server failed this worker a moment ago: the queue sends
    what is left."""
    if time.monotonic() < _paused_until:
        for reference in sorted({mail.contribution.reference for mail in mails}):
            logger.warning(
                "E-mail about idea %s left in the queue: the mail server is away", reference
            )
        return
    send(mails)


def send_due(limit: int = 200) -> tuple[int, int]:
    """Send queued messages whose time has come, oldest first; returns (sent, failed).

    The messages are taken in a short transaction (locked, skipping those another run is
    taking, and put off by CLAIM) and sent outside it, so each is sent once, by one run, and
    each is deleted as soon as the mail server accepts it. (Sent inside the transaction, a
    run stopped midway left all it had sent in the queue, and held its locks while it sent.)
    """
    now = timezone.now()
    dropped = QueuedMail.objects.filter(created_at__lt=now - GIVE_UP_AFTER)
    for mail in dropped.select_related("contribution"):
        logger.error(
            "Gave up e-mail about idea %s after %s attempts: %s",
            mail.contribution.reference,
            mail.attempts,
            mail.last_error,
        )
    dropped.delete()
    with transaction.atomic():
        due = list(
            QueuedMail.objects.filter(send_after__lte=now)
            .select_for_update(skip_locked=True, of=("self",))
            .select_related("contribution")
            .order_by("send_after", "pk")[:limit]
        )
        claim = now + CLAIM
        QueuedMail.objects.filter(pk__in=[mail.pk for mail in due]).update(send_after=claim)
    for mail in due:
        mail.send_after = claim  # what `_still_ours` finds while the claim is this run's
    return send(due)


def send(mails: Iterable[QueuedMail]) -> tuple[int, int]:
    """Send over one connection, each message on its own: a mail server that is down or
    hangs costs one timeout, not one per message, and a refused address does not keep the
    others from their mail. Returns (sent, failed)."""
    global _paused_until
    mails = list(mails)
    if not mails:
        return 0, 0
    connection = mailers.default
    try:
        connection.open()
    except Exception as error:
        _paused_until = time.monotonic() + PAUSE_SECONDS
        for reference in sorted({mail.contribution.reference for mail in mails}):
            logger.error("Could not send e-mail about idea %s: %s", reference, _described(error))
        _failed(mails, error)
        return 0, len(mails)
    sent = failed = 0
    try:
        for mail in mails:
            if not _still_ours(mail):
                continue
            message = EmailMessage(
                mail.subject, mail.body, to=mail.to, bcc=mail.bcc, headers=HEADERS
            )
            try:
                connection.send_messages([message])
            except Exception as error:
                failed += 1
                if _refused_for_good(error):
                    # The server would answer so again: trying for a week helps no one.
                    logger.error(
                        "Gave up e-mail about idea %s: %s",
                        mail.contribution.reference,
                        _described(error),
                    )
                    _delete(mail)
                    continue
                logger.error(
                    "Could not send e-mail about idea %s: %s",
                    mail.contribution.reference,
                    _described(error),
                )
                _failed([mail], error)
            else:
                sent += 1
                _delete(mail)
    finally:
        connection.close()
    return sent, failed


def _still_ours(mail: QueuedMail) -> bool:
    """Whether this run is still to send the message, which it then holds for another CLAIM.

    Its address may have been erased, or its idea marked as spam, since it was taken from the
    queue (the message is gone). Or this run took longer than its claim, and another run has
    taken the message (its time to send is no longer the one this run set): both sent it,
    when the other run checked it while this one was still sending it. The check and the new
    claim are one update, so only one run wins. (Sent when the database does not answer: the
    idea was acknowledged.)"""
    claim = timezone.now() + CLAIM
    try:
        held = QueuedMail.objects.filter(pk=mail.pk, send_after=mail.send_after).update(
            send_after=claim
        )
    except DatabaseError:
        return True
    if held:
        mail.send_after = claim
    return bool(held)


def _delete(mail: QueuedMail) -> None:
    _record(lambda: QueuedMail.objects.filter(pk=mail.pk).delete())


def _refused_for_good(error: Exception) -> bool:
    """Whether the mail server refused every address for good (5xx), not for now (4xx)."""
    return isinstance(error, smtplib.SMTPRecipientsRefused) and all(
        500 <= code < 600 for code, _message in error.recipients.values()
    )


def _failed(mails: list[QueuedMail], error: Exception) -> None:
    now = timezone.now()
    for mail in mails:
        mail.attempts += 1
        wait = min(timedelta(minutes=2 ** min(mail.attempts - 1, 16)), LONGEST_WAIT)
        mail.send_after = now + wait
        mail.last_error = _described(error)[:300]
    _record(lambda: QueuedMail.objects.bulk_update(mails, ["attempts", "send_after", "last_error"]))


# An e-mail address in an error's text, as mail servers and smtplib name them.
_ADDRESS = re.compile(r"[^\s<>'\"(),:;]+@[^\s<>'\"(),:;]+")


def _described(error: Exception) -> str:
    """What went wrong, for the log and the queue's page in the admin, without the addresses a
    mail server's refusal names ("{'anna@example.org': (550, ...)}"): they are personal data,
    the queue's page shows none, and the log keeps none."""
    name = type(error).__name__
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        codes = sorted({code for code, _message in error.recipients.values()})
        return f"{name}: {', '.join(str(code) for code in codes)}"
    if isinstance(error, smtplib.SMTPResponseException):
        return f"{name}: {error.smtp_code}"
    return f"{name}: {_ADDRESS.sub('[address]', str(error))}"


def _record(write) -> None:
    """What became of the mail, written when the database answers. Sending happens after the
    idea is committed, and the idea stays acknowledged when the database goes away meanwhile:
    its mail is then tried again by the queue, at worst once more than needed."""
    try:
        write()
    except DatabaseError:
        logger.warning("Could not record what became of queued e-mail", exc_info=True)
