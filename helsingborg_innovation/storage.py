"""Media storage that keeps the names editors give their files, where Django's own rule
(get_valid_filename) turns spaces into underscores and drops every sign but "-", "_" and ".":
residents downloaded "Rapport (slutversion) – Q&A, 2026.pdf" as "Rapport_slutversion__QA_2026.pdf".

A name keeps its letters, spaces and ordinary punctuation, and loses only what is unsafe on a
file system, in an address or in a download on Windows."""

import contextlib
import os
import re
import secrets
import time
import unicodedata

from django.core.files import storage

# What Windows refuses in a name; "/" and "\" also separate folders on one system or another.
FORBIDDEN = frozenset('/\\:*?"<>|')
# Names Windows keeps for devices, with any extension: a resident could not save "CON.pdf".
WINDOWS_DEVICES = frozenset(
    {"CON", "PRN", "AUX", "NUL"} | {f"{port}{n}" for port in ("COM", "LPT") for n in range(10)}
)
# ext4 and XFS hold 255 bytes in a name ("ö" takes two); room is left for what is added to a
# stored name: an image's "<name>.renditions" folder, and the 8 characters the storage adds
# when a name is taken.
MAX_NAME_BYTES = 230
# A name made only of what is dropped ("....", "???") is still given one.
FALLBACK_STEM = "file"


def _kept(character: str) -> bool:
    """Not a control, format (such as U+202E, which shows "fdp.exe" as "exe.pdf"), private or
    unassigned character, nor one Windows refuses, also in a full-width form (U+FF0F for "/")
    that some conversions turn back into it."""
    if unicodedata.category(character).startswith("C"):
        return False
    return not FORBIDDEN & set(unicodedata.normalize("NFKC", character))


def _split(name: str) -> tuple[str, str]:
    """The stem and the extension (with its dot). Only a short run of letters and digits after
    the last dot is an extension: in "Rapport v. 2 slut" the dot is part of the name."""
    stem, dot, extension = name.rpartition(".")
    if dot and re.fullmatch(r"[^\W_]{1,10}", extension):
        return stem, f".{extension}"
    return name, ""


def _trim(stem: str, fits, longest: int) -> str:
    """The stem shortened until `fits(stem)`, not ending in a space or dot; `longest` is a
    length it cannot exceed, cut at once so that a name of 10,000 letters costs no more."""
    if len(stem) > longest:
        stem = stem[: max(longest, 0)].rstrip(" .")
    while stem and not fits(stem):
        stem = stem[:-1].rstrip(" .")
    return stem


def safe_name(name: str) -> str:
    """A file name as uploaded, made safe to store, to link to and to download.

    The last part of a path ("../../etc/passwd" is "passwd"), composed (NFC: a Mac sends "ö"
    as "o" and a separate diaeresis), white space as spaces, without the characters `_kept`
    drops, without leading or trailing spaces and dots (Windows drops trailing ones, and a
    leading dot hides a file), never a Windows device name, never empty, and at most
    MAX_NAME_BYTES long in UTF-8, shortened in its stem so that it keeps its extension."""
    name = re.split(r"[/\\]", str(name))[-1]
    name = "".join(" " if c.isspace() else c for c in name if c.isspace() or _kept(c))
    # Composed after the filter, which may join a letter and its mark ("o", U+200B, "¨").
    name = unicodedata.normalize("NFC", name)
    stem, extension = _split(name.rstrip(" ."))
    stem = _trim(
        stem.strip(" .") or FALLBACK_STEM,
        lambda s: len(f"{_not_a_device(s)}{extension}".encode()) <= MAX_NAME_BYTES,
        MAX_NAME_BYTES,
    )
    return f"{_not_a_device(stem or FALLBACK_STEM)}{extension}"


def _not_a_device(stem: str) -> str:
    """Windows keeps "CON" for a device, also before a dot: it is "CON_", "CON.tar" "CON_.tar"."""
    first, dot, rest = stem.partition(".")
    if first.rstrip(" ").upper() in WINDOWS_DEVICES:
        return f"{first}_{dot}{rest}"
    return stem


class SafeNamesMixin:
    """A storage's part in keeping names: `safe_name` where Django would apply
    get_valid_filename, and a path too long for its field shortened in the stem of its name,
    where Django cuts it and adds 7 random characters ("…_i_Helsingborgs_stad_-_vers_7cxGCNj.pdf").
    Put it before the storage class it goes with (README, "Uploaded media")."""

    def get_valid_name(self, name):
        return safe_name(name)

    def get_available_name(self, name, max_length=None):
        folder, _, file_name = str(name).replace("\\", "/").rpartition("/")
        if max_length and len(name) > max_length:
            stem, extension = _split(file_name)
            prefix = f"{folder}/" if folder else ""
            stem = _trim(
                stem,
                lambda s: len(f"{prefix}{s}{extension}") <= max_length,
                max_length - len(prefix) - len(extension),
            )
            if stem:
                name = f"{prefix}{stem}{extension}"
        return super().get_available_name(name, max_length=max_length)


class FileSystemStorage(SafeNamesMixin, storage.FileSystemStorage):
    """The media storage in settings.STORAGES["default"]."""


# Where ExportFileStorage writes a file before it is whole, beside the files themselves (one
# file system, so that the rename is atomic); a part older than this was left by a process
# that died while writing it.
PARTS_FOLDER = ".parts"
PART_MAX_AGE_SECONDS = 60 * 60


class ExportFileStorage(storage.FileSystemStorage):
    """The storage in settings.STORAGES["exports"]: large open-data files kept whole
    (helsingborg_innovation/exportfiles.py). A file is written under a name of its own, then
    renamed into place, so that another worker or node never opens one half written; saved
    again under a name it has, it replaces the one there, which a worker still sending it
    goes on reading (S3-compatible storage does the same: an object is there whole or not
    at all)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("allow_overwrite", True)
        super().__init__(**kwargs)

    def _save(self, name, content):
        self._forget_dead_parts()
        part = f"{PARTS_FOLDER}/{secrets.token_hex(16)}.part"
        try:
            super()._save(part, content)
            os.makedirs(os.path.dirname(self.path(name)), exist_ok=True)
            os.replace(self.path(part), self.path(name))
        except BaseException:
            with contextlib.suppress(OSError):
                os.remove(self.path(part))
            raise
        return name

    def _forget_dead_parts(self) -> None:
        try:
            parts = list(os.scandir(self.path(PARTS_FOLDER)))
        except FileNotFoundError:
            return
        for part in parts:
            with contextlib.suppress(OSError):
                if time.time() - part.stat().st_mtime > PART_MAX_AGE_SECONDS:
                    os.remove(part.path)
