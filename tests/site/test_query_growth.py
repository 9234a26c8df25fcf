"""No page's query count grows with its rows: the pages and admin pages that no test of their
own app counts, each built with some content and again with three times as much.

Each item of the first round (`Portfolio.focus`) also gains related rows in each later one:
its page shows more partners, goals, tags, ideas, attachments and timeline entries."""

from dataclasses import dataclass, field
from datetime import date

import pytest
from django.core.files.base import ContentFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from challenges.models import Challenge
from contributions.models import Contribution, ContributionStatus, DeclineReason, QueuedMail
from helsingborg_innovation import opendata, roles
from helsingborg_innovation.models import GlobalGoal
from helsingborg_innovation.sitemaps import SITEMAPS
from initiatives.models import ImpactGoal, Initiative, Phase, PhaseChange
from methods.models import Attachment, Method
from tests.conftest import _empty_caches

pytestmark = pytest.mark.django_db

IDEA_STATES = [
    (ContributionStatus.PUBLISHED, ""),
    (ContributionStatus.PENDING, ""),
    (ContributionStatus.DECLINED, DeclineReason.OFF_TOPIC),
]


@dataclass
class Portfolio:
    """Content added round by round; `focus` holds the items whose pages are looked at."""

    focus: dict = field(default_factory=dict)
    rounds: int = 0


@pytest.fixture
def portfolio(
    make_challenge, make_initiative, make_method, make_department, make_partner, make_contact
):
    goals = list(GlobalGoal.objects.order_by("number"))
    content = Portfolio()

    def idea(challenge: Challenge, status: str, reason: str, initiative=None) -> Contribution:
        n = Contribution.objects.count()
        made = Contribution.objects.create(
            challenge=challenge,
            title=f"Idé {n}",
            text="Sammanfattning av idén.",
            name=f"Avsändare {n}",
            email=f"avsandare{n}@example.net",
            consent=True,
            status=status,
            decline_reason=reason,
            initiative=initiative if status == ContributionStatus.PUBLISHED else None,
        )
        QueuedMail.objects.create(
            contribution=made,
            to=[made.email],
            subject="Kvitto",
            body="…",
            send_after=timezone.now(),
        )
        return made

    def add(times: int) -> dict:
        for _ in range(times):
            content.rounds += 1
            n = content.rounds
            contact = make_contact(department=make_department())
            methods = [make_method(tags=[f"t{n}", "delad"], contact=contact) for _ in range(2)]
            for method in methods:
                Attachment.objects.create(
                    method=method, title="Mall", file=ContentFile(b"x", "m.txt")
                )
            challenge = make_challenge(
                goals=goals[:2], tags=[f"t{n}", "delad"], suggested_methods=methods, contact=contact
            )
            initiative = make_initiative(
                departments=[make_department(), make_department()],
                partners=[make_partner(), make_partner()],
                challenges=[challenge],
                methods=methods,
                goals=goals[:2],
                tags=[f"t{n}", "delad"],
                contact=contact,
                lessons_learned="Sammanfattning av lärdomen.",
            )
            make_initiative(phase=Phase.STOPPED, challenges=[challenge], tags=["delad"])
            ImpactGoal.objects.create(initiative=initiative, description="Mål", target="1")
            PhaseChange.objects.create(initiative=initiative, date=date(2024, 1, 1), phase="pilot")
            for status, reason in IDEA_STATES:
                idea(challenge, status, reason, initiative)
            focus = content.focus
            if not focus:
                focus.update(
                    challenge=challenge,
                    initiative=initiative,
                    method=methods[0],
                    department=initiative.owner_department,
                    partner=initiative.partners.first(),
                    contact=contact,
                    idea=Contribution.objects.filter(challenge=challenge).first(),
                    spare=make_challenge(tags=["delad"]),  # one without ideas, to delete
                )
                continue
            focus["challenge"].goals.add(goals[1 + n])
            focus["challenge"].suggested_methods.add(*methods)
            focus["challenge"].tags.add(f"t{n}")
            focus["spare"].tags.add(f"t{n}")
            initiative.challenges.add(focus["challenge"])
            initiative.departments.add(focus["department"])
            focus["partner"].initiatives.add(initiative)
            big = focus["initiative"]
            big.partners.add(make_partner())
            big.departments.add(make_department())
            big.methods.add(*methods)
            big.challenges.add(challenge)
            big.tags.add(f"t{n}")
            ImpactGoal.objects.create(initiative=big, description=f"Mål {n}", target="1")
            PhaseChange.objects.create(initiative=big, date=date(2024, 2, n), phase="pilot")
            focus["method"].tags.add(f"t{n}")
            Attachment.objects.create(
                method=focus["method"], title=f"Mall {n}", file=ContentFile(b"x", "m.txt")
            )
            initiative.methods.add(focus["method"])
            idea(focus["challenge"], ContributionStatus.PUBLISHED, "", big)
        return content.focus

    return add


