from datetime import timedelta

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from contributions import services
from contributions.models import Contribution, ContributionStatus, DeclineReason


class BrokenMailBackend:
    """A mail server that is down."""

    def __init__(self, *args, **kwargs):
        pass

    opened = 0

    def open(self):
        BrokenMailBackend.opened += 1
        raise ConnectionRefusedError("mail server down")

    def close(self):
        pass

    def send_messages(self, messages):
        raise ConnectionRefusedError("mail server down")


def test_failing_mail_server_loses_no_idea(
    client, make_challenge, form_data, settings, django_capture_on_commit_callbacks, caplog
):
    settings.MAILERS = {"default": {"BACKEND": f"{__name__}.BrokenMailBackend"}}
    BrokenMailBackend.opened = 0
    challenge = make_challenge()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("contributions:create", args=[challenge.slug]), form_data())
    contribution = Contribution.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("contributions:receipt", args=[contribution.token])
    assert client.get(response["Location"]).status_code == 200
    assert f"Could not send e-mail about idea {contribution.reference}" in caplog.text
    # One attempt to reach the server, not one per message: a hanging server costs one timeout.
    assert BrokenMailBackend.opened == 1


def test_submit_refuses_a_closed_challenge(make_challenge):
    challenge = make_challenge(open_until=timezone.localdate() - timedelta(days=1))
    with pytest.raises(services.ChallengeClosed):
        services.contribution_submit(
            challenge=challenge,
            title="t",
            text="x",
            name="n",
            email="n@example.net",
            kind="resident",
            show_name=False,
            consent=True,
        )
    assert not Contribution.objects.exists()


def test_tokens_and_references_are_unique_and_long(make_contribution):
    ideas = [make_contribution() for _ in range(20)]
    assert len({idea.token for idea in ideas}) == 20
    assert len({idea.reference for idea in ideas}) == 20
    assert all(len(idea.token) >= 43 for idea in ideas)


def test_decisions_record_who_and_when(make_contribution, moderator, make_initiative):
    idea = make_contribution()
    services.contribution_decline(contribution=idea, by=moderator, reason=DeclineReason.OTHER)
    idea.refresh_from_db()
    assert (idea.status, idea.decline_reason, idea.decided_by) == (
        ContributionStatus.DECLINED,
        DeclineReason.OTHER,
        moderator,
    )
    services.contribution_publish(contribution=idea, by=moderator)
    idea.refresh_from_db()
    assert (idea.status, idea.decline_reason) == (ContributionStatus.PUBLISHED, "")
    initiative = make_initiative()
    services.contribution_answer(
        contribution=idea, by=moderator, answer="Ja!", initiative=initiative
    )
    idea.refresh_from_db()
    assert (idea.public_answer, idea.initiative) == ("Ja!", initiative)
    with pytest.raises(ValueError):
        services.contribution_decline(contribution=idea, by=moderator, reason="bogus")


def test_public_name(make_contribution):
    from django.utils import translation

    assert make_contribution(name="Ada", show_name=True).public_name == "Ada"
    hidden = make_contribution(name="Ada", show_name=False)
    # Whatever language an earlier test left active: this passed only after an English page.
    with translation.override("en"):
        assert hidden.public_name == "Resident"
    with translation.override("sv"):
        assert hidden.public_name == "Invånare"


def test_anonymise_command_erases_only_old_decided_ideas(make_contribution, settings):
    settings.CONTRIBUTION_RETENTION_DAYS = 30
    long_ago = timezone.now() - timedelta(days=31)
    old_decided = make_contribution(status=ContributionStatus.PUBLISHED, decided_at=long_ago)
    old_spam = make_contribution(status=ContributionStatus.SPAM, decided_at=long_ago)
    recent = make_contribution(
        status=ContributionStatus.PUBLISHED, decided_at=timezone.now() - timedelta(days=2)
    )
    old_pending = make_contribution()
    Contribution.objects.filter(pk=old_pending.pk).update(created_at=long_ago)

    call_command("anonymise_contributions")

    for idea in (old_decided, old_spam):
        idea.refresh_from_db()
        assert (idea.name, idea.email) == ("", "")
        assert idea.anonymised_at is not None
    for idea in (recent, old_pending):
        idea.refresh_from_db()
        assert idea.email and idea.name and idea.anonymised_at is None
    assert services.contributions_anonymise_older_than(days=30) == 0
