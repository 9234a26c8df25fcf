"""A resident on a phone sends an idea, a moderator publishes it, the resident sees it: in a
real browser, once with a pointer and once with the keyboard alone."""

import re
from datetime import date, timedelta

import pytest
from django.urls import reverse

from contributions.models import Contribution, ContributionStatus

from .conftest import PHONE, axe_violations, format_violations, screenshot

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

IDEA_TITLE = "Gångbuss med reflexvästar"
IDEA_TEXT = "Vuxna turas om att gå med barnen längs en fast rutt, varje morgon."
ANSWER = "Tack! Vi testar gångbuss vid två skolor i vår."


@pytest.fixture
def challenges(make_challenge):
    """One open challenge among closed ones, so the resident has to filter to find it."""
    for n in range(3):
        make_challenge(
            title=f"Avslutad utmaning {n}", open_until=date.today() - timedelta(days=10 + n)
        )
    return make_challenge(
        title="Tryggare vägar till skolan",
        slug="tryggare-vagar",
        summary="Hur kan fler barn gå och cykla själva till skolan?",
        open_until=date.today() + timedelta(days=30),
    )


def _active(page) -> str:
    """What has keyboard focus, as id, name or text: enough to know where the user is."""
    return page.evaluate(
        "() => { const e = document.activeElement;"
        " return e.id || e.getAttribute('name') || (e.textContent || '').trim(); }"
    )


def tab_to(page, wanted: str, *, limit: int = 60) -> None:
    """Press Tab until focus is on `wanted` (an id, name or visible text), as a person would."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if _active(page) == wanted:
            return
    raise AssertionError(f"{wanted!r} cannot be reached with the Tab key")


def fill_in_the_idea(page, *, show_name: bool = False) -> None:
    """Anna's idea in the form, as a resident types it, with her consent."""
    page.get_by_label("Rubrik på din idé").fill(IDEA_TITLE)
    page.get_by_label(re.compile(r"^Din idé")).fill(IDEA_TEXT)
    page.get_by_label("Ditt namn").fill("Anna Andersson")
    page.get_by_label("Din e-postadress").fill("anna.andersson@example.org")
    page.get_by_label("Invånare").check()
    if show_name:
        page.get_by_label("Mitt namn får visas").check()
    page.get_by_label("Jag godkänner").check()