def _counts(client, urls: list[str]) -> dict[str, int]:
    counts = {}
    for url in urls:
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
            if response.streaming:
                b"".join(response.streaming_content)
        assert response.status_code == 200, url
        counts[url] = len(queries)
    return counts


def _compare(client, portfolio, urls) -> tuple[dict, dict]:
    """The counts of each page with content added twice, and then four times more. Each time
    without what the pages remember between requests (filter choices, figures), as after a
    change: the count of a page that recomputes them is the one that must not grow."""
    focus = portfolio(2)
    urls = urls(focus)
    _counts(client, urls)  # fills the per-process caches (content types, choices)
    _empty_caches()
    few = _counts(client, urls)
    portfolio(4)
    _empty_caches()
    return few, _counts(client, urls)


def _lists(focus) -> list[str]:
    challenges, initiatives = reverse("challenges:list"), reverse("initiatives:list")
    lessons, methods = reverse("lessons:list"), reverse("methods:list")
    department = focus["department"].slug
    return [
        *(f"{challenges}?{query}" for query in ("status=open", "status=closed", "q=utmaning")),
        f"{challenges}?department={focus['challenge'].owner_department.slug}&page=2",
        *(
            f"{initiatives}?{query}"
            for query in (
                "phase=pilot",
                "goal=1",
                f"year={timezone.localdate().year}",
                f"department={department}",
                f"challenge={focus['challenge'].slug}",
                "tag=delad",
                "q=initiativ",
                "page=2",
            )
        ),
        f"{lessons}?department={department}&q=lärdomen",
        *(
            f"{methods}?{query}"
            for query in ("kind=method", "stage=ideate", "duration=day", "tag=delad", "q=metod")
        ),
    ]


def _feeds(focus) -> list[str]:
    slug = focus["challenge"].slug
    return [
        *(
            reverse(f"feeds:{kind}_{fmt}")
            for kind in ("challenges", "initiatives", "lessons")
            for fmt in ("rss", "atom")
        ),
        reverse("feeds:ideas_rss", args=[slug]),
        reverse("feeds:ideas_atom", args=[slug]),
        reverse("sitemap"),
        *(reverse("sitemap_section", args=[section]) for section in SITEMAPS),
    ]


def _open_data(focus) -> list[str]:
    return [
        reverse("opendata:export", kwargs={"dataset": dataset, "fmt": fmt}) + query
        for dataset in opendata.DATASETS
        for fmt in ("csv", "json")
        for query in ("", "?tag=delad")
    ]


def _as_staff_see_them(focus) -> list[str]:
    """A signed-in member of staff sees drafts too: the querysets are others."""
    return [
        "/",
        reverse("challenges:list"),
        reverse("initiatives:list"),
        reverse("methods:list"),
        focus["challenge"].get_absolute_url(),
        focus["initiative"].get_absolute_url(),
        focus["method"].get_absolute_url(),
    ]


def _in_english(focus) -> list[str]:
    from django.utils import translation

    with translation.override("en"):
        return [*_as_staff_see_them(focus), reverse("lessons:list")]


@pytest.mark.parametrize(
    "urls, staff",
    [
        (_lists, False),
        (_feeds, False),
        (_open_data, False),
        (_in_english, False),
        (_as_staff_see_them, True),
    ],
    ids=["filtered lists", "feeds and sitemaps", "open data", "in English", "as staff"],
)
def test_public_pages(client, portfolio, editor, urls, staff):
    if staff:
        client.force_login(editor)
    few, many = _compare(client, portfolio, urls)
    assert many == few


def test_search_of_each_kind(client, portfolio):
    """At most a query per kind on the page: fewer when one kind fills it."""
    search = reverse("search:results")
    kinds = ["", "challenge", "initiative", "method", "idea"]
    few, many = _compare(
        client, portfolio, lambda _: [f"{search}?q=sammanfattning&kind={k}" for k in kinds]
    )
    assert all(many[url] <= few[url] for url in few), (few, many)


def _admin(name: str, *args) -> str:
    return reverse(f"admin:{name}", args=args)


def _moderation(focus) -> list[str]:
    queue = _admin("contributions_contribution_changelist")
    idea = focus["idea"].pk
    return [
        queue,
        *(
            f"{queue}?{query}"
            for query in (
                "status__exact=pending",
                "kind__exact=resident",
                f"challenge={focus['challenge'].pk}",
                "decline_reason__exact=off_topic",
                "language__exact=sv",
                "created_at__gte=2020-01-01+00:00:00%2B00:00",
                "q=idé",
                "o=3",
                "o=-7",
                "p=2",
            )
        ),
        _admin("contributions_contribution_change", idea),
        _admin("contributions_contribution_history", idea),
        _admin("contributions_contribution_erase") + f"?idea={idea}",
        _admin("initiatives_initiative_changelist") + "?_to_field=id&_popup=1",
        _admin("index"),
    ]


