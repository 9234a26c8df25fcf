"""Editors write, schedule, preview and publish challenges in the admin; moderators only read."""

from datetime import timedelta

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import clear_url_caches, reverse
from django.utils import timezone

from challenges.models import Challenge
from contributions.models import Contribution
from helsingborg_innovation.publishing import Status
from initiatives.models import Initiative
from methods.models import Method

CHANGELIST = "admin:challenges_challenge_changelist"


@pytest.fixture
def en_editor(editor_client, settings):
    """The admin in English (it follows the default language), so that messages can be
    compared with their source text whatever the state of the Swedish translation."""
    settings.LANGUAGE_CODE = "en"
    clear_url_caches()  # reversed paths depend on the default language
    yield editor_client
    clear_url_caches()


def _challenge_data(department, **overrides) -> dict:
    data = {
        "title": "Tryggare skolvägar",
        "slug": "tryggare-skolvagar",
        "summary": "Hur gör vi vägen till skolan tryggare?",
        "body": "Barn ska kunna gå och cykla själva.",
        "image_alt": "",
        "owner_department": department.pk,
        "open_until": "",
        "status": Status.DRAFT,
        "publish_at_0": "",
        "publish_at_1": "",
        "tags": "trafik, skola",
    }
    data.update(overrides)
    return data


