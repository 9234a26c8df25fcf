from django.core.management.base import BaseCommand

from contributions import mail


class Command(BaseCommand):
    help = (
        "Send the e-mails about ideas that the mail server has not accepted yet (receipts "
        "and moderators' notices). Run it every minute, on one node or on all; it prints "
        "nothing when there was nothing to send."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--limit", type=int, default=200, help="Send at most this many (default 200)."
        )

    def handle(self, *args, limit, verbosity, **options):
        sent, failed = mail.send_due(limit=limit)
        # Silent when there was nothing to send: cron mails whatever a job run every minute
        # prints.
        if sent or failed or verbosity > 1:
            self.stdout.write(f"Sent {sent} queued e-mails; {failed} could not be sent yet.")
