import time

import pytest
from django.core import signing

from contributions.forms import STARTED_SALT
from contributions.models import Contribution, ContributionStatus, SubmitterKind


def started(seconds_ago: float = 60) -> str:
    """The signed time a form was opened, as the form page would have handed it out."""
    return signing.dumps(time.time() - seconds_ago, salt=STARTED_SALT)


@pytest.fixture
def form_data():
    def make(**overrides):
        data = {
            "title": "Fler bänkar längs Norra hamnen",
            "text": "Äldre behöver vila på vägen till färjan.",
            "name": "Anna Andersson",
            "email": "anna.andersson@example.org",
            "organisation": "",
            "kind": SubmitterKind.RESIDENT,
            "consent": "on",
            "website": "",
            "started": started(),
        }
        data.update(overrides)
        return {key: value for key, value in data.items() if value is not None}

    return make


@pytest.fixture
def make_contribution(db, make_challenge):
    counter = iter(range(1, 100_000))

    def make(**overrides):
        n = next(counter)
        fields = {
            "title": f"Idé {n}",
            "text": f"Beskrivning av idé {n}.",
            "name": f"Avsändare Nummer{n}",
            "email": f"avsandare{n}@example.net",
            "kind": SubmitterKind.RESIDENT,
            "consent": True,
            "status": ContributionStatus.PENDING,
        }
        fields.update(overrides)
        if "challenge" not in fields:
            fields["challenge"] = make_challenge()
        return Contribution.objects.create(**fields)

    return make


def moderation_data(**fields) -> dict:
    """What the admin's form of an idea posts: a decision to publish, unless `fields` say else."""
    return {
        "status": ContributionStatus.PUBLISHED,
        "decline_reason": "",
        "internal_note": "",
        "public_answer": "",
        "initiative": "",
        **fields,
    }