def test_resident_on_a_phone_sends_an_idea_and_sees_it_published(
    page, live_server, challenges, moderator, browser, settings
):
    # As in production, anonymous pages come from the page cache, the form's included; an
    # earlier visitor has put the challenge and its form there.
    settings.PAGE_CACHE_ENABLED = True
    form_url = live_server.url + reverse("contributions:create", args=[challenges.slug])
    earlier = browser.new_context().new_page()
    for url in (challenges.get_absolute_url(), form_url):
        earlier.goto(url if url.startswith("http") else live_server.url + url)
    earlier.context.close()
    assert page.request.get(form_url).headers["x-page-cache"] == "hit"

    # The resident finds the open challenge through the filters of the challenge list.
    page.goto(live_server.url + reverse("home"))
    page.get_by_role("navigation", name="Huvudmeny").get_by_role("link", name="Utmaningar").click()
    page.get_by_text("Fler filter").click()
    page.get_by_label("Status").select_option("open")
    page.get_by_role("button", name="Filtrera").click()
    assert "1 utmaning" in page.locator(".result-count").inner_text()
    page.get_by_role("link", name="Tryggare vägar till skolan").click()
    page.get_by_role("link", name="Skicka en idé").click()

    fill_in_the_idea(page, show_name=True)
    page.get_by_role("button", name="Skicka idén").click()

    reference = page.locator(".reference").inner_text()
    idea = Contribution.objects.get()
    assert reference == idea.reference
    assert idea.status == ContributionStatus.PENDING
    screenshot(page, "flow-receipt-390")
    status_url = page.locator(".status-link").get_attribute("href")

    # A moderator publishes it in the admin with the city's answer.
    admin = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    admin.goto(live_server.url + reverse("admin:login"))
    admin.fill("#id_username", moderator.username)
    admin.fill("#id_password", "correct horse battery staple")
    admin.click("input[type=submit]")
    admin.goto(live_server.url + reverse("admin:contributions_contribution_changelist"))
    admin.get_by_role("link", name=IDEA_TITLE).click()
    admin.fill("#id_public_answer", ANSWER)
    admin.select_option("#id_status", ContributionStatus.PUBLISHED)
    with admin.expect_navigation():
        admin.click("input[name=_save]")
    assert IDEA_TITLE in admin.locator(".messagelist").inner_text()
    admin.context.close()
    idea.refresh_from_db()
    assert idea.status == ContributionStatus.PUBLISHED and idea.decided_by == moderator

    # The resident sees the idea and the answer on the challenge at once (the cached page was
    # dropped when the idea was published), and on the status page.
    page.goto(live_server.url + challenges.get_absolute_url())
    ideas = page.locator(".idea-list")
    assert IDEA_TITLE in ideas.inner_text() and ANSWER in ideas.inner_text()
    assert "Anna Andersson" in ideas.inner_text()
    assert "anna.andersson@example.org" not in page.content()
    page.goto(live_server.url + status_url)
    assert "Publicerad" in page.locator(".contribution-status__status").inner_text()
    assert ANSWER in page.content()
    # Nothing is wider than the phone's screen on the way.
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def test_the_idea_form_works_with_the_keyboard_alone(page, live_server, challenges):
    page.goto(live_server.url + challenges.get_absolute_url())
    tab_to(page, "Skicka en idé")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.url.endswith("/bidra/")

    # Sending at once gets the error summary, which takes focus and links to each field.
    tab_to(page, "Skicka idén")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.locator(".error-summary").is_visible()
    tab_to(page, "Skriv en rubrik på din idé.")
    page.keyboard.press("Enter")
    assert _active(page) == "id_title"

    page.keyboard.type(IDEA_TITLE)
    tab_to(page, "id_text")
    page.keyboard.type(IDEA_TEXT)
    tab_to(page, "id_name")
    page.keyboard.type("Bo Berg")
    tab_to(page, "id_email")
    page.keyboard.type("bo.berg@example.org")
    tab_to(page, "id_kind_0")  # the first radio of the group takes focus
    page.keyboard.press("Space")
    tab_to(page, "id_consent")
    page.keyboard.press("Space")
    tab_to(page, "Skicka idén")
    with page.expect_navigation():
        page.keyboard.press("Enter")

    assert page.locator(".reference").is_visible()
    idea = Contribution.objects.get()
    assert (idea.title, idea.name, idea.email) == (IDEA_TITLE, "Bo Berg", "bo.berg@example.org")
    assert idea.consent is True


@pytest.mark.parametrize("javascript", [True, False])
def test_a_failed_send_takes_focus_to_the_error_summary(
    browser, live_server, challenges, javascript
):
    """The errors are listed above the form, on a long page: keyboard and screen reader users
    start from them, with JavaScript or without (the site has none), not from the top."""
    context = browser.new_context(viewport=PHONE, locale="sv-SE", java_script_enabled=javascript)
    page = context.new_page()
    page.goto(live_server.url + reverse("contributions:create", args=[challenges.slug]))
    with page.expect_navigation():
        page.get_by_role("button", name="Skicka idén").click()

    assert page.locator(".error-summary").evaluate("e => e === document.activeElement")
    page.keyboard.press("Tab")
    assert _active(page) == "Skriv en rubrik på din idé."
    context.close()


def test_a_filter_to_correct_takes_focus_to_its_error_summary(page, live_server, challenges):
    """As after a failed send of an idea: the list comes back with the error summary above
    it, and keyboard and screen reader users start from there, not from the top."""
    page.goto(live_server.url + reverse("initiatives:list"))
    page.get_by_text("Fler filter").click()
    page.get_by_label("Aktivt år").fill("20244")
    with page.expect_navigation():
        page.get_by_role("button", name="Filtrera").click()
    assert page.locator(".error-summary").evaluate("e => e === document.activeElement")

    page.goto(live_server.url + reverse("statistics:dashboard") + "?year=1800")
    assert page.locator(".error-summary").evaluate("e => e === document.activeElement")


def test_the_count_of_filters_in_use_stands_apart_from_more_filters(page, live_server, challenges):
    """The disclosure is a flex box, which drops the space between its text and the count:
    a phone showed "Fler filter(1 används)"."""
    page.goto(live_server.url + reverse("challenges:list") + "?status=open")
    words, count = page.evaluate(
        "() => { const summary = document.querySelector('.filter-form__summary');"
        " const words = document.createRange(); words.selectNodeContents(summary.firstChild);"
        " return [words.getBoundingClientRect().right,"
        " summary.querySelector('.filter-form__count').getBoundingClientRect().left]; }"
    )
    assert page.locator(".filter-form__count").inner_text() == "(1 används)"
    assert count - words >= 3, "no space between “Fler filter” and “(1 används)”"


