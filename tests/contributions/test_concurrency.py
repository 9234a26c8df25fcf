"""No idea is lost when many are sent at once (PostgreSQL: real concurrent transactions)."""

import threading
import time
from datetime import timedelta

import pytest
from django.core.mail.backends import locmem
from django.db import connections
from django.test import Client
from django.urls import reverse

from contributions.models import Contribution

pytestmark = pytest.mark.postgres

THREADS = 8
PER_THREAD = 5


@pytest.mark.django_db(transaction=True)
def test_concurrent_ideas_are_each_stored_once(postgres_only, make_challenge, form_data, settings):
    settings.CONTRIBUTION_RATE_LIMIT = "1000/h"
    challenge = make_challenge()
    url = reverse("contributions:create", args=[challenge.slug])
    acknowledged: list[tuple[str, str]] = []
    errors: list[BaseException] = []
    lock = threading.Lock()
    barrier = threading.Barrier(THREADS)

    def send(thread: int) -> None:
        client = Client()
        try:
            barrier.wait()
            for n in range(PER_THREAD):
                title = f"Idé {thread}-{n}"
                response = client.post(url, form_data(title=title))
                if response.status_code == 302:
                    token = response["Location"].rstrip("/").split("/")[-2]
                    with lock:
                        acknowledged.append((title, token))
        except BaseException as error:  # reported below, in the test's thread
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=send, args=(i,)) for i in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert len(acknowledged) == THREADS * PER_THREAD
    stored = list(Contribution.objects.values_list("title", "token"))
    assert sorted(stored) == sorted(acknowledged)
    assert len({token for _, token in stored}) == len(stored)


@pytest.mark.django_db(transaction=True)
def test_two_moderators_saving_the_same_idea_at_once_do_not_both_win(
    postgres_only, make_staff, make_contribution, monkeypatch
):
    """Two moderators save the same waiting idea at the same moment, one publishing it, the
    other marking it as spam. Each save checked the idea as it was before either, and both
    went through: the last one won without anyone knowing. The second now waits for the
    first and is refused, as a save after someone else's change is."""
    import re
    import time

    from contributions import services
    from contributions.models import ContributionStatus
    from tests.contributions.conftest import moderation_data

    idea = make_contribution()
    change = reverse("admin:contributions_contribution_change", args=[idea.pk])
    record = services.contribution_record_moderation

    def slow_record(**kwargs):
        time.sleep(0.3)  # between the check and the save: where the other save came in
        return record(**kwargs)

    monkeypatch.setattr(services, "contribution_record_moderation", slow_record)
    clients = []
    for _ in range(2):
        client = Client()
        # Superusers: the groups the migrations made went with the flush of the test before.
        client.force_login(make_staff(superuser=True))
        seen = re.search(r'name="seen" value="([^"]+)"', client.get(change).text).group(1)
        clients.append((client, seen))
    barrier = threading.Barrier(2)
    answers: dict[str, int] = {}
    errors: list[BaseException] = []

    def save(client, seen, status):
        try:
            barrier.wait()
            answers[status] = client.post(
                change, moderation_data(status=status, seen=seen)
            ).status_code
        except BaseException as error:  # reported below, in the test's thread
            errors.append(error)
        finally:
            connections.close_all()

    threads = [
        threading.Thread(target=save, args=(*clients[0], ContributionStatus.PUBLISHED)),
        threading.Thread(target=save, args=(*clients[1], ContributionStatus.SPAM)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert sorted(answers.values()) == [200, 302]  # one saved, the other refused
    idea.refresh_from_db()
    assert answers[idea.status] == 302


class SlowMailBackend(locmem.EmailBackend):
    """A mail server that takes a moment for each message, so that runs overlap."""

    def send_messages(self, messages):
        time.sleep(0.05)
        return super().send_messages(messages)


@pytest.mark.django_db(transaction=True)
def test_nodes_sending_the_queue_at_once_send_each_message_once(
    postgres_only, make_contribution, settings, monkeypatch
):
    from django.core import mail as djmail
    from django.core.mail import EmailMessage
    from django.utils import timezone

    from contributions import mail
    from contributions.models import QueuedMail

    settings.MAILERS = {"default": {"BACKEND": f"{__name__}.SlowMailBackend"}}
    mail.queue(
        make_contribution(),
        [EmailMessage(f"Kvitto {n}", "Text", to=[f"a{n}@example.org"]) for n in range(20)],
    )
    later = timezone.now() + timedelta(minutes=2)
    monkeypatch.setattr("django.utils.timezone.now", lambda: later)
    djmail.outbox = []
    barrier = threading.Barrier(3)
    errors: list[BaseException] = []

    def run() -> None:
        try:
            barrier.wait()
            mail.send_due(limit=8)
        except BaseException as error:  # reported below, in the test's thread
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    subjects = sorted(message.subject for message in djmail.outbox)
    assert subjects == sorted(f"Kvitto {n}" for n in range(20))
    assert not QueuedMail.objects.exists()
