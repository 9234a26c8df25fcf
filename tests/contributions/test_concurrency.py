"""No idea is lost when many are sent at once (PostgreSQL: real concurrent transactions)."""

import threading

import pytest
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
