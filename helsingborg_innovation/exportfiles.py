"""Open-data files too large for the page cache, kept whole in storage every node shares.

The page cache keeps a file up to pagecache.STREAMED_KEPT_BYTES; the whole portfolio (50 MB
with 100,000 initiatives) was made afresh for every download, seconds of a worker and of the
database each time, and harvesters queued behind OPEN_DATA_EXPORTS_AT_ONCE. Such a file is
now kept in settings.STORAGES["exports"] once it has been sent whole, and sent from there to
whoever asks for it next, without the database.

A file is named after its ETag (pagecache.validator): the generations of what it shows, its
address and language, the release. Any change to what it shows, a deploy or another language
gives another name, so a file kept is never served for content it does not hold; the files
the new one supersedes are deleted when it is kept. It is kept only once the visitor has been
sent the last byte (one who goes away leaves nothing), and the storage shows it whole or not
at all (storage.ExportFileStorage).

Only the unfiltered files at the site's own address (SITE_URL) are kept: four datasets in two
formats and two languages, sixteen files. Filters and host names (a port is part of one) are
as many as anyone cares to send, and each kept file would take its megabytes of disk.
"""

import hashlib
import logging
import tempfile
from collections.abc import Iterable, Iterator
from urllib.parse import urlsplit

from django.conf import settings
from django.core.files import File
from django.core.files.storage import storages
from django.utils.translation import get_language

from helsingborg_innovation import heartbeat, pagecache

logger = logging.getLogger(__name__)

# The piece of a kept file read and sent at a time.
BLOCK_BYTES = 256 * 1024


def _storage():
    return storages["exports"]


# Bumped when the files are written another way. 2: every CSV value in quotes.
FILE_FORMAT = 2


def kept_name(request, dataset: str, fmt: str, etag: str | None) -> str | None:
    """Where the file answering this request is kept (see the module's docstring); None when
    it is not kept: without an ETag (no page cache to vouch for the content), with filters,
    or at another address than SITE_URL's."""
    if etag is None or request.GET or not _at_site_url(request):
        return None
    # The ETag vouches for the content, not the bytes: a file kept by an earlier release,
    # written another way (FILE_FORMAT), is not sent by this one.
    digest = hashlib.blake2b(f"{FILE_FORMAT}:{etag}".encode(), digest_size=16).hexdigest()
    # One folder for each file of which at most one is current (`_forget_superseded`).
    return f"{dataset}-{fmt}-{get_language()}/{digest}.{fmt}"


def _at_site_url(request) -> bool:
    site = urlsplit(settings.SITE_URL)
    return (request.scheme, request.get_host().lower()) == (site.scheme, site.netloc.lower())


def opened(name: str) -> File | None:
    """The file kept under `name`, open to be read; None when there is none."""
    try:
        return _storage().open(name, "rb")
    except FileNotFoundError:
        return None
    except Exception:
        # Made afresh, as before there was a storage: the visitor gets the file.
        logger.warning("Cannot read the open-data file %s", name, exc_info=True)
        return None


def size(name: str) -> int | None:
    """The size of the file kept under `name`, None when there is none."""
    try:
        return _storage().size(name)
    except FileNotFoundError:
        return None
    except Exception:
        logger.warning("Cannot read the open-data file %s", name, exc_info=True)
        return None


class Sent:
    """A kept file's content, a block at a time, closed with the response (sent whole, or
    left by a visitor, before its first byte too). Each block tells gunicorn the worker is
    alive: a slow download of 50 MB takes longer than its timeout."""

    def __init__(self, file: File):
        self.file = file

    def __iter__(self) -> Iterator[bytes]:
        while block := self.file.read(BLOCK_BYTES):
            yield block
            heartbeat.beat()

    def close(self) -> None:
        self.file.close()


def kept_when_whole(chunks: Iterable[str], name: str) -> Iterator[str]:
    """The chunks of a file being made, as they are sent; once the last is sent, the whole
    file, if larger than the page cache keeps, is kept under `name`. A visitor who goes away
    (or an error) closes this before: nothing is kept, and the copy is thrown away."""
    with tempfile.SpooledTemporaryFile(max_size=pagecache.STREAMED_KEPT_BYTES) as copy:
        for chunk in chunks:
            copy.write(chunk.encode())  # as StreamingHttpResponse encodes it (charset=utf-8)
            yield chunk
        if copy.tell() > pagecache.STREAMED_KEPT_BYTES:
            copy.seek(0)
            _keep(name, copy)


def _keep(name: str, copy) -> None:
    storage = _storage()
    try:
        storage.save(name, File(copy, name=name))
    except Exception:
        logger.warning("Cannot keep the open-data file %s", name, exc_info=True)
        return
    _forget_superseded(name)


def _forget_superseded(name: str) -> None:
    """Delete the other files in `name`'s folder: the same file, made before a change, a
    deploy or a restart. A worker still sending one goes on reading it (an open file stays
    readable after it is deleted, an object being downloaded from S3 too). While two
    releases run side by side during a deploy, each may delete the other's, and each is made
    again: the files are never wrong, only made more often for those minutes."""
    storage = _storage()
    folder, _slash, own = name.rpartition("/")
    try:
        _folders, files = storage.listdir(folder)
        for file in files:
            if file != own:
                storage.delete(f"{folder}/{file}")
    except Exception:
        logger.warning("Cannot delete the open-data files superseded by %s", name, exc_info=True)
