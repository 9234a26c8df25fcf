"""The whole life of an idea through the real views: send, receipt, status, moderation, public."""

import html as html_module
import re

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.db import connection
from django.template import Context, Template
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from contributions.models import Contribution, ContributionStatus, DeclineReason, SubmitterKind


def send(client, challenge, data, django_capture_on_commit_callbacks):
    url = reverse("contributions:create", args=[challenge.slug])
    with django_capture_on_commit_callbacks(execute=True):
        return client.post(url, data)


def test_send_moderate_and_see_the_answer_in_public(
    client,
    make_challenge,
    make_contact,
    make_initiative,
    moderator,
    form_data,
    mailoutbox,
    django_capture_on_commit_callbacks,
):
    moderator.email = "moderator@example.org"
    moderator.save()
    contact = make_contact(email="kontakt.utmaning@example.org")
    challenge = make_challenge(contact=contact)
    initiative = make_initiative(challenges=[challenge], title="Bänkar för alla")

    page = client.get(challenge.get_absolute_url())
    form_url = reverse("contributions:create", args=[challenge.slug])
    assert f'href="{form_url}"' in page.content.decode()

    form_page = client.get(form_url)
    assert form_page.status_code == 200
    assert 'name="consent"' in form_page.content.decode()

    response = send(
        client, challenge, form_data(show_name="on"), django_capture_on_commit_callbacks
    )
    contribution = Contribution.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("contributions:receipt", args=[contribution.token])
    assert contribution.status == ContributionStatus.PENDING
    assert contribution.reference.startswith("HBG-") and len(contribution.reference) == 10

    receipt = client.get(response["Location"]).content.decode()
    assert contribution.reference in receipt
    assert contribution.get_absolute_url() in receipt

    receipt_mail, contact_mail, moderator_mail = mailoutbox
    assert receipt_mail.to == ["anna.andersson@example.org"]
    assert contribution.reference in receipt_mail.subject
    assert f"http://127.0.0.1:8000{contribution.get_absolute_url()}" in receipt_mail.body
    assert contact_mail.to == ["kontakt.utmaning@example.org"]
    assert moderator_mail.to == ["moderator@example.org"] and moderator_mail.bcc == []
    # Addressed to whom it goes: a message without a To header is a spam filter's suspect.
    assert moderator_mail.message()["To"] == "moderator@example.org"
    for mail in (contact_mail, moderator_mail):
        assert "anna.andersson@example.org" not in mail.body
        assert f"/admin/contributions/contribution/{contribution.pk}/change/" in mail.body

    status_url = contribution.get_absolute_url()
    status = client.get(status_url).content.decode()
    assert "Fler bänkar längs Norra hamnen" in status
    assert "anna.andersson@example.org" not in status

    # Before moderation nothing shows in public.
    assert "Fler bänkar" not in client.get(challenge.get_absolute_url()).content.decode()

    client.force_login(moderator)
    changelist = reverse("admin:contributions_contribution_changelist")
    response = client.post(
        changelist, {"action": "publish", ACTION_CHECKBOX_NAME: [contribution.pk]}
    )
    assert response.status_code == 302
    change_url = reverse("admin:contributions_contribution_change", args=[contribution.pk])
    change_page = client.get(change_url)
    assert change_page.status_code == 200
    response = client.post(
        change_url,
        {
            "status": ContributionStatus.PUBLISHED,
            "decline_reason": "",
            "internal_note": "Bra idé.",
            "public_answer": "Tack! Vi ställer ut tio bänkar i vår.",
            "initiative": initiative.pk,
        },
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    client.logout()

    contribution.refresh_from_db()
    assert contribution.status == ContributionStatus.PUBLISHED
    assert contribution.decided_by == moderator
    assert contribution.decided_at is not None

    page = client.get(challenge.get_absolute_url()).content.decode()
    assert "Fler bänkar längs Norra hamnen" in page
    assert "Tack! Vi ställer ut tio bänkar i vår." in page
    assert "Anna Andersson" in page  # the sender allowed it
    assert initiative.get_absolute_url() in page
    assert "Bra idé." not in page  # the internal note stays inside
    assert "anna.andersson@example.org" not in page

    status = client.get(status_url).content.decode()
    assert "Tack! Vi ställer ut tio bänkar i vår." in status
    assert initiative.get_absolute_url() in status

    # The initiative page includes this tag (templates/initiatives/initiative_detail.html).
    initiative_part = Template("{% load contributions %}{% initiative_ideas initiative %}").render(
        Context({"initiative": initiative})
    )
    assert "Fler bänkar längs Norra hamnen" in initiative_part
    assert "Anna Andersson" in initiative_part
    assert challenge.get_absolute_url() in initiative_part


def test_counts_on_the_challenge_page(client, make_challenge, make_contribution):
    challenge = make_challenge()
    make_contribution(challenge=challenge, status=ContributionStatus.PUBLISHED)
    make_contribution(challenge=challenge, status=ContributionStatus.PENDING)
    for reason in (DeclineReason.DUPLICATE, DeclineReason.DUPLICATE, DeclineReason.OFF_TOPIC):
        make_contribution(
            challenge=challenge, status=ContributionStatus.DECLINED, decline_reason=reason
        )
    make_contribution(challenge=challenge, status=ContributionStatus.SPAM)
    make_contribution(status=ContributionStatus.PUBLISHED)  # another challenge

    response = client.get(challenge.get_absolute_url())
    counts = response.content.decode().split('class="ideas__counts')[1].split("</dl>")[0]
    counts = " ".join(counts.split())
    # Spam is not counted as received.
    assert "<dt>Mottagna idéer</dt><dd>5</dd>" in counts
    assert "<dt>Publicerade</dt><dd>1</dd>" in counts  # idéer: plural, as "Mottagna idéer"
    assert "<dt>Avböjda</dt><dd>3 <ul" in counts
    assert "Samma idé har redan skickats in: 2" in counts
    assert "Handlar inte om den här utmaningen: 1" in counts


def test_counts_on_the_challenge_page_have_their_thousands_apart(client, make_challenge):
    """A challenge that drew 1234 ideas said "Mottagna idéer 1234", where Swedish writes
    "1 234" (a no-break space), as the statistics page does, and English "1,234"."""
    challenge = make_challenge()
    Contribution.objects.bulk_create(
        Contribution(
            challenge=challenge,
            title="Idé",
            text="Text.",
            kind=SubmitterKind.RESIDENT,
            consent=True,
            status=ContributionStatus.DECLINED,
            decline_reason=DeclineReason.DUPLICATE,
        )
        for _ in range(1234)
    )

    counts = client.get(challenge.get_absolute_url()).text.split('class="ideas__counts')[1]
    counts = re.sub(r"[ \n]+", " ", counts.split("</dl>")[0])  # not the no-break spaces
    assert "<dt>Mottagna idéer</dt><dd>1\xa0234</dd>" in counts
    assert "<dt>Avböjda</dt><dd>1\xa0234 <ul" in counts
    assert "Samma idé har redan skickats in: 1\xa0234" in counts
    with translation.override("en"):
        english = client.get(challenge.get_absolute_url()).text
    assert "<dt>Ideas received</dt><dd>1,234</dd>" in english


def test_moderator_declines_in_bulk_with_a_reason(client, moderator, make_contribution):
    ideas = [make_contribution() for _ in range(3)]
    client.force_login(moderator)
    url = reverse("admin:contributions_contribution_changelist")
    response = client.post(
        url,
        {
            "action": "decline",
            "decline_reason": DeclineReason.OFF_TOPIC,
            ACTION_CHECKBOX_NAME: [idea.pk for idea in ideas[:2]],
        },
    )
    assert response.status_code == 302
    declined = Contribution.objects.filter(status=ContributionStatus.DECLINED)
    assert {c.pk for c in declined} == {ideas[0].pk, ideas[1].pk}
    assert {c.decline_reason for c in declined} == {DeclineReason.OFF_TOPIC}
    assert {c.decided_by_id for c in declined} == {moderator.pk}
    assert Contribution.objects.get(pk=ideas[2].pk).status == ContributionStatus.PENDING


def test_bulk_decline_without_a_reason_changes_nothing(client, moderator, make_contribution):
    idea = make_contribution()
    client.force_login(moderator)
    url = reverse("admin:contributions_contribution_changelist")
    response = client.post(url, {"action": "decline", ACTION_CHECKBOX_NAME: [idea.pk]}, follow=True)
    assert "Välj skälet att avböja den här idén." in response.content.decode()
    idea.refresh_from_db()
    assert idea.status == ContributionStatus.PENDING


def test_mark_spam_records_who_and_when(client, moderator, make_contribution):
    idea = make_contribution()
    client.force_login(moderator)
    url = reverse("admin:contributions_contribution_changelist")
    client.post(url, {"action": "mark_spam", ACTION_CHECKBOX_NAME: [idea.pk]})
    idea.refresh_from_db()
    assert idea.status == ContributionStatus.SPAM
    assert idea.decided_by == moderator and idea.decided_at is not None


def _links_to(html: str, anchor: str) -> list[str]:
    return [html_module.unescape(h) for h in re.findall(rf'href="([^"]*#{anchor})"', html)]


def test_a_link_to_an_idea_leads_to_the_page_of_ideas_that_shows_it(
    client, make_challenge, make_contribution
):
    """A challenge shows its published ideas twenty at a time, newest first; search, the
    ideas' feed and the sender's status page linked every idea to the first of them, where an
    older one is not, so whoever followed the link landed on other ideas."""
    challenge = make_challenge(slug="cirkular-stad")
    published = ContributionStatus.PUBLISHED
    oldest = make_contribution(challenge=challenge, status=published, title="Lagningscafé")
    for n in range(24):
        make_contribution(challenge=challenge, status=published, title=f"Nyare idé {n}")
    anchor = f"idea-{oldest.reference}"

    search = client.get(reverse("search:results"), {"q": "lagningscafé", "kind": "idea"}).text
    feed = client.get(reverse("feeds:ideas_rss", args=[challenge.slug])).text
    status = client.get(oldest.get_absolute_url()).text
    links = [
        *_links_to(search, anchor),
        *re.findall(rf"<link>http://testserver([^<]*#{anchor})</link>", feed),
        *_links_to(status, anchor),
    ]

    assert len(links) == 3, links
    for link in links:
        page = client.get(link.split("#")[0]).text
        assert f'id="{anchor}"' in page, link


@pytest.mark.parametrize("reference", [None, "HBG-\x00", "\x00", "x" * 5000])
def test_a_link_to_an_idea_that_is_no_longer_public_shows_the_first_page(
    client, make_challenge, make_contribution, reference
):
    """An idea declined after the link was made, or a reference that is none (PostgreSQL
    refuses NUL in text: that was a 500)."""
    challenge = make_challenge()
    idea = make_contribution(
        challenge=challenge,
        status=ContributionStatus.DECLINED,
        decline_reason=DeclineReason.DUPLICATE,
    )
    make_contribution(challenge=challenge, status=ContributionStatus.PUBLISHED, title="Synlig")

    response = client.get(challenge.get_absolute_url(), {"idea": reference or idea.reference})

    assert response.status_code == 200
    assert "Synlig" in response.text


def test_an_initiative_that_many_ideas_led_to_shows_them_a_page_at_a_time(
    client, settings, make_challenge, make_initiative, make_contribution
):
    """Every idea that led to an initiative was on its page: one that gathered a few hundred
    (a campaign's bench wishes, say) was a page of all of them, made longer and slower by each
    idea linked. Now twenty at a time, newest first, in the same number of queries."""
    settings.DEBUG = False
    challenge = make_challenge()
    initiative = make_initiative()
    url = initiative.get_absolute_url()

    def link(count: int) -> None:
        for _ in range(count):
            make_contribution(
                challenge=challenge, initiative=initiative, status=ContributionStatus.PUBLISHED
            )

    link(3)
    with CaptureQueriesContext(connection) as few:
        page = client.get(url).text
    assert len(re.findall(r'<h3 class="idea__title"', page)) == 3
    assert "Sidor med idéer" not in page
    link(22)
    with CaptureQueriesContext(connection) as many:
        first = client.get(url).text
    assert len(many) <= len(few) + 1  # the count of them, once there is more than a page

    assert len(re.findall(r'<h3 class="idea__title"', first)) == 20
    assert "Idé 25" in first and "Idé 5<" not in first  # newest first
    assert "Sida 1 av 2" in first
    second = client.get(url, {"page": 2}).text
    titles = re.findall(r'<h3 class="idea__title"[^>]*>([^<]*)</h3>', second)
    assert titles == [f"Idé {n}" for n in range(5, 0, -1)]


def test_an_initiative_page_of_ideas_says_which_page_in_its_title(
    client, make_challenge, make_initiative, make_contribution
):
    """The second page of an initiative's ideas had the first page's title, where a challenge's
    says which page it shows: a screen reader user heard the same title on both."""

    def title(response) -> str:
        return re.search(r"<title>(.*?)</title>", response.text, re.S).group(1)

    challenge = make_challenge()
    initiative = make_initiative(title="Solbänkar", slug="solbankar")
    for _ in range(21):
        make_contribution(
            challenge=challenge, initiative=initiative, status=ContributionStatus.PUBLISHED
        )
    url = initiative.get_absolute_url()

    assert title(client.get(url)) == "Solbänkar – Innovation Helsingborg"
    assert title(client.get(url, {"page": 2})) == (
        "Solbänkar (idéer, sida 2 av 2) – Innovation Helsingborg"
    )
    english = client.get("/en/initiatives/solbankar/", {"page": 2})
    assert title(english) == "Solbänkar (ideas, page 2 of 2) – Innovation Helsingborg"
    # The page of ideas is found once for the title and the list: its count and its ideas.
    with CaptureQueriesContext(connection) as queries:
        client.get(url, {"page": 2})
    ideas_read = [q["sql"] for q in queries if '"contributions_contribution"' in q["sql"]]
    assert len(ideas_read) == 2, ideas_read
