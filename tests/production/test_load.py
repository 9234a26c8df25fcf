"""64 people sending ideas at once to two gunicorn nodes on PostgreSQL, with the mail server down.

No server errors, and every acknowledged idea stored exactly once; with the database cut in the
middle, only 503s while it is away, nothing acknowledged lost, and ideas acknowledged again
within 5 seconds of its return. CI-sized; `make loadtest` runs the full minute
(tests/benchmarks/load_contributions.py). The figures are printed and shown at the end of the run.
"""

from collections import Counter, defaultdict

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from contributions.models import Contribution, QueuedMail
from helsingborg_innovation import roles
from tests.production.contribution_load import (
    LOAD_ENV,
    MAIL_FAILURE_LOG,
    RECOVERY_LIMIT,
    Outage,
    closed_port,
    figures,
    mail_down_env,
    problems,
    proxied,
    run_load,
    table,
)

pytestmark = pytest.mark.postgres

SENDERS = 64
SECONDS = 15
OUTAGE_SECONDS = 20
OUTAGE_AT, OUTAGE_LENGTH = 6, 4
MAX_IDEAS = 50_000


@pytest.fixture
def mail_down():
    with closed_port() as port:
        yield mail_down_env(port)


@pytest.fixture
def challenge(make_challenge, make_contact, make_staff):
    """An open challenge whose ideas mail the sender, its contact and a moderator."""
    moderator = make_staff()
    moderator.email = "moderator@example.org"
    moderator.save(update_fields=["email"])
    # A transactional test empties the tables, the migrations' groups too.
    moderator.groups.add(Group.objects.get_or_create(name=roles.MODERATORS)[0])
    return make_challenge(title="Utmaning under last", contact=make_contact())


@pytest.fixture
def database_proxy(node_env):
    proxy, node_env["DATABASE_URL"] = proxied(node_env["DATABASE_URL"])
    yield proxy
    proxy.cut()


def stored_ideas(challenge) -> dict[str, list[str]]:
    stored = defaultdict(list)
    for title, token in Contribution.objects.filter(challenge=challenge).values_list(
        "title", "token"
    ):
        stored[title].append(token)
    return dict(stored)


def report(record_property, name: str, run, stored) -> None:
    text = table({name: figures(run, stored)})
    print(text)
    record_property("load figures", text)


def test_many_senders_with_the_mail_server_down(
    node_env, start_node, challenge, mail_down, record_property
):
    env = {**node_env, **LOAD_ENV, **mail_down}
    nodes = [start_node(env), start_node(env)]

    run = run_load(
        [node.url for node in nodes],
        reverse("contributions:create", args=[challenge.slug]),
        senders=SENDERS,
        duration=SECONDS,
        max_ideas=MAX_IDEAS,
        prefix="Idé under last",
    )
    stored = stored_ideas(challenge)
    report(record_property, f"{SENDERS} senders, {SECONDS} s, mail server down", run, stored)

    found = problems(run, stored)
    assert not found, "\n".join(found)
    # The mail really was tried, and failed; and no acknowledged idea lost its mail: each waits
    # in the queue for the server (to its sender, the challenge's contact and the moderator).
    assert sum(node.log_text().count(MAIL_FAILURE_LOG) for node in nodes) >= 1
    queued = Counter(
        QueuedMail.objects.filter(contribution__challenge=challenge).values_list(
            "contribution__title", flat=True
        )
    )
    assert {title: queued[title] for title in run.acknowledged} == dict.fromkeys(
        run.acknowledged, 3
    )


def test_many_senders_through_a_database_outage(
    node_env, database_proxy, start_node, challenge, mail_down, record_property
):
    assert OUTAGE_AT + OUTAGE_LENGTH + RECOVERY_LIMIT < OUTAGE_SECONDS
    env = {**node_env, **LOAD_ENV, **mail_down}
    nodes = [start_node(env), start_node(env)]

    run = run_load(
        [node.url for node in nodes],
        reverse("contributions:create", args=[challenge.slug]),
        senders=SENDERS,
        duration=OUTAGE_SECONDS,
        max_ideas=MAX_IDEAS,
        prefix="Idé under avbrott",
        outage=Outage.proxy_cut(database_proxy, at=OUTAGE_AT, length=OUTAGE_LENGTH),
    )
    stored = stored_ideas(challenge)
    report(
        record_property,
        f"{SENDERS} senders, {OUTAGE_SECONDS} s, database cut for {OUTAGE_LENGTH} s",
        run,
        stored,
    )

    found = problems(run, stored)
    assert not found, "\n".join(found)