def test_a_browser_that_keeps_no_cookies_sends_an_idea(page, live_server, challenges):
    """Blocked cookies (a privacy setting, a locked-down library computer), or cookies cleared
    while the form was open: the browser says the form is the site's own, and the idea goes
    the first time. Before, it came back every time, asking to allow cookies."""
    page.goto(live_server.url + reverse("contributions:create", args=[challenges.slug]))
    page.context.clear_cookies()
    fill_in_the_idea(page)
    with page.expect_navigation():
        page.get_by_role("button", name="Skicka idén").click()

    assert page.locator(".reference").inner_text() == Contribution.objects.get().reference
    assert Contribution.objects.get().title == IDEA_TITLE


def _send_from_another_site(page, form_url: str) -> None:
    """A copy of the form on another site (an association's page that copied it): the browser
    sends it as from that site, so Django's token check decides, and it has no cookie."""
    page.goto(form_url)
    copy = page.content().replace("<head>", f'<head><base href="{form_url}">', 1)
    copy = copy.replace('action=""', f'action="{form_url}"')  # "" is the page's own address
    page.context.route(
        "https://forening.example/**",
        lambda route: route.fulfill(status=200, content_type="text/html", body=copy),
    )
    page.goto("https://forening.example/var-ide")
    fill_in_the_idea(page)
    with page.expect_navigation():
        page.get_by_role("button", name="Skicka idén").click()


def test_an_idea_from_a_copy_of_the_form_elsewhere_is_kept_and_sent_the_second_time(
    page, axe_page, live_server, challenges
):
    form_url = live_server.url + reverse("contributions:create", args=[challenges.slug])
    _send_from_another_site(page, form_url)

    assert page.url == form_url
    assert "Din idé har inte skickats ännu" in page.locator(".error-summary").inner_text()
    assert page.get_by_label("Rubrik på din idé").input_value() == IDEA_TITLE
    assert page.get_by_label(re.compile(r"^Din idé")).input_value() == IDEA_TEXT
    assert not Contribution.objects.exists()
    screenshot(page, "flow-refused-390")

    assert page.get_by_label("Jag godkänner").is_checked()
    # Now on the site's own page: the second "Send" goes through.
    with page.expect_navigation():
        page.get_by_role("button", name="Skicka idén").click()
    assert page.locator(".reference").inner_text() == Contribution.objects.get().reference
    assert Contribution.objects.get().text == IDEA_TEXT

    _send_from_another_site(axe_page, form_url)
    assert "Din idé har inte skickats ännu" in axe_page.content()
    violations = axe_violations(axe_page)
    assert not violations, format_violations(axe_page.url, violations)


def _paste(page, label, text: str) -> None:
    """Put `text` into a field as a paste puts it: in place of what was there, at once."""
    field = page.get_by_label(label)
    field.focus()
    page.keyboard.press("ControlOrMeta+a")
    page.keyboard.insert_text(text)


def test_a_long_idea_pasted_in_is_kept_whole_and_an_idea_of_the_limit_in_emoji_goes(
    page, live_server, challenges
):
    """The browser cut an idea pasted in at 5,000 without a word (maxlength), and counted an
    emoji as two characters: 2,500 emoji were as many as it took. Now the whole text stays in
    the field, the server says how much too long it is, and the limit is the server's."""
    idea = re.compile(r"^Din idé")
    page.goto(live_server.url + reverse("contributions:create", args=[challenges.slug]))
    fill_in_the_idea(page)
    too_long = "Första raden.\n" + "å" * (5123 - len("Första raden.\n"))
    _paste(page, idea, too_long)
    assert page.get_by_label(idea).input_value() == too_long
    with page.expect_navigation():
        page.get_by_role("button", name="Skicka idén").click()

    summary = page.locator(".error-summary").inner_text()
    assert "Idén får vara högst 5\xa0000 tecken (den har 5\xa0123)." in summary
    assert page.get_by_label(idea).input_value() == too_long

    at_the_limit = "🚲🌳" * 2500
    _paste(page, idea, at_the_limit)
    assert page.get_by_label(idea).input_value() == at_the_limit
    with page.expect_navigation():
        page.get_by_role("button", name="Skicka idén").click()
    assert page.locator(".reference").is_visible()
    assert Contribution.objects.get().text == at_the_limit
