"""Two gunicorn nodes, one PostgreSQL, one Redis: what one node changes the other shows at once."""

import re

from django.contrib.auth import get_user_model
from django.urls import reverse

from contributions.models import Contribution
from tests.production.http_client import Browser


def test_content_published_through_one_node_is_visible_at_once_on_the_other(
    node_env, start_node, make_challenge, make_staff
):
    make_staff(username="editor-node", superuser=True)
    draft = make_challenge(title="Utmaning publicerad via nod A", status="draft")
    node_a, node_b = start_node(node_env), start_node(node_env)
    list_path = "/utmaningar/"

    # Node B caches the list in Redis without the draft.
    for _ in range(2):
        status, body = node_b.get(list_path)
        assert status == 200
        assert "Utmaning publicerad via nod A" not in body

    editor = Browser(node_a.url)
    editor.admin_login("editor-node", "correct horse battery staple")
    _, changelist, _ = editor.request("/admin/challenges/challenge/")
    status, _, _ = editor.request(
        "/admin/challenges/challenge/",
        {
            "csrfmiddlewaretoken": editor.csrf_token(changelist),
            "action": "publish",
            "_selected_action": [draft.pk],
            "index": "0",
        },
    )
    assert status == 302
    assert get_user_model().objects.filter(username="editor-node").exists()

    status, body = node_b.get(list_path)
    assert status == 200
    assert "Utmaning publicerad via nod A" in body


def _send_idea(node_url: str, slug: str, title: str) -> int:
    visitor = Browser(node_url)
    path = reverse("contributions:create", args=[slug])
    _, form, _ = visitor.request(path)
    started = re.search(r'name="started" value="([^"]+)"', form).group(1)
    status, _, _ = visitor.request(
        path,
        {
            "csrfmiddlewaretoken": visitor.csrf_token(form),
            "started": started,
            "title": title,
            "text": "En idé som skickas genom en av noderna.",
            "name": "Tova Testsson",
            "email": "tova@example.org",
            "kind": "resident",
            "consent": "on",
            "website": "",
        },
    )
    return status


def test_the_rate_limit_is_shared_and_moderation_shows_on_the_other_node(
    node_env, start_node, make_challenge, make_staff
):
    env = {**node_env, "CONTRIBUTION_RATE_LIMIT": "3/h", "CONTRIBUTION_MIN_SECONDS": "0"}
    node_a, node_b = start_node(env), start_node(env)
    challenge = make_challenge(title="Utmaning för två noder")

    statuses = [
        _send_idea(node.url, challenge.slug, f"Idé {n}")
        for n, node in enumerate([node_a, node_b, node_a, node_b])
    ]
    assert statuses == [302, 302, 302, 429]
    assert Contribution.objects.filter(challenge=challenge).count() == 3

    # Node B shows the challenge (cached) without the idea; a moderator publishes it on node A.
    for _ in range(2):
        assert "Idé 0" not in node_b.get(challenge.get_absolute_url())[1]
    make_staff(username="moderator-node", superuser=True)
    moderator = Browser(node_a.url)
    moderator.admin_login("moderator-node", "correct horse battery staple")
    changelist_path = "/admin/contributions/contribution/"
    _, changelist, _ = moderator.request(changelist_path)
    idea = Contribution.objects.get(title="Idé 0")
    status, _, _ = moderator.request(
        changelist_path,
        {
            "csrfmiddlewaretoken": moderator.csrf_token(changelist),
            "action": "publish",
            "_selected_action": [idea.pk],
            "index": "0",
        },
    )
    assert status == 302
    assert "Idé 0" in node_b.get(challenge.get_absolute_url())[1]
