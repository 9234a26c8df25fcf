"""An item whose slug is changed keeps its old address: links already shared lead to it."""

import pytest
from django.urls import reverse

from helsingborg_innovation.models import FormerSlug
from helsingborg_innovation.publishing import Status

KINDS = ["challenge", "initiative", "method"]


@pytest.fixture
def make_item(make_challenge, make_initiative, make_method):
    makers = {"challenge": make_challenge, "initiative": make_initiative, "method": make_method}
    return lambda kind, **fields: makers[kind](**fields)


def _renamed(item, slug: str):
    old_address = item.get_absolute_url()
    item.slug = slug
    item.save()
    return old_address


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("language", ["sv", "en"])
def test_the_old_address_leads_to_the_renamed_item(client, make_item, kind, language):
    from django.utils import translation

    item = make_item(kind, slug="gammal-adress")
    with translation.override(language):
        old_address = _renamed(item, "ny-adress")
        new_address = item.get_absolute_url()
    response = client.get(old_address, {"sida": "2"})
    assert response.status_code == 301
    assert response["Location"] == f"{new_address}?sida=2"
    assert "max-age=86400" in response["Cache-Control"]
    assert client.get(new_address).status_code == 200


@pytest.mark.parametrize("kind", KINDS)
def test_every_former_address_leads_to_the_item_and_taking_one_back_serves_it(
    client, make_item, kind
):
    item = make_item(kind, slug="forsta")
    first = _renamed(item, "andra")
    second = _renamed(item, "tredje")
    assert client.get(first)["Location"] == item.get_absolute_url()
    assert client.get(second)["Location"] == item.get_absolute_url()

    _renamed(item, "forsta")
    assert client.get(first).status_code == 200
    assert client.get(item.get_absolute_url().replace("forsta", "tredje"))["Location"] == first


@pytest.mark.parametrize("kind", KINDS)
def test_another_item_given_the_old_address_is_shown_there(client, make_item, kind):
    renamed = make_item(kind, slug="delad-adress", title="Den gamla")
    old_address = _renamed(renamed, "egen-adress")
    newcomer = make_item(kind, slug="delad-adress", title="Den nya")
    response = client.get(old_address)
    assert response.status_code == 200
    assert "Den nya" in response.text
    assert not FormerSlug.objects.filter(slug="delad-adress").exists()
    assert newcomer.get_absolute_url() == old_address


@pytest.mark.parametrize("kind", KINDS)
def test_a_draft_renamed_does_not_tell_the_public_its_new_address(
    client, admin_client, make_item, kind
):
    """A draft's slug tells its title, which is not public yet."""
    item = make_item(kind, slug="utkast", status=Status.DRAFT)
    old_address = _renamed(item, "hemlig-titel")
    response = client.get(old_address)
    assert response.status_code == 404
    assert "hemlig-titel" not in response.text
    assert admin_client.get(old_address)["Location"] == item.get_absolute_url()


@pytest.mark.parametrize("kind", KINDS)
def test_a_deleted_item_takes_its_former_addresses_with_it(client, make_item, kind):
    item = make_item(kind, slug="borta")
    old_address = _renamed(item, "borta-nu")
    item.delete()
    assert not FormerSlug.objects.exists()
    assert client.get(old_address).status_code == 404


def test_an_unknown_address_is_still_not_found(client, db):
    assert (
        client.get(reverse("challenges:detail", kwargs={"slug": "finns-inte"})).status_code == 404
    )


def test_the_admin_says_the_old_address_keeps_working(admin_client, make_challenge):
    challenge = make_challenge()
    page = admin_client.get(reverse("admin:challenges_challenge_change", args=[challenge.pk]))
    assert "leder den gamla adressen fortfarande till sidan" in page.text
