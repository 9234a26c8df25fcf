"""The idea form of a challenge whose slug was changed."""

from django.test import Client
from django.urls import reverse

from challenges.models import Challenge
from contributions.models import Contribution


def _renamed(challenge, slug: str) -> None:
    challenge.slug = slug
    challenge.save()


def test_the_idea_form_at_the_old_address_leads_to_the_new_one(client, make_challenge):
    challenge = make_challenge(slug="gammal")
    old_form = reverse("contributions:create", kwargs={"slug": "gammal"})
    _renamed(challenge, "ny")
    response = client.get(old_form)
    assert response.status_code == 301
    assert response["Location"] == reverse("contributions:create", kwargs={"slug": "ny"})


def test_an_idea_sent_from_a_form_opened_before_the_rename_is_taken(
    client, make_challenge, form_data
):
    """The form was opened at the old address; the challenge was renamed while the idea was
    being written. A redirect would lose what was typed: the idea is taken as it is."""
    challenge = make_challenge(slug="gammal")
    old_form = reverse("contributions:create", kwargs={"slug": "gammal"})
    data = form_data()
    _renamed(challenge, "ny")
    refused = Client(enforce_csrf_checks=True).post(old_form, data)
    assert refused.status_code == 403  # the security check refused: the idea comes back
    assert f'value="{data["title"]}"' in refused.text
    response = client.post(old_form, data)
    assert response.status_code == 302
    stored = Contribution.objects.get()
    assert stored.challenge == Challenge.objects.get(slug="ny")
    assert stored.title == data["title"]
