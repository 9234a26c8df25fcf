import html
import re
from datetime import timedelta
from urllib.parse import unquote, urlencode

import pytest
from django.contrib import admin
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.contenttypes.models import ContentType
from django.core.mail import EmailMessage
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from contributions import mail
from contributions.models import Contribution, ContributionStatus, DeclineReason, SubmitterKind
from helsingborg_innovation import roles
from tests.conftest import indexed_columns, plan_with_more_rows
from tests.contributions.conftest import moderation_data

CHANGELIST = "admin:contributions_contribution_changelist"


def test_pending_come_first_and_the_index_counts_them(client, moderator, make_contribution):
    old_published = make_contribution(status=ContributionStatus.PUBLISHED, title="Redan beslutad")
    first = make_contribution(title="Väntar först")
    second = make_contribution(title="Väntar sedan")
    client.force_login(moderator)
    page = client.get(reverse(CHANGELIST)).content.decode()
    assert page.index("Väntar först") < page.index("Väntar sedan") < page.index("Redan beslutad")
    assert old_published and first and second

    index = client.get(reverse("admin:index")).content.decode()
    assert "2 idéer väntar på granskning" in index
    assert f"{reverse(CHANGELIST)}?status__exact=pending" in index


def test_editors_cannot_moderate(client, editor, make_contribution):
    idea = make_contribution()
    client.force_login(editor)
    assert client.get(reverse(CHANGELIST)).status_code == 403
    change = reverse("admin:contributions_contribution_change", args=[idea.pk])
    assert client.get(change).status_code == 403
    response = client.post(
        reverse(CHANGELIST), {"action": "publish", ACTION_CHECKBOX_NAME: [idea.pk]}
    )
    assert response.status_code == 403
    assert client.get(reverse("admin:contributions_contribution_erase")).status_code == 403
    assert "waiting for moderation" not in client.get(reverse("admin:index")).content.decode()
    idea.refresh_from_db()
    assert idea.status == ContributionStatus.PENDING


def test_moderators_cannot_edit_challenges(client, moderator, make_challenge):
    challenge = make_challenge(title="Orörd")
    client.force_login(moderator)
    change = reverse("admin:challenges_challenge_change", args=[challenge.pk])
    response = client.post(change, {"title": "Ändrad", "slug": challenge.slug})
    assert response.status_code == 403
    challenge.refresh_from_db()
    assert challenge.title == "Orörd"
    assert client.get(reverse("admin:challenges_challenge_add")).status_code == 403


