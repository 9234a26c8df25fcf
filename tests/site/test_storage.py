"""The storage of large open-data files (settings.STORAGES["exports"])."""

import os
import time

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import storages

from helsingborg_innovation.storage import PARTS_FOLDER


def test_the_storage_shows_a_file_whole_or_not_at_all():
    """What it is saving is written under another name, and renamed into place when whole;
    a save that fails leaves nothing behind."""
    storage = storages["exports"]

    class Failing(ContentFile):
        def chunks(self, chunk_size=None):
            yield b"id,slug\n"
            raise OSError("No space left on device")

    with pytest.raises(OSError):
        storage.save("initiatives-csv-en/abc.csv", Failing(b""))
    assert not storage.exists("initiatives-csv-en/abc.csv")
    assert storage.listdir(PARTS_FOLDER)[1] == []

    storage.save("initiatives-csv-en/abc.csv", ContentFile(b"one"))
    storage.save("initiatives-csv-en/abc.csv", ContentFile(b"two"))
    with storage.open("initiatives-csv-en/abc.csv") as file:
        assert file.read() == b"two"
    assert storage.listdir("initiatives-csv-en")[1] == ["abc.csv"]


def test_a_part_left_by_a_worker_that_died_is_deleted_by_the_next_save():
    storage = storages["exports"]
    storage.save("initiatives-csv-en/abc.csv", ContentFile(b"one"))
    dead, fresh = storage.path(f"{PARTS_FOLDER}/dead.part"), storage.path(f"{PARTS_FOLDER}/b.part")
    for path in (dead, fresh):
        with open(path, "wb") as part:
            part.write(b"id,slug\n")
    os.utime(dead, (time.time() - 2 * 60 * 60,) * 2)

    storage.save("initiatives-csv-en/def.csv", ContentFile(b"two"))

    assert storage.listdir(PARTS_FOLDER)[1] == ["b.part"]