def test_editor_adds_a_draft_and_publishes_it_with_the_action(
    en_editor, editor, make_department, goal, make_method
):
    department = make_department()
    method = make_method()
    response = en_editor.post(
        reverse("admin:challenges_challenge_add"),
        _challenge_data(department, goals=[goal.pk], suggested_methods=[method.pk]),
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    challenge = Challenge.objects.get(slug="tryggare-skolvagar")
    assert challenge.status == Status.DRAFT
    assert challenge.publish_at is None
    assert list(challenge.goals.all()) == [goal]
    assert list(challenge.suggested_methods.all()) == [method]
    assert sorted(challenge.tags.names()) == ["skola", "trafik"]
    # A draft stays away from the public.
    en_editor.logout()
    assert en_editor.get(challenge.get_absolute_url()).status_code == 404

    en_editor.force_login(editor)
    response = en_editor.post(
        reverse(CHANGELIST),
        {"action": "publish", ACTION_CHECKBOX_NAME: [challenge.pk]},
        follow=True,
    )
    assert "1 item published." in response.text
    challenge.refresh_from_db()
    assert challenge.status == Status.PUBLISHED
    assert challenge.publish_at <= timezone.now()
    en_editor.logout()
    assert en_editor.get(challenge.get_absolute_url()).status_code == 200


def test_a_challenge_scheduled_after_its_last_day_for_ideas_is_refused(
    editor_client, make_department, make_challenge
):
    """A challenge scheduled for the 10th with ideas taken until the 5th (a slip of the date)
    went public already closed, without a word to the editor: residents found a challenge
    that had never taken an idea."""
    today = timezone.localdate()
    published_on, last_day = today + timedelta(days=10), today + timedelta(days=5)
    data = _challenge_data(
        make_department(),
        status=Status.PUBLISHED,
        publish_at_0=published_on.isoformat(),
        publish_at_1="09:00",
        open_until=last_day.isoformat(),
    )
    add = reverse("admin:challenges_challenge_add")
    response = editor_client.post(add, data)
    assert response.status_code == 200
    assert "Sista dagen för idéer är före den dag utmaningen publiceras" in response.text
    assert not Challenge.objects.exists()
    response = editor_client.post(add, {**data, "open_until": published_on.isoformat()})
    assert response.status_code == 302
    assert Challenge.objects.get().is_scheduled

    # Nor does the publishing action put such a draft on the schedule.
    draft = make_challenge(
        status=Status.DRAFT,
        publish_at=timezone.now() + timedelta(days=10),
        open_until=last_day,
    )
    editor_client.post(reverse(CHANGELIST), {"action": "publish", ACTION_CHECKBOX_NAME: [draft.pk]})
    draft.refresh_from_db()
    assert draft.status == Status.DRAFT


def test_publishing_keeps_a_publishing_date_already_set(en_editor, make_challenge):
    later = timezone.now() + timedelta(days=3)
    challenge = make_challenge(status=Status.DRAFT, publish_at=later)
    en_editor.post(reverse(CHANGELIST), {"action": "publish", ACTION_CHECKBOX_NAME: [challenge.pk]})
    challenge.refresh_from_db()
    assert challenge.status == Status.PUBLISHED
    assert challenge.publish_at == later
    assert challenge.is_scheduled


def test_publishing_says_which_items_are_public_and_which_scheduled(en_editor, make_challenge):
    """An item with a publishing date ahead is not public yet: "published" made the editor
    think it was."""
    later = timezone.now() + timedelta(days=3)
    scheduled = make_challenge(status=Status.DRAFT, publish_at=later)
    drafts = [make_challenge(status=Status.DRAFT), make_challenge(status=Status.DRAFT)]
    selected = [scheduled.pk, *[draft.pk for draft in drafts]]
    response = en_editor.post(
        reverse(CHANGELIST), {"action": "publish", ACTION_CHECKBOX_NAME: selected}, follow=True
    )
    assert "2 items published." in response.text
    assert "1 item scheduled: it goes public on its publishing date." in response.text


def test_publishing_a_scheduled_item_says_how_to_publish_it_now(en_editor, client, make_challenge):
    """The action keeps the publishing date set: the editor who wanted an item public now
    was told it was scheduled, or, when it was already, that it had that status, and not
    what to do. Emptying the date alone, its time left, was refused as an invalid date."""
    later = timezone.now() + timedelta(days=3)
    draft = make_challenge(status=Status.DRAFT, publish_at=later)
    response = en_editor.post(
        reverse(CHANGELIST), {"action": "publish", ACTION_CHECKBOX_NAME: [draft.pk]}, follow=True
    )
    assert (
        "1 item scheduled: it goes public on its publishing date. To publish it now, open it, "
        "empty both the date and the time of “Publish from” and save."
    ) in response.text
    assert "already had that status" not in response.text

    # Selected again, it is still not public: the editor is told so, and how, again.
    response = en_editor.post(
        reverse(CHANGELIST), {"action": "publish", ACTION_CHECKBOX_NAME: [draft.pk]}, follow=True
    )
    assert "1 item scheduled: it goes public on its publishing date. To publish" in response.text
    assert "already had that status" not in response.text

    # Following the advice makes it public.
    draft.refresh_from_db()
    url = reverse("admin:challenges_challenge_change", args=[draft.pk])
    data = _challenge_data(
        draft.owner_department,
        title=draft.title,
        slug=draft.slug,
        status=Status.PUBLISHED,
        publish_at_0="",
        publish_at_1="",
    )
    assert en_editor.post(url, data).status_code == 302
    en_editor.logout()
    assert client.get(draft.get_absolute_url()).status_code == 200


def test_publishing_scheduled_items_says_how_in_swedish(editor_client, make_challenge):
    later = timezone.now() + timedelta(days=3)
    scheduled = [make_challenge(status=Status.DRAFT, publish_at=later) for _ in range(2)]
    response = editor_client.post(
        reverse(CHANGELIST),
        {"action": "publish", ACTION_CHECKBOX_NAME: [item.pk for item in scheduled]},
        follow=True,
    )
    assert (
        "2 poster schemalades: de publiceras på sina publiceringsdatum. För att publicera en av "
        "dem nu: öppna den, töm både datum och tid i ”Publicera från” och spara."
    ) in response.text


def test_unpublish_and_archive_report_how_many_changed(en_editor, make_challenge):
    published = [make_challenge(), make_challenge()]
    draft = make_challenge(status=Status.DRAFT)
    selected = [c.pk for c in [*published, draft]]
    response = en_editor.post(
        reverse(CHANGELIST), {"action": "unpublish", ACTION_CHECKBOX_NAME: selected}, follow=True
    )
    assert "2 items moved back to draft." in response.text
    assert "1 item already had that status." in response.text
    assert set(Challenge.objects.values_list("status", flat=True)) == {Status.DRAFT}

    response = en_editor.post(
        reverse(CHANGELIST), {"action": "archive", ACTION_CHECKBOX_NAME: selected}, follow=True
    )
    assert "3 items archived." in response.text
    assert set(Challenge.objects.values_list("status", flat=True)) == {Status.ARCHIVED}


def test_changelist_shows_the_public_status_and_filters_by_it(en_editor, make_challenge):
    make_challenge(title="Redan ute")
    make_challenge(title="Kommer snart", publish_at=timezone.now() + timedelta(days=2))
    make_challenge(title="Bara utkast", status=Status.DRAFT)
    page = en_editor.get(reverse(CHANGELIST)).text
    assert "Scheduled from" in page
    assert "Draft" in page

    scheduled = en_editor.get(reverse(CHANGELIST), {"public": "scheduled"}).text
    assert "Kommer snart" in scheduled
    assert "Redan ute" not in scheduled
    assert "Bara utkast" not in scheduled


def test_open_for_ideas_filter(en_editor, make_challenge):
    make_challenge(title="Fortfarande öppen", open_until=timezone.localdate())
    make_challenge(title="Redan stängd", open_until=timezone.localdate() - timedelta(days=1))
    closed = en_editor.get(reverse(CHANGELIST), {"open": "no"}).text
    assert "Redan stängd" in closed
    assert "Fortfarande öppen" not in closed


def test_view_on_site_previews_a_draft_for_staff(editor_client, make_challenge):
    draft = make_challenge(status=Status.DRAFT, title="Utkast för förhandsvisning")
    change = editor_client.get(reverse("admin:challenges_challenge_change", args=[draft.pk]))
    view_on_site = reverse("admin:view_on_site", args=[change.context["content_type_id"], draft.pk])
    assert view_on_site in change.text
    preview = editor_client.get(view_on_site, follow=True)
    assert preview.redirect_chain[-1][0].endswith(draft.get_absolute_url())
    assert "Utkast för förhandsvisning" in preview.text
    assert 'class="preview-banner"' in preview.text


def test_moderators_view_challenges_but_cannot_change_them(client, moderator, make_challenge):
    challenge = make_challenge(title="Orörd")
    client.force_login(moderator)
    assert client.get(reverse(CHANGELIST)).status_code == 200
    change_url = reverse("admin:challenges_challenge_change", args=[challenge.pk])
    assert client.get(change_url).status_code == 200  # the read-only view
    response = client.post(change_url, {"title": "Ändrad", "slug": challenge.slug})
    assert response.status_code == 403
    assert client.get(reverse("admin:challenges_challenge_add")).status_code == 403
    response = client.post(
        reverse(CHANGELIST), {"action": "archive", ACTION_CHECKBOX_NAME: [challenge.pk]}
    )
    challenge.refresh_from_db()
    assert (challenge.title, challenge.status) == ("Orörd", Status.PUBLISHED)


def test_changelist_query_count_does_not_grow_with_rows(
    editor_client, make_challenge, make_initiative, goal
):
    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert editor_client.get(reverse(CHANGELIST)).status_code == 200
        return len(queries)

    challenge = make_challenge(tags=["a"], goals=[goal])
    make_initiative(challenges=[challenge])
    few = count()
    for _ in range(20):
        challenge = make_challenge(tags=["b", "c"], goals=[goal])
        make_initiative(challenges=[challenge])
    assert count() == few


def test_a_challenge_with_ideas_cannot_be_deleted_and_the_page_says_why(
    editor_client, make_challenge
):
    challenge = make_challenge(title="Tryggare skolvägar")
    idea = Contribution.objects.create(
        challenge=challenge, title="Fler övergångsställen", text="Vid skolan.", consent=True
    )
    url = reverse("admin:challenges_challenge_delete", args=[challenge.pk])
    page = editor_client.get(url).text
    # The ideas that keep it, not the permissions an editor lacks: ideas are protected.
    assert "behörighet" not in page
    assert idea.reference in page
    assert "kan inte raderas: idéer har skickats in till den" in page
    editor_client.post(url, {"post": "yes"})
    assert Challenge.objects.filter(pk=challenge.pk).exists()


def test_deleting_a_challenge_lists_the_challenge_not_its_link_rows(
    editor_client, make_challenge, make_method, make_initiative, goal
):
    method = make_method()
    challenge = make_challenge(goals=[goal], suggested_methods=[method], tags=["trafik"])
    initiative = make_initiative(challenges=[challenge])
    url = reverse("admin:challenges_challenge_delete", args=[challenge.pk])
    page = editor_client.get(url).text
    for link_row in ("relation", "Challenge_", "Initiative_", "agged"):
        assert link_row not in page
    assert challenge.title in page
    assert "kopplingar" in page  # what they link to stays
    assert editor_client.post(url, {"post": "yes"}).status_code == 302
    assert not Challenge.objects.filter(pk=challenge.pk).exists()
    assert Initiative.objects.filter(pk=initiative.pk).exists()
    assert Method.objects.filter(pk=method.pk).exists()


def test_a_challenge_with_thousands_of_ideas_shows_a_few_and_counts_the_rest(
    editor_client, make_challenge
):
    """Django's page collected every idea of the challenge and listed each with a link and a
    permission check: 1.7 s and 612 KB for a challenge with 5,000 ideas."""
    challenge = make_challenge()

    def ideas(n: int) -> None:
        Contribution.objects.bulk_create(
            Contribution(challenge=challenge, title=f"Idé {i}", text="Text", consent=True)
            for i in range(n)
        )

    url = reverse("admin:challenges_challenge_delete", args=[challenge.pk])

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert editor_client.get(url).status_code == 200
        return len(queries)

    ideas(1)
    few = count()
    ideas(60)
    assert count() == few
    page = editor_client.get(url).text
    assert page.count('href="/admin/contributions/contribution/') < 30
    queue = reverse("admin:contributions_contribution_changelist")
    assert f'href="{queue}?challenge={challenge.pk}"' in page
    assert "och 41 idéer till" in page
    editor_client.post(url, {"post": "yes"})
    assert Challenge.objects.filter(pk=challenge.pk).exists()


@pytest.mark.parametrize(
    "body",
    [
        "Så här:\n\n![Karta över skolvägarna](https://example.org/karta.png)",
        '<img src="/karta.png">',
    ],
)
def test_an_image_in_the_text_is_refused_with_a_message(editor_client, make_department, body):
    """The text is shown without images: one put in it vanished from the page, its text
    alternative with it, without a word to the editor."""
    add = reverse("admin:challenges_challenge_add")
    response = editor_client.post(add, _challenge_data(make_department(), body=body))
    assert response.status_code == 200
    assert "Bilder i texten visas inte på webbplatsen" in response.text
    assert not Challenge.objects.exists()
    response = editor_client.post(
        add, _challenge_data(make_department(), body="[Karta](https://example.org/karta.png)")
    )
    assert response.status_code == 302


def _ten_years_on(days: int = 0) -> str:
    from helsingborg_innovation.date_limits import last_day

    return (last_day() + timedelta(days=days)).isoformat()


@pytest.mark.parametrize("day", ["0001-01-01", "1899-12-31", "9999-12-31", _ten_years_on(1)])
def test_a_last_day_for_ideas_before_1900_or_over_ten_years_ahead_is_refused_with_a_message(
    editor_client, client, make_department, day
):
    """As a publishing date is: a challenge open until 9999-12-31 said on its page that it
    took ideas "up to and including 31 December 9999", one open until 0001-01-01 that "the
    last day for ideas was 1 January 1"."""
    from django.utils import translation
    from django.utils.formats import date_format

    from helsingborg_innovation.date_limits import last_day

    add = reverse("admin:challenges_challenge_add")
    data = _challenge_data(make_department(), status=Status.PUBLISHED, open_until=day)
    response = editor_client.post(add, data)
    assert response.status_code == 200
    with translation.override("sv"):
        message = f"Skriv ett datum mellan 1 januari 1900 och {date_format(last_day())}."
    assert response.context["adminform"].form.errors["open_until"] == [message]
    assert message in response.text
    assert not Challenge.objects.exists()

    # The last day within the limits is saved, and the page says it.
    response = editor_client.post(add, {**data, "open_until": _ten_years_on()})
    assert response.status_code == 302
    challenge = Challenge.objects.get()
    assert client.get(challenge.get_absolute_url()).status_code == 200
