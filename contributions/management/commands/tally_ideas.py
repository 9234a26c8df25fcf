from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import connection

from contributions import tallies


class Command(BaseCommand):
    help = (
        "Install the tallies of the ideas that the statistics read (PostgreSQL only) for the "
        "time zone in TIME_ZONE, and count every idea afresh. Run it after changing TIME_ZONE; "
        "until then the statistics count the ideas themselves, which is slower."
    )

    def handle(self, *args, **options):
        if connection.vendor != "postgresql":
            self.stdout.write("Only PostgreSQL keeps tallies; the statistics count the ideas.")
            return
        tallies.install()
        zone = settings.TIME_ZONE
        self.stdout.write(f"The tallies count every idea by month and year in {zone}.")
