from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from contributions.services import contributions_anonymise_older_than
from helsingborg_innovation import pagecache


class Command(BaseCommand):
    help = (
        "Erase the name, e-mail and organisation of ideas decided longer ago than the "
        "retention period (CONTRIBUTION_RETENTION_DAYS), and of ideas sent longer ago and "
        "still undecided. Run it daily."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--days",
            type=int,
            default=None,
            help="Retention in days (default: the CONTRIBUTION_RETENTION_DAYS setting).",
        )

    def handle(self, *args, days=None, **options):
        days = settings.CONTRIBUTION_RETENTION_DAYS if days is None else days
        if days < 0:
            # A failure, so that cron or the timer reports it: nothing is erased.
            raise CommandError(f"The retention must be zero days or more, got {days}.")
        count = contributions_anonymise_older_than(days=days)
        self.stdout.write(
            f"Erased personal data from {count} ideas decided, or sent and still undecided, "
            f"over {days} days ago."
        )
        if not pagecache.send_unsent_bumps():
            # The names are gone from the database, but not from the cached pages.
            raise CommandError(
                "The cache server did not take the invalidation: cached public pages may "
                "show the erased names until they expire at midnight."
            )
