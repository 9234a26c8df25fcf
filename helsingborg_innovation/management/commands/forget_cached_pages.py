from django.core.cache import caches
from django.core.management.base import BaseCommand, CommandError

from helsingborg_innovation import pagecache
from helsingborg_innovation.rediscache import RedisCache


class Command(BaseCommand):
    help = (
        "Make every cached page, figure and list be made afresh from the database. Run it "
        "after restoring a backup: the page cache learns of changes made through the portal "
        "only, and would show the content from before the restore until midnight."
    )

    def handle(self, *args, **options):
        if not isinstance(caches["default"], RedisCache):
            # The local-memory cache is each process's own: this one's is not the server's.
            raise CommandError(
                "Without REDIS_URL each server process keeps its own cache: restart the "
                "server instead."
            )
        pagecache.bump(*pagecache.ALL)
        if not pagecache.send_unsent_bumps():
            raise CommandError(
                "The cache server did not take the invalidation: cached public pages may show "
                "the content from before until they expire at midnight."
            )
        self.stdout.write("Every cached page will be made afresh from the database.")
