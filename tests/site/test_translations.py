"""Every string of the portal is in Swedish: an entry left empty, or marked fuzzy by
makemessages (which compilemessages leaves out), is shown in English on a Swedish page."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib import admin
from django.urls import reverse
from django.utils.translation import trans_real

CATALOGUE = Path(settings.BASE_DIR) / "locale" / "sv" / "LC_MESSAGES" / "django.po"


def _strings(lines: list[str], keyword: str) -> list[str]:
    """The texts of each `keyword` (msgid, msgstr, msgstr[0], ...) with its continuation lines."""
    found, current = [], None
    for line in lines:
        if line.startswith(keyword + " "):
            current = [line[len(keyword) + 1 :]]
            found.append(current)
        elif line.startswith('"') and current is not None:
            current.append(line)
        else:
            current = None
    return ["".join(re.findall(r'"((?:[^"\\]|\\.)*)"', "".join(parts))) for parts in found]


def entries(text: str) -> list[dict]:
    result = []
    for block in text.split("\n\n"):
        lines = [line for line in block.splitlines() if not line.startswith("#~")]
        if not any(line.startswith("msgid ") for line in lines):
            continue
        (msgid,) = _strings(lines, "msgid")
        if not msgid:
            continue  # the header
        translations = _strings(lines, "msgstr")
        translations += [t for n in range(2) for t in _strings(lines, f"msgstr[{n}]")]
        fuzzy = any(line.startswith("#,") and "fuzzy" in line for line in lines)
        result.append({"msgid": msgid, "translations": translations, "fuzzy": fuzzy})
    return result


def test_every_string_has_a_swedish_translation_that_is_not_fuzzy():
    found = entries(CATALOGUE.read_text(encoding="utf-8"))
    assert len(found) > 300
    missing = [e["msgid"] for e in found if e["fuzzy"] or not all(e["translations"])]
    assert not missing, f"{len(missing)} strings without a Swedish translation: {missing[:10]}"


def test_the_check_sees_a_fuzzy_or_empty_entry():
    text = (
        'msgid ""\nmsgstr ""\n"Language: sv\\n"\n\n'
        '#, fuzzy, python-format\nmsgid "A %(n)s"\nmsgstr "Ett %(n)s"\n\n'
        'msgid "B"\nmsgstr ""\n\n'
        'msgid "C"\nmsgid_plural "Cs"\nmsgstr[0] "C"\nmsgstr[1] ""\n\n'
        'msgid ""\n"D, long"\nmsgstr ""\n"D, lång"\n'
    )
    by_id = {e["msgid"]: e for e in entries(text)}
    assert by_id["A %(n)s"]["fuzzy"]
    assert by_id["B"]["translations"] == [""]
    assert by_id["C"]["translations"] == ["C", ""]
    assert by_id["D, long"]["translations"] == ["D, lång"] and not by_id["D, long"]["fuzzy"]


# Django's admin strings that read the same in Swedish.
SAME_IN_SWEDISH = {
    "Administration",
    "Filter",
    ", ",
    "%(class_name)s %(instance)s",
    "S",
    "M",
    "T",
    "F",
}


def _admin_strings(domain: str) -> list[tuple[str, str, str]]:
    """(context, msgid, msgid_plural) of each string of Django's admin, from its English
    catalogue, which lists them all."""
    text = (Path(admin.__file__).parent / "locale/en/LC_MESSAGES" / f"{domain}.po").read_text()
    found = []
    for block in text.split("\n\n"):
        lines = block.splitlines()
        msgid = [s.replace('\\"', '"') for s in _strings(lines, "msgid")]
        if not msgid or not msgid[0]:
            continue
        plural = _strings(lines, "msgid_plural")
        context = _strings(lines, "msgctxt")
        found.append((context[0] if context else "", msgid[0], plural[0] if plural else ""))
    return found


@pytest.mark.parametrize("domain", ["django", "djangojs"])
def test_the_admin_is_in_swedish_where_djangos_own_catalogue_is_not(domain):
    """Django 6.1 brought strings its Swedish catalogue lacks (the calendar's and the clock's,
    the note of the time zone, "…and 3 more objects." on a page that deletes, the logged-out
    page's "Logout"), and gives "6 p.m." for the clock's 18:00: the staff saw them in
    English."""
    paths = None if domain == "django" else [str(Path(admin.__file__).parent / "locale")]
    swedish = trans_real.DjangoTranslation("sv", domain=domain, localedirs=paths)
    english = []
    for context, msgid, plural in _admin_strings(domain):
        if context:
            text = swedish.pgettext(context, msgid)
        elif plural:
            text = swedish.ngettext(msgid, plural, 1)
        else:
            text = swedish.gettext(msgid)
        if text == msgid and msgid not in SAME_IN_SWEDISH:
            english.append(msgid)
    assert english == []
    if domain == "djangojs":
        assert swedish.gettext("6 p.m.") == "18:00"


def test_the_admin_calendar_speaks_swedish(admin_client):
    catalogue = admin_client.get(reverse("admin:jsi18n")).text
    assert "I dag (%(date)s)" in catalogue
    assert "Obs: ange tider i tidszonen %(timezone)s." in catalogue
