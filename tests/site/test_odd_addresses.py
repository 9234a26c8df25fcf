"""Addresses no link of the site makes, typed or sent by a robot: not found, never an error."""

import pytest


@pytest.mark.django_db
@pytest.mark.parametrize(
    "path",
    [
        "/bidrag/%00/",
        "/bidrag/%00/tack/",
        "/bidrag/abc%01def/",
        "/en/contributions/a%00/",
        "/taggar/%00/",
        "/en/tags/%00/",
        "/taggar/a%1fb/",
    ],
)
def test_a_control_character_in_the_address_is_not_found(client, path):
    """PostgreSQL refuses NUL in text: the idea's status page and a tag's page sent the
    address's part to it and answered 500, with a traceback in the log (found by review)."""
    assert client.get(path).status_code == 404


def test_a_tag_with_letters_beyond_ascii_is_found(client, make_initiative):
    make_initiative(tags=["återbruk"])
    from taggit.models import Tag

    slug = Tag.objects.get().slug
    assert client.get(f"/taggar/{slug}/").status_code == 200