def _changelists(focus) -> list[str]:
    challenges = _admin("challenges_challenge_changelist")
    initiatives = _admin("initiatives_initiative_changelist")
    methods = _admin("methods_method_changelist")
    department = focus["department"].pk
    return [
        *(
            f"{challenges}?{query}"
            for query in (
                "public=published",
                "open=yes",
                "open=no",
                f"owner_department__id__exact={focus['challenge'].owner_department_id}",
                "goal=1",
                "goal=none",
                "q=utmaning",
                f"publish_at__year={timezone.now().year}",
                "o=6",
            )
        ),
        *(
            f"{initiatives}?{query}"
            for query in (
                "phase__exact=pilot",
                "stop_reason__exact=no_effect",
                "lessons=yes",
                f"owner_department__id__exact={department}",
                "goal=1",
                "q=initiativ",
            )
        ),
        *(f"{methods}?{query}" for query in ("kind__exact=method", "q=metod", "o=6")),
        _admin("site_contactperson_changelist") + f"?department__id__exact={department}",
        _admin("site_contactperson_changelist") + "?q=kontakt",
        _admin("site_partner_changelist") + "?kind__exact=business&o=3",
        _admin("site_department_changelist") + "?q=förvaltning",
        _admin("site_globalgoal_changelist"),
        _admin("taggit_tag_changelist") + "?q=t&o=3",
    ]


def _change_and_delete(focus) -> list[str]:
    return [
        _admin("challenges_challenge_change", focus["challenge"].pk),
        _admin("initiatives_initiative_change", focus["initiative"].pk),
        _admin("methods_method_change", focus["method"].pk),
        _admin("site_department_change", focus["department"].pk),
        _admin("site_partner_change", focus["partner"].pk),
        _admin("site_contactperson_change", focus["contact"].pk),
        _admin("challenges_challenge_delete", focus["spare"].pk),
        _admin("challenges_challenge_delete", focus["challenge"].pk),
        _admin("site_partner_delete", focus["partner"].pk),
        _admin("site_contactperson_delete", focus["contact"].pk),
        _admin("challenges_challenge_history", focus["challenge"].pk),
        *(
            f"/admin/autocomplete/?app_label={app}&model_name={model}&field_name={name}"
            for app, model, name in (
                ("challenges", "challenge", "contact"),
                ("challenges", "challenge", "goals"),
                ("challenges", "challenge", "suggested_methods"),
                ("initiatives", "initiative", "partners"),
                ("initiatives", "initiative", "departments"),
                ("initiatives", "initiative", "challenges"),
                ("site", "contactperson", "department"),
            )
        ),
    ]


def _superuser_only(focus) -> list[str]:
    return [
        _admin("contributions_queuedmail_changelist"),
        _admin("contributions_contribution_delete", focus["idea"].pk),
        _admin("auth_user_changelist"),
    ]


@pytest.mark.parametrize(
    "urls, role",
    [
        (_moderation, roles.MODERATORS),
        (_changelists, roles.EDITORS),
        (_change_and_delete, roles.EDITORS),
        (_superuser_only, None),
    ],
    ids=["moderation", "changelists", "change and delete", "superuser"],
)
def test_admin_pages(client, portfolio, make_staff, urls, role):
    staff = make_staff(groups=[role]) if role else make_staff(superuser=True)
    client.force_login(staff)
    few, many = _compare(client, portfolio, urls)
    assert many == few


def test_the_portfolio_grows_where_the_pages_look(portfolio):
    """The comparison means something only if the second round added rows to each page."""
    focus = portfolio(2)
    before = _sizes(focus)
    portfolio(4)
    after = _sizes(focus)
    assert {name: after[name] >= 2 * before[name] for name in before} == dict.fromkeys(before, True)


def _sizes(focus) -> dict[str, int]:
    challenge, initiative = focus["challenge"], focus["initiative"]
    return {
        "challenges": Challenge.objects.count(),
        "initiatives": Initiative.objects.count(),
        "methods": Method.objects.count(),
        "ideas": Contribution.objects.count(),
        "challenge's ideas": challenge.contributions.count(),
        "challenge's initiatives": challenge.initiatives.count(),
        "challenge's methods": challenge.suggested_methods.count(),
        "initiative's partners": initiative.partners.count(),
        "initiative's methods": initiative.methods.count(),
        "initiative's timeline": initiative.timeline.count(),
        "initiative's impact goals": initiative.impact_goals.count(),
        "method's attachments": focus["method"].attachments.count(),
        "method's tags": focus["method"].tags.count(),
        "department's initiatives": focus["department"].initiatives.count(),
        "partner's initiatives": focus["partner"].initiatives.count(),
    }