def test_moderators_cannot_add_or_delete_ideas(client, moderator, make_contribution):
    idea = make_contribution()
    client.force_login(moderator)
    assert client.get(reverse("admin:contributions_contribution_add")).status_code == 403
    delete = reverse("admin:contributions_contribution_delete", args=[idea.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 403
    assert Contribution.objects.filter(pk=idea.pk).exists()


def test_change_form_refuses_a_decline_without_reason(client, moderator, make_contribution):
    idea = make_contribution()
    client.force_login(moderator)
    change = reverse("admin:contributions_contribution_change", args=[idea.pk])
    response = client.post(change, {"status": ContributionStatus.DECLINED, "decline_reason": ""})
    assert response.status_code == 200
    assert "Välj varför idén avböjs." in response.content.decode()
    idea.refresh_from_db()
    assert idea.status == ContributionStatus.PENDING


def test_erase_personal_data_of_one_person(client, moderator, make_contribution):
    mine = [
        make_contribution(email="Person@Example.net", name="Per Son", show_name=True),
        make_contribution(email="person@example.net", status=ContributionStatus.PUBLISHED),
    ]
    other = make_contribution(email="annan@example.net", name="Annan")
    client.force_login(moderator)

    # The action on a selected idea leads to the form, filled in with its address.
    response = client.post(
        reverse(CHANGELIST), {"action": "erase_personal_data", ACTION_CHECKBOX_NAME: [mine[0].pk]}
    )
    erase_url = reverse("admin:contributions_contribution_erase")
    assert response["Location"].startswith(erase_url)
    page = client.get(response["Location"]).content.decode()
    assert "2 idéer har skickats från den här adressen." in page

    response = client.post(erase_url, {"email": "PERSON@example.net"}, follow=True)
    assert "Personuppgifter raderade från 2 idéer." in response.content.decode()
    for idea in mine:
        idea.refresh_from_db()
        assert (idea.name, idea.email, idea.show_name) == ("", "", False)
        assert idea.anonymised_at is not None
        assert idea.title  # the idea itself stays: a public record
    other.refresh_from_db()
    assert other.email == "annan@example.net"


@pytest.mark.parametrize("typed", ["inte-en-adress", "person\x00@example.net"])
def test_an_address_to_erase_that_is_not_one_is_refused_without_a_count(
    client, moderator, make_contribution, typed
):
    """The page counted the ideas of whatever was typed, valid or not: "0 ideas were sent from
    this address" beside the error, and on PostgreSQL a NUL character in it was a 500."""
    make_contribution(email="person@example.net")
    client.force_login(moderator)
    response = client.post(reverse("admin:contributions_contribution_erase"), {"email": typed})
    assert response.status_code == 200
    page = response.content.decode()
    assert "Fyll i en giltig e-postadress." in page
    assert "har skickats från den här adressen" not in page
    assert Contribution.objects.get().email == "person@example.net"


def test_the_way_to_erasing_a_senders_data_puts_their_address_in_no_url(
    client, moderator, make_contribution
):
    """The action led the browser to an address holding the sender's e-mail address: kept in
    the browser's history and logged by the web server in front, for the very person who asked
    to be erased."""
    idea = make_contribution(email="Radera.Mig@example.net")
    make_contribution(email="radera.mig@example.net")
    client.force_login(moderator)
    response = client.post(
        reverse(CHANGELIST), {"action": "erase_personal_data", ACTION_CHECKBOX_NAME: [idea.pk]}
    )
    assert response["Location"].startswith(reverse("admin:contributions_contribution_erase"))
    assert "radera" not in unquote(response["Location"]).lower()
    page = client.get(response["Location"]).content.decode()
    assert 'value="Radera.Mig@example.net"' in page
    assert "2 idéer har skickats från den här adressen." in page


def test_queued_mail_is_listed_for_whoever_runs_the_site_without_addresses(
    admin_client, make_contribution
):
    idea = make_contribution(email="ada@example.org")
    (queued,) = mail.queue(idea, [EmailMessage("Tack för din idé", "…", to=["ada@example.org"])])
    queued.last_error = "ConnectionRefusedError: mail server down"
    queued.save()
    page = admin_client.get(reverse("admin:contributions_queuedmail_changelist")).text
    assert idea.reference in page
    assert "Tack för din idé" in page
    assert "mail server down" in page
    assert "ada@example.org" not in page
    assert admin_client.get(reverse("admin:contributions_queuedmail_add")).status_code == 403


def test_the_queue_shows_the_labels_of_who_status_and_reason(client, moderator, make_contribution):
    client.force_login(moderator)
    make_contribution(
        kind=SubmitterKind.BUSINESS,
        status=ContributionStatus.DECLINED,
        decline_reason=DeclineReason.DUPLICATE,
    )
    make_contribution(kind=SubmitterKind.ACADEMIA)
    page = client.get(reverse("admin:contributions_contribution_changelist")).text
    with translation.override("sv"):
        for label in (
            SubmitterKind.BUSINESS.label,
            SubmitterKind.ACADEMIA.label,
            ContributionStatus.DECLINED.label,
            ContributionStatus.PENDING.label,
            DeclineReason.DUPLICATE.label,
        ):
            assert f">{label}</td>" in page
    # Under the fields' own names, and sortable.
    for heading in ("Vem avsändaren är", "Status", "Skäl att avböja"):
        assert heading.lower() in page.lower()
    assert "?o=4" in page


def test_a_search_that_finds_many_ideas_counts_only_so_far_and_says_so(
    client, moderator, make_contribution, monkeypatch
):
    monkeypatch.setattr("contributions.admin.SEARCH_COUNT_CAP", 3)
    client.force_login(moderator)
    for n in range(5):
        make_contribution(title=f"Cykelbana {n}")
    make_contribution(title="Parkbänk")
    url = reverse("admin:contributions_contribution_changelist")
    many = client.get(url, {"q": "Cykelbana"}).text
    assert "Fler än 3 idéer matchar" in many
    assert many.count('name="_selected_action"') == 5  # the page shows them all the same
    few = client.get(url, {"q": "Parkbänk"}).text
    assert "Fler än" not in few and "1 idé" in few
    everything = client.get(url).text  # the queue itself is counted in full
    assert "Fler än" not in everything and "6 idéer" in everything


def test_the_pages_of_a_search_counted_only_so_far_follow_each_other(
    client, moderator, make_contribution, monkeypatch
):
    """A page in the second half of the count is read from the end of the list, but a search
    counted only so far has no known end: its pages are read from the start."""
    from contributions.admin import ContributionAdmin

    monkeypatch.setattr("contributions.admin.SEARCH_COUNT_CAP", 4)
    monkeypatch.setattr(ContributionAdmin, "list_per_page", 2)
    for n in range(7):
        make_contribution(title=f"Cykelbana {n}")
    client.force_login(moderator)
    second = client.get(reverse(CHANGELIST), {"q": "Cykelbana", "p": 2}).text
    assert _listed_titles(second) == ["Cykelbana 2", "Cykelbana 3"]


def test_moderators_find_an_idea_by_its_senders_name_or_organisation(
    client, moderator, make_contribution
):
    """A sender who telephones gives their name, not the idea's title. (On PostgreSQL the
    search matched only words of the idea, its reference and the e-mail address.)"""
    make_contribution(title="Fler parkbänkar", name="Astrid Lindqvist")
    make_contribution(title="Solceller på taken", organisation="Kullabygdens Energiförening")
    make_contribution(title="Något annat", name="Bo Ek")
    client.force_login(moderator)
    url = reverse(CHANGELIST)

    def found(term: str) -> list[str]:
        page = client.get(url, {"q": term}).text
        return [t for t in ("Fler parkbänkar", "Solceller på taken", "Något annat") if t in page]

    assert found("lindqvist") == ["Fler parkbänkar"]
    assert found("Astrid Lindqvist") == ["Fler parkbänkar"]
    assert found("energiförening") == ["Solceller på taken"]


def test_moderators_find_an_idea_by_its_reference_as_a_sender_reads_it_out(
    client, moderator, make_contribution
):
    """A sender on the telephone says "7K3M9Q" or "HBG 7K3M9Q": on PostgreSQL only the
    reference typed in full, "HBG-7K3M9Q", found the idea."""
    idea = make_contribution(title="Fler parkbänkar")
    make_contribution(title="Något annat")
    code = idea.reference.removeprefix("HBG-")
    client.force_login(moderator)
    url = reverse(CHANGELIST)
    for term in [idea.reference, code, code.lower(), f"HBG {code}", f"hbg-{code.lower()}"]:
        page = client.get(url, {"q": term}).text
        assert "Fler parkbänkar" in page and "Något annat" not in page, term


def _decide(client, idea, *, changelist_filters: str = "", **fields):
    """Post the moderator's decision on an idea with the button "save and take the next"."""
    url = reverse("admin:contributions_contribution_change", args=[idea.pk])
    if changelist_filters:
        url += "?" + urlencode({"_changelist_filters": changelist_filters})
    return client.post(url, moderation_data(_savenext="1", **fields), follow=True)


def test_save_and_next_takes_the_moderator_to_the_oldest_idea_still_waiting(
    client, moderator, make_contribution
):
    """Clearing a queue: decide, and the next waiting idea opens, without the list between."""
    first = make_contribution(title="Först in")
    second = make_contribution(title="Sedan")
    make_contribution(
        title="Redan avböjd",
        status=ContributionStatus.DECLINED,
        decline_reason=DeclineReason.DUPLICATE,
    )
    client.force_login(moderator)
    form = client.get(reverse("admin:contributions_contribution_change", args=[first.pk])).text
    assert 'name="_savenext"' in form and "Spara och granska nästa" in form

    response = _decide(client, first, public_answer="Tack, vi provar det.")
    assert response.redirect_chain[-1][0] == reverse(
        "admin:contributions_contribution_change", args=[second.pk]
    )
    assert "Sedan" in response.text
    assert f"{first.reference}" in response.text  # the message names the idea just saved
    first.refresh_from_db()
    assert first.status == ContributionStatus.PUBLISHED
    assert first.public_answer == "Tack, vi provar det."

    response = _decide(
        client, second, status=ContributionStatus.DECLINED, decline_reason=DeclineReason.OFF_TOPIC
    )
    assert response.redirect_chain[-1][0].startswith(reverse(CHANGELIST))
    assert "Inga fler idéer väntar" in response.text
    second.refresh_from_db()
    assert second.status == ContributionStatus.DECLINED


def test_two_moderators_clearing_the_queue_are_sent_to_different_ideas(
    make_staff, make_contribution
):
    """Both working from the start of the queue, each "Save and review the next" sent the two
    to the same oldest idea: one read it for nothing, and their saves were refused."""
    from django.test import Client

    anna = make_staff(groups=[roles.MODERATORS], username="anna")
    anna.first_name, anna.last_name = "Anna", "Berg"
    anna.save()
    bo = make_staff(groups=[roles.MODERATORS], username="bo")
    first, second, third, fourth = (make_contribution(title=f"Idé {n}") for n in range(1, 5))
    annas, bos = Client(), Client()
    annas.force_login(anna)
    bos.force_login(bo)
    change = "admin:contributions_contribution_change"

    annas.get(reverse(change, args=[first.pk]))
    bos.get(reverse(change, args=[second.pk]))
    # Anna decides hers and is sent to the third, which Bo has not opened.
    assert _decide(annas, first).redirect_chain[-1][0] == reverse(change, args=[third.pk])
    # Bo decides his: the third is Anna's now, so he gets the fourth.
    assert _decide(bos, second).redirect_chain[-1][0] == reverse(change, args=[fourth.pk])

    # Bo opening Anna's idea anyway is told who has it.
    page = bos.get(reverse(change, args=[third.pk])).text
    assert "Anna Berg har idén öppen och kanske beslutar om den nu." in page
    # Once she has saved it, it is free again.
    _decide(annas, third)
    assert "har idén öppen" not in bos.get(reverse(change, args=[third.pk])).text
    # A moderator without a name given is named by their user name (the admin's messages
    # start with a capital).
    assert "Bo har idén öppen" in annas.get(reverse(change, args=[fourth.pk])).text


def test_without_the_cache_server_moderators_still_clear_the_queue(
    client, moderator, make_contribution, monkeypatch, caplog
):
    """Who has which idea open is not known while Redis is away: the next idea is the oldest
    waiting, as before, and the log says why."""

    class Away:
        def __getattr__(self, name):
            def fails(*args, **kwargs):
                raise ConnectionError("Redis is away")

            return fails

    monkeypatch.setattr("contributions.reviewing.cache", Away())
    first, second = make_contribution(title="Först in"), make_contribution(title="Sedan")
    client.force_login(moderator)
    change = "admin:contributions_contribution_change"
    assert client.get(reverse(change, args=[first.pk])).status_code == 200

    response = _decide(client, first)

    assert response.redirect_chain[-1][0] == reverse(change, args=[second.pk])
    assert "who has which idea open is not known" in caplog.text


def test_save_and_next_stays_in_the_list_the_moderator_came_from(
    client, moderator, make_challenge, make_contribution
):
    mine, other = make_challenge(title="Min utmaning"), make_challenge(title="Annan utmaning")
    first = make_contribution(challenge=mine, title="Min första")
    make_contribution(challenge=other, title="Någon annans")  # older than the next of mine
    following = make_contribution(challenge=mine, title="Min andra")
    client.force_login(moderator)
    filters = f"challenge={mine.pk}&status__exact=pending"
    response = _decide(client, first, changelist_filters=filters)
    expected = reverse("admin:contributions_contribution_change", args=[following.pk])
    final = response.redirect_chain[-1][0]
    assert final.startswith(expected)
    assert "_changelist_filters=" in final  # the list's filters go along


def test_save_and_next_from_the_last_page_of_a_list_stays_in_that_list(
    client, moderator, make_challenge, make_contribution, monkeypatch
):
    """The last idea waiting on the last page of a filtered list: once it is decided, that
    page is gone. The next idea, and the list a save of it goes back to, are still those of
    the list's filters, where the page no longer there made the queue forget them all: the
    next idea was one of another challenge, and the list came back unfiltered."""
    monkeypatch.setattr(admin.site.get_model_admin(Contribution), "list_per_page", 2)
    mine, other = make_challenge(title="Min utmaning"), make_challenge(title="Annan utmaning")
    make_contribution(challenge=other, title="Någon annans")  # older than all of mine
    ideas = [make_contribution(challenge=mine, title=f"Min nummer {n}") for n in range(5)]
    client.force_login(moderator)
    filters = f"challenge={mine.pk}&status__exact=pending&p=3"
    response = _decide(client, ideas[-1], changelist_filters=filters)  # alone on page 3
    following = response.redirect_chain[-1][0]
    expected = reverse("admin:contributions_contribution_change", args=[ideas[0].pk])
    assert following.startswith(expected)

    response = client.post(following, moderation_data(_save="1"), follow=True)
    final = response.redirect_chain[-1][0]
    assert final.startswith(reverse(CHANGELIST))
    assert f"challenge={mine.pk}" in final
    assert "Min nummer 1" in response.text
    assert "Någon annans" not in response.text


ARABIC_INDIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")


@pytest.mark.parametrize("value", ["²", "arabic-indic", "abc", "99999999999999999999", "-1"])
def test_a_challenge_the_queue_cannot_read_shows_no_ideas(
    client, moderator, make_contribution, value
):
    """An address edited by hand, or a link cut short, names no challenge: the queue says it
    has no ideas for it. "²" counts as a digit to Python's isdigit() and gave a 500, as did a
    number past the database's integers; the idea's own challenge in Arabic-Indic digits
    chose it."""
    idea = make_contribution(title="Någon annans idé")
    if value == "arabic-indic":
        value = str(idea.challenge_id).translate(ARABIC_INDIC)
    client.force_login(moderator)
    response = client.get(reverse(CHANGELIST), {"challenge": value})
    assert response.status_code == 200
    assert "Någon annans idé" not in response.text
    assert "0 idéer" in response.text


def test_a_decision_that_does_not_validate_stays_on_the_idea(client, moderator, make_contribution):
    idea = make_contribution()
    make_contribution()
    client.force_login(moderator)
    response = _decide(client, idea, status=ContributionStatus.DECLINED, decline_reason="")
    assert response.redirect_chain == []
    assert response.context["adminform"].form.errors
    idea.refresh_from_db()
    assert idea.status == ContributionStatus.PENDING


@pytest.mark.parametrize(
    "status", [ContributionStatus.PUBLISHED, ContributionStatus.SPAM, ContributionStatus.PENDING]
)
def test_a_declined_idea_decided_again_leaves_its_reason_in_one_save(
    client, moderator, make_contribution, status
):
    """A declined idea opens with its reason chosen; published (or marked as spam, or put
    back in the queue) with the reason left as it was, it is saved in one go without it. The
    form refused the reason as going only with a declined idea, and the moderator had to
    clear it and save a second time."""
    idea = make_contribution(
        status=ContributionStatus.DECLINED, decline_reason=DeclineReason.DUPLICATE
    )
    client.force_login(moderator)
    response = _decide(client, idea, status=status, decline_reason=DeclineReason.DUPLICATE)
    assert response.redirect_chain, response.context["adminform"].form.errors
    idea.refresh_from_db()
    assert (idea.status, idea.decline_reason) == (status, "")


def test_a_reason_chosen_for_an_idea_not_declined_is_still_refused(
    client, moderator, make_contribution
):
    """Only the reason the idea was declined for goes by itself: one the moderator chose
    with another status says they meant something the form cannot guess."""
    idea = make_contribution(
        status=ContributionStatus.DECLINED, decline_reason=DeclineReason.DUPLICATE
    )
    client.force_login(moderator)
    response = _decide(
        client,
        idea,
        status=ContributionStatus.PUBLISHED,
        decline_reason=DeclineReason.OFF_TOPIC,
    )
    assert response.redirect_chain == []
    assert "Ett skäl att avböja anges bara för en avböjd idé." in response.text
    idea.refresh_from_db()
    assert (idea.status, idea.decline_reason) == (
        ContributionStatus.DECLINED,
        DeclineReason.DUPLICATE,
    )


@pytest.mark.postgres
def test_moderators_find_an_idea_by_a_misspelt_word_of_its_title(
    client, moderator, make_contribution, postgres_only
):
    """The admin's search forgives a misspelling as the public search does: through the
    words of the titles, kept by PostgreSQL as each idea is written."""
    make_contribution(title="Vindkraftverk i hamnen")
    make_contribution(title="Fler parkbänkar")
    client.force_login(moderator)
    page = client.get(reverse(CHANGELIST), {"q": "vindkraftvrek"}).text
    assert "Vindkraftverk i hamnen" in page
    assert "Fler parkbänkar" not in page


def test_only_a_new_status_is_a_decision(client, moderator, make_contribution):
    """Who decided and when change with the status alone: an answer given to an idea still
    waiting, or given long after the decision, must not make it look decided, nor move the time
    the decision took (the statistics' median time to a decision reads it)."""
    from datetime import timedelta

    from django.utils import timezone

    waiting = make_contribution()
    client.force_login(moderator)
    _decide(client, waiting, status=ContributionStatus.PENDING, public_answer="Vi tittar på den.")
    waiting.refresh_from_db()
    assert waiting.public_answer == "Vi tittar på den."
    assert (waiting.decided_at, waiting.decided_by) == (None, None)
    status_page = client.get(waiting.get_absolute_url()).text
    assert "Beslutad" not in status_page

    long_ago = timezone.now() - timedelta(days=90)
    decided = make_contribution(status=ContributionStatus.PUBLISHED)
    Contribution.objects.filter(pk=decided.pk).update(decided_at=long_ago)
    _decide(client, decided, public_answer="Nu har vi svarat.")
    decided.refresh_from_db()
    assert decided.decided_at == long_ago
    assert decided.decided_by is None  # the seed's decision; the answer did not take it over

    _decide(client, decided, status=ContributionStatus.DECLINED, decline_reason="duplicate")
    decided.refresh_from_db()
    assert decided.decided_by == moderator
    assert decided.decided_at > long_ago

    _decide(client, decided, status=ContributionStatus.PENDING, decline_reason="")
    decided.refresh_from_db()
    assert (decided.status, decided.decided_at, decided.decided_by) == (
        ContributionStatus.PENDING,
        None,
        None,
    )


def test_the_migration_clears_the_decisions_that_waiting_ideas_carried(
    moderator, make_contribution
):
    import importlib

    from django.apps import apps
    from django.utils import timezone

    migration = importlib.import_module(
        "contributions.migrations.0014_pending_ideas_are_not_decided"
    )
    now = timezone.now()
    waiting = make_contribution()
    decided = make_contribution(status=ContributionStatus.PUBLISHED)
    Contribution.objects.update(decided_at=now, decided_by=moderator)

    migration.clear(apps, None)

    waiting.refresh_from_db()
    decided.refresh_from_db()
    assert (waiting.decided_at, waiting.decided_by) == (None, None)
    assert (decided.decided_at, decided.decided_by) == (now, moderator)


@pytest.mark.parametrize(
    ("action", "one", "two"),
    [
        ("publish", "Publicerade 1 idé.", "Publicerade 2 idéer."),
        ("decline", "Avböjde 1 idé.", "Avböjde 2 idéer."),
        ("mark_spam", "Markerade 1 idé som skräppost.", "Markerade 2 idéer som skräppost."),
    ],
)
def test_bulk_decisions_say_how_many_in_the_singular_or_the_plural(
    client, moderator, make_contribution, action, one, two
):
    client.force_login(moderator)
    for count, message in [(1, one), (2, two)]:
        ideas = [make_contribution() for _ in range(count)]
        data = {
            "action": action,
            "decline_reason": DeclineReason.DUPLICATE,
            ACTION_CHECKBOX_NAME: [idea.pk for idea in ideas],
        }
        page = client.post(reverse(CHANGELIST), data, follow=True).text
        assert message in page


def test_the_swedish_admin_of_content_and_ideas_shows_no_english(
    admin_client, make_contribution, make_initiative, make_method, make_challenge
):
    """The admin is in Swedish (the site's default language); Django 6.1 and taggit bring
    strings their Swedish catalogues lack, which the project's catalogue translates."""
    method = make_method(tags=["skola"])
    challenge = make_challenge(tags=["trafik"], suggested_methods=[method])
    initiative = make_initiative(challenges=[challenge], methods=[method], tags=["pilot"])
    idea = make_contribution(challenge=challenge)
    pages = [
        reverse("admin:contributions_contribution_changelist"),
        reverse("admin:contributions_contribution_change", args=[idea.pk]),
        reverse("admin:initiatives_initiative_changelist"),
        reverse("admin:initiatives_initiative_change", args=[initiative.pk]),
        reverse("admin:challenges_challenge_changelist"),
        reverse("admin:challenges_challenge_change", args=[challenge.pk]),
        reverse("admin:methods_method_changelist"),
        reverse("admin:methods_method_change", args=[method.pk]),
    ]
    for url in pages:
        page = admin_client.get(url).text
        for english in ("Select an option", "comma-separated", "Filter by"):
            assert english not in page, url
    # The empty choice of the action bar and of a select, the tags' hint, the date filter.
    assert "- Välj ett alternativ -" in admin_client.get(pages[0]).text
    assert "- Välj ett alternativ -" in admin_client.get(pages[3]).text
    assert "En kommaseparerad lista med taggar." in admin_client.get(pages[5]).text
    assert "Filtrera på publicera från" in admin_client.get(pages[6]).text


def test_the_reason_for_declining_says_what_to_choose_instead_of_dashes(
    client, moderator, make_contribution
):
    """Both selects of a reason, in the action bar and on the idea, start with words a screen
    reader can say, not Django's "---------"."""
    idea = make_contribution()
    client.force_login(moderator)
    pages = [
        client.get(reverse(CHANGELIST)).text,
        client.get(reverse("admin:contributions_contribution_change", args=[idea.pk])).text,
    ]
    for page in pages:
        select = page[page.index('name="decline_reason"') :]
        select = select[: select.index("</select>")]
        assert '<option value="" selected>Välj ett skäl (bara när idén avböjs)</option>' in select
        assert "---------" not in select


def _form_values(page: str) -> dict:
    """The values the admin's form of an idea holds, as the browser would send them back."""
    values = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', page))
    values["internal_note"] = html.unescape(
        re.search(r'<textarea name="internal_note"[^>]*>\n?(.*?)</textarea>', page, re.S).group(1)
    )
    return values


def test_a_decision_made_while_another_moderator_had_the_idea_open_is_not_undone(
    client, moderator, make_staff, make_contribution
):
    """Two moderators open the same waiting idea. One publishes it from the list; the other,
    who still sees it waiting, adds a note and saves. That save put the idea back in the
    queue and forgot who had published it. Now it is refused with the idea as it is now, and
    nothing is lost: saved again, knowingly, the second moderator's version counts."""
    from contributions import services

    idea = make_contribution(title="Laddstolpar i hamnen")
    client.force_login(moderator)
    change = reverse("admin:contributions_contribution_change", args=[idea.pk])
    seen = _form_values(client.get(change).text)

    other = make_staff(groups=["Moderators"])
    services.contribution_publish(contribution=Contribution.objects.get(pk=idea.pk), by=other)

    note = "Ringde avsändaren."
    data = moderation_data(**seen | {"status": ContributionStatus.PENDING, "internal_note": note})
    response = client.post(change, data)
    assert response.status_code == 200
    assert "Någon annan har ändrat idén medan du hade den öppen. Den är nu ”Publicerad”" in (
        response.text
    )
    idea.refresh_from_db()
    assert (idea.status, idea.decided_by, idea.internal_note) == (
        ContributionStatus.PUBLISHED,
        other,
        "",
    )
    # What the moderator wrote is still in the form.
    assert note in response.text

    again = moderation_data(**_form_values(response.text) | {"status": ContributionStatus.PENDING})
    assert client.post(change, again).status_code == 302
    idea.refresh_from_db()
    assert (idea.status, idea.internal_note) == (ContributionStatus.PENDING, note)


def test_saves_by_one_moderator_in_turn_are_never_refused(client, moderator, make_contribution):
    idea = make_contribution()
    client.force_login(moderator)
    change = reverse("admin:contributions_contribution_change", args=[idea.pk])
    for note in ("Först.", "Sedan."):
        data = moderation_data(**_form_values(client.get(change).text) | {"internal_note": note})
        assert client.post(change, data).status_code == 302
    idea.refresh_from_db()
    assert (idea.status, idea.internal_note) == (ContributionStatus.PUBLISHED, "Sedan.")


def _hidden_inputs(page: str) -> dict:
    """The hidden fields of a page's form, as the browser sends them back."""
    data = {}
    for name, value in re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', page):
        data.setdefault(name, []).append(html.unescape(value))
    return data


def test_declining_ideas_without_a_reason_asks_for_it_and_keeps_the_ideas_chosen(
    client, moderator, make_contribution
):
    """Run without a reason, the decline went back to the list with an error, every idea
    unticked: a moderator who had chosen fifty chose them again. Now a page asks for the
    reason, with the ideas chosen, and declines them once it is given."""
    chosen = [make_contribution(title="Först vald"), make_contribution(title="Sedan vald")]
    other = make_contribution(title="Inte vald")
    client.force_login(moderator)
    listed = client.get(reverse(CHANGELIST), {"status__exact": "pending"}).text
    listed_at = re.search(r'name="listed_at" value="([^"]+)"', listed).group(1)
    url = reverse(CHANGELIST) + "?status__exact=pending"
    data = {
        "action": "decline",
        "decline_reason": "",
        "listed_at": listed_at,
        "index": "0",
        ACTION_CHECKBOX_NAME: [idea.pk for idea in chosen],
    }
    response = client.post(url, data)
    assert response.status_code == 200
    page = response.text
    assert "Först vald" in page and "Sedan vald" in page and "Inte vald" not in page
    assert "Välj skälet att avböja de här 2 idéerna." in page
    assert Contribution.objects.pending().count() == 3

    again = _hidden_inputs(page)
    assert again["listed_at"] == [listed_at]
    response = client.post(url, again)  # sent without choosing: asked again, with why
    assert response.status_code == 200
    assert "Välj ett skäl att avböja." in response.text
    assert Contribution.objects.pending().count() == 3

    again["decline_reason"] = DeclineReason.DUPLICATE
    response = client.post(url, again, follow=True)
    assert response.redirect_chain[-1][0] == url  # back to the list as it was
    assert "Avböjde 2 idéer." in response.text
    for idea in chosen:
        idea.refresh_from_db()
        assert (idea.status, idea.decline_reason) == (
            ContributionStatus.DECLINED,
            DeclineReason.DUPLICATE,
        )
    other.refresh_from_db()
    assert other.status == ContributionStatus.PENDING


def test_a_bulk_decision_leaves_the_ideas_someone_else_decided_after_the_list_was_opened(
    client, moderator, make_staff, make_contribution
):
    """Two moderators clear the same queue. One publishes an idea; the other, whose list still
    shows it waiting, declines it with others in one go. That declined the published idea.
    Now the ideas decided by someone else after the list was opened are left as they are, and
    the message names them."""
    from contributions import services

    first, second = make_contribution(title="Först"), make_contribution(title="Sedan")
    client.force_login(moderator)
    listed = client.get(reverse(CHANGELIST)).text
    listed_at = re.search(r'name="listed_at" value="([^"]+)"', listed).group(1)

    other = make_staff(groups=["Moderators"])
    services.contribution_publish(contribution=Contribution.objects.get(pk=first.pk), by=other)

    data = {
        "action": "decline",
        "decline_reason": DeclineReason.DUPLICATE,
        "listed_at": listed_at,
        ACTION_CHECKBOX_NAME: [first.pk, second.pk],
    }
    page = client.post(reverse(CHANGELIST), data, follow=True).text
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, first.decided_by) == (ContributionStatus.PUBLISHED, other)
    assert (second.status, second.decided_by) == (ContributionStatus.DECLINED, moderator)
    assert "Avböjde 1 idé." in page
    assert (
        "1 idé lämnades som den var: någon annan beslutade om den efter att du öppnade "
        f"listan ({first.reference})."
    ) in page

    # Run again from a list opened now, the moderator's decision counts.
    listed = client.get(reverse(CHANGELIST)).text
    data["listed_at"] = re.search(r'name="listed_at" value="([^"]+)"', listed).group(1)
    client.post(reverse(CHANGELIST), data)
    first.refresh_from_db()
    assert first.status == ContributionStatus.DECLINED


def test_a_bulk_decision_leaves_who_decided_and_when_of_ideas_already_decided_so(
    client, moderator, make_staff, make_contribution
):
    """A moderator publishing a page of the queue in one go, ideas published months ago by a
    colleague among them, made each of those look decided today by them: the statistics'
    time to a decision grew by months and the sender's page showed today's date. Only a new
    status is a decision, as in the idea's own form; another reason for declining is kept."""
    long_ago = timezone.now() - timedelta(days=90)
    other = make_staff(groups=["Moderators"])
    waiting = make_contribution()
    published = make_contribution(
        status=ContributionStatus.PUBLISHED, decided_at=long_ago, decided_by=other
    )
    declined = make_contribution(
        status=ContributionStatus.DECLINED,
        decline_reason=DeclineReason.OTHER,
        decided_at=long_ago,
        decided_by=other,
    )
    client.force_login(moderator)
    listed = client.get(reverse(CHANGELIST)).text
    listed_at = re.search(r'name="listed_at" value="([^"]+)"', listed).group(1)

    def run(action, *ideas):
        data = {
            "action": action,
            "decline_reason": DeclineReason.DUPLICATE,
            "listed_at": listed_at,
            ACTION_CHECKBOX_NAME: [idea.pk for idea in ideas],
        }
        return client.post(reverse(CHANGELIST), data, follow=True).text

    page = run("publish", waiting, published)
    assert "Publicerade 1 idé." in page
    assert "1 idé hade redan det beslutet och lämnades som den var." in page
    published.refresh_from_db()
    assert (published.decided_at, published.decided_by) == (long_ago, other)
    waiting.refresh_from_db()
    assert (waiting.status, waiting.decided_by) == (ContributionStatus.PUBLISHED, moderator)

    run("decline", declined)
    declined.refresh_from_db()
    assert declined.decline_reason == DeclineReason.DUPLICATE
    assert (declined.decided_at, declined.decided_by) == (long_ago, other)
    status_page = client.get(declined.get_absolute_url()).text
    assert "Beslutad" in status_page
    assert timezone.localdate(long_ago).strftime("%Y") in status_page


@pytest.mark.parametrize("action", ["publish", "mark_spam"])
def test_a_bulk_decision_on_the_whole_list_leaves_the_ideas_that_arrived_after_it(
    client, moderator, make_contribution, action
):
    """ "Select all" of a list decides every idea its filters find when the action runs: an
    idea sent while the moderator read the list was published unread (an idea may name
    others, the reason it would be declined), or marked as spam with its receipt dropped.
    Ideas that arrived after the list was opened are left waiting, and the message says so."""
    read = [make_contribution(title="Läst först"), make_contribution(title="Läst sedan")]
    client.force_login(moderator)
    listed = client.get(reverse(CHANGELIST), {"status__exact": "pending"}).text
    listed_at = re.search(r'name="listed_at" value="([^"]+)"', listed).group(1)
    unread = make_contribution(title="Kom under tiden")
    data = {
        "action": action,
        "select_across": "1",
        "index": "0",
        "listed_at": listed_at,
        ACTION_CHECKBOX_NAME: [idea.pk for idea in read],
    }
    url = reverse(CHANGELIST) + "?status__exact=pending"
    page = client.post(url, data, follow=True).text
    unread.refresh_from_db()
    assert unread.status == ContributionStatus.PENDING
    assert "1 idé lämnades och väntar: den kom efter att du öppnade listan." in page
    for idea in read:
        idea.refresh_from_db()
        assert idea.status != ContributionStatus.PENDING


@pytest.mark.parametrize("listed_at", ["", "not a time", "2026-13-45T99:00:00", "2026-12-02T08:00"])
def test_a_bulk_decision_with_no_usable_time_of_the_list_decides_every_idea(
    client, moderator, make_contribution, listed_at
):
    from django.utils import timezone

    declined_before = make_contribution(
        status=ContributionStatus.DECLINED,
        decline_reason=DeclineReason.DUPLICATE,
        decided_at=timezone.now(),
    )
    ideas = [make_contribution(), declined_before]
    client.force_login(moderator)
    data = {
        "action": "publish",
        "listed_at": listed_at,
        ACTION_CHECKBOX_NAME: [i.pk for i in ideas],
    }
    response = client.post(reverse(CHANGELIST), data, follow=True)
    assert response.status_code == 200
    assert "Publicerade 2 idéer." in response.text
    assert Contribution.objects.published().count() == 2


@pytest.mark.parametrize(
    "filters", [{"status__exact": "published"}, {"decline_reason__exact": "duplicate"}]
)
def test_ideas_of_one_decision_are_listed_without_stepping_over_the_waiting_ones(
    client, moderator, make_contribution, filters
):
    """With one status chosen (or a reason for declining, which only declined ideas have),
    "pending first" orders nothing. Ordered by it, PostgreSQL read the index of the queue
    through every waiting idea before the first published one: 0.9 s with 150,000 waiting."""
    older = make_contribution(
        status=ContributionStatus.DECLINED, decline_reason=DeclineReason.DUPLICATE, title="Äldre"
    )
    newer = make_contribution(
        status=ContributionStatus.DECLINED, decline_reason=DeclineReason.DUPLICATE, title="Nyare"
    )
    Contribution.objects.filter(pk__in=[older.pk, newer.pk]).update(
        status=filters.get("status__exact", ContributionStatus.DECLINED),
        decline_reason="" if "status__exact" in filters else DeclineReason.DUPLICATE,
    )
    make_contribution(title="Oprövad idé")
    client.force_login(moderator)
    with CaptureQueriesContext(connection) as queries:
        page = client.get(reverse(CHANGELIST), filters).text
    assert "Oprövad idé" not in page
    assert page.index("Äldre") < page.index("Nyare")  # oldest first, as in the queue
    listing = [q["sql"] for q in queries.captured_queries if "ORDER BY" in q["sql"]]
    listing = [sql for sql in listing if 'FROM "contributions_contribution"' in sql]
    # The ideas listed (not the challenges of the first waiting ones, for the filter).
    listing = [sql for sql in listing if '"contributions_contribution"."title"' in sql]
    assert listing and not [sql for sql in listing if "CASE WHEN" in sql]


def test_the_queue_offers_no_counts_beside_its_filters(client, make_staff, make_contribution):
    """Django's "Show counts" counted the ideas of every choice of every filter, on every page
    after it was clicked (its links keep it on): 1.7 s a page with 500,000 ideas."""
    make_contribution(status=ContributionStatus.PUBLISHED)
    client.force_login(make_staff(superuser=True))
    assert "_facets=True" not in client.get(reverse(CHANGELIST)).text
    counted = client.get(reverse(CHANGELIST), {"_facets": "True"})
    assert counted.status_code == 200
    assert not counted.context["cl"].add_facets


def _listed_titles(page: str) -> list[str]:
    return re.findall(r'<t[hd] class="field-title"><a [^>]*>([^<]*)</a>', page)


def test_the_last_pages_of_the_queue_are_read_from_its_end(
    client, moderator, make_contribution, monkeypatch
):
    """Rows before a page are skipped one by one: the last page of half a million ideas read
    all of them (1.8 s). A page in the second half is read backwards, and shown forwards."""
    from contributions.admin import ContributionAdmin

    monkeypatch.setattr(ContributionAdmin, "list_per_page", 2)
    for n in range(5):
        make_contribution(title=f"Idé {n}")
    client.force_login(moderator)
    shown = []
    for number in (1, 2, 3):
        with CaptureQueriesContext(connection) as queries:
            page = client.get(reverse(CHANGELIST), {"p": number}).content.decode()
        shown.append(_listed_titles(page))
        listing = [q["sql"] for q in queries if "contributions_contribution" in q["sql"]][-1]
        if number == 3:
            assert "OFFSET" not in listing
    assert shown == [["Idé 0", "Idé 1"], ["Idé 2", "Idé 3"], ["Idé 4"]]


def test_pages_far_down_the_queue_skip_only_the_keys_of_the_ideas_before_them(
    client, moderator, make_contribution, monkeypatch
):
    """Far from both ends of the queue, the keys of a page's ideas are read first and then the
    ideas: skipping 250,000 whole ideas to reach page 5,000 of 10,000 took 1.1 s. The pages
    show the same ideas in the same order, in either direction of a sort."""
    from contributions.admin import ContributionAdmin
    from helsingborg_innovation import paging

    monkeypatch.setattr(ContributionAdmin, "list_per_page", 2)
    monkeypatch.setattr(paging, "KEYS_FIRST_AFTER", 1)
    for n in range(7):
        make_contribution(title=f"Idé {n}")
    client.force_login(moderator)
    for order, titles in (("", range(7)), ("-7", reversed(range(7)))):
        shown = []
        for number in (1, 2, 3, 4):
            with CaptureQueriesContext(connection) as queries:
                page = client.get(reverse(CHANGELIST), {"p": number, "o": order}).text
            shown.extend(_listed_titles(page))
            ideas = [q["sql"] for q in queries if '"contributions_contribution"."text"' in q["sql"]]
            assert ideas and not [sql for sql in ideas if "OFFSET" in sql]
        assert shown == [f"Idé {n}" for n in titles]


@pytest.mark.django_db
@pytest.mark.parametrize(
    "order",
    [
        ("queue",),
        ("-created_at", "-pk"),
        ("created_at", "pk"),
        ("challenge", "created_at", "pk"),
        ("-challenge", "-created_at", "-pk"),
    ],
)
def test_the_keys_of_a_page_far_down_the_queue_are_read_off_an_index_alone(order):
    """The keys of a page far down the queue (FromEitherEndPaginator) come from an index that
    holds all the query reads: the queue's index with the status in it, and one of the time
    of sending with the key, and one of each challenge's ideas by time. Each idea's row read
    from the table to be skipped, page 5,000 of 10,000 took 95-260 ms of SQL instead of
    20-100."""
    from contributions.models import MODERATION_ORDER

    if connection.vendor != "postgresql":
        assert ["created_at", "id"] in indexed_columns(Contribution._meta.db_table)
        return
    ordering = MODERATION_ORDER if order == ("queue",) else order
    keys = Contribution.objects.order_by(*ordering).values_list("pk", flat=True)[5000:5050]
    plan = plan_with_more_rows(keys)
    assert re.search(r"Index Only Scan (Backward )?using contribution_", plan)


def test_the_challenge_filter_offers_the_challenges_whose_ideas_are_waiting(
    client, moderator, make_challenge, make_contribution, monkeypatch
):
    """The newest challenges, and those of the ideas first in the queue: an older challenge
    still receiving ideas could otherwise only be chosen by typing its id into the address."""
    from contributions.admin import ChallengeFilter

    monkeypatch.setattr(ChallengeFilter, "listed", 2)
    older = make_challenge(title="Äldre utmaning", publish_at=timezone.now() - timedelta(days=400))
    quiet = make_challenge(title="Tyst utmaning", publish_at=timezone.now() - timedelta(days=300))
    make_contribution(challenge=quiet, status=ContributionStatus.PUBLISHED)
    for n in range(2):
        make_challenge(title=f"Ny utmaning {n}")
    make_contribution(challenge=older)  # waiting
    client.force_login(moderator)
    page = client.get(reverse(CHANGELIST)).text
    assert f"?challenge={older.pk}" in page
    assert "Ny utmaning 1" in page
    assert f"?challenge={quiet.pk}" not in page


@pytest.mark.parametrize("column", ["title", "kind", "status", "decline_reason", "decided_by"])
@pytest.mark.parametrize("descending", [False, True])
def test_the_queue_sorted_by_a_column_is_read_off_an_index_of_it(
    client, moderator, make_contribution, column, descending
):
    """Sorted by a column, then by "pending first" and time, half a million ideas were read and
    sorted for each page (0.37-0.70 s). Sorted by a column, the ideas of equal value follow
    by their time of sending in the same direction, which an index of the column serves
    read either way."""
    from contributions.admin import ContributionAdmin

    make_contribution(title="Äldre")
    make_contribution(title="Nyare")
    client.force_login(moderator)
    # The column's number in the address counts the actions' checkbox before the columns.
    number = 1 + ContributionAdmin.list_display.index(
        next(name for name in ContributionAdmin.list_display if name.startswith(column))
    )
    sort = f"{'-' if descending else ''}{number}"
    with CaptureQueriesContext(connection) as queries:
        page = client.get(reverse(CHANGELIST), {"o": sort}).text
    listing = [q["sql"] for q in queries if '"contributions_contribution"."title"' in q["sql"]]
    order = listing[-1].split("ORDER BY")[1].split("LIMIT")[0].strip()
    direction = "DESC" if descending else "ASC"
    assert "CASE WHEN" not in order
    assert order.endswith(
        f'"contributions_contribution"."created_at" {direction}, '
        f'"contributions_contribution"."id" {direction}'
    )
    if column == "kind":  # equal values: by time, oldest first unless reversed
        assert (page.index("Äldre") < page.index("Nyare")) != descending
    field = Contribution._meta.get_field(column).column
    assert [field, "created_at", "id"] in indexed_columns(Contribution._meta.db_table)


def test_only_those_who_may_read_an_idea_follow_its_view_on_site_to_the_senders_page(
    client, editor, moderator, make_staff, make_contribution
):
    """An idea's "View on site" leads to its sender's private status page. Django's redirect
    behind it answered every member of staff about every model: an editor, who may not read
    ideas, had the token of every idea from its number alone."""
    idea = make_contribution(title="Väntar i kön", text="Text som inte är publicerad.")
    content_type = ContentType.objects.get_for_model(Contribution)
    view_on_site = reverse("admin:view_on_site", args=[content_type.pk, idea.pk])
    for someone in (editor, make_staff()):
        client.force_login(someone)
        response = client.get(view_on_site)
        assert response.status_code == 403
        assert idea.token not in response.get("Location", "")
        assert idea.token not in response.content.decode()

    client.force_login(moderator)
    change = client.get(reverse("admin:contributions_contribution_change", args=[idea.pk]))
    assert view_on_site in change.content.decode()
    assert client.get(view_on_site)["Location"].endswith(idea.get_absolute_url())


def test_publishing_an_idea_whose_challenge_is_not_public_says_it_is_shown_nowhere(
    client, moderator, make_challenge, make_contribution
):
    """An idea published against a challenge taken down (archived, back to draft) is shown on
    no public page until the challenge is public again. The moderator was told only that the
    idea was saved, or published, and believed it was out in public."""
    archived = make_challenge(title="Nedlagd utmaning", status="archived")
    idea = make_contribution(challenge=archived)
    client.force_login(moderator)
    change = reverse("admin:contributions_contribution_change", args=[idea.pk])

    page = client.post(change, moderation_data(), follow=True).text
    assert Contribution.objects.get(pk=idea.pk).status == ContributionStatus.PUBLISHED
    warning = (
        f"Idén {idea.reference} är publicerad, men dess utmaning "
        "”Nedlagd utmaning” är inte publik: idén visas ingenstans förrän utmaningen "
        "publiceras igen."
    )
    assert html.unescape(page).count(warning) == 1

    # The same in bulk, for each of the ideas; an idea of a public challenge says nothing.
    draft = make_challenge(title="Utkast till utmaning", status="draft")
    hidden = [make_contribution(challenge=draft), make_contribution(challenge=archived)]
    shown = make_contribution()
    page = client.post(
        reverse(CHANGELIST),
        {"action": "publish", ACTION_CHECKBOX_NAME: [i.pk for i in [*hidden, shown]]},
        follow=True,
    ).text
    references = ", ".join(sorted(i.reference for i in hidden))
    assert (
        f"2 idéer är publicerade, men deras utmaningar är inte publika: de visas ingenstans "
        f"förrän utmaningarna publiceras igen ({references})."
    ) in html.unescape(page)
    assert Contribution.objects.published().count() == 4

    # Published against a public challenge: no warning.
    page = client.post(
        reverse("admin:contributions_contribution_change", args=[make_contribution().pk]),
        moderation_data(),
        follow=True,
    ).text
    assert "visas ingenstans" not in html.unescape(page)


def test_the_senders_yes_or_no_answers_are_words_in_the_admins_language(
    client, moderator, make_contribution
):
    """Whether the sender's name may be shown decides what the public sees of it: a screen
    reader read the tick and cross of the idea's page as "True" and "False", English words
    in the Swedish admin (WCAG 3.1.2), where a sighted moderator saw icons."""
    idea = make_contribution(show_name=False)
    client.force_login(moderator)
    page = client.get(reverse("admin:contributions_contribution_change", args=[idea.pk])).text
    answers = re.findall(r"<label>([^<]+):</label>\s*<div class=\"readonly\">([^<]*)</div>", page)
    assert ("Namnet får visas", "Nej") in answers
    assert ("Samtycke till behandling av personuppgifter", "Ja") in answers
    assert 'alt="True"' not in page and 'alt="False"' not in page
