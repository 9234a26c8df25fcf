import pytest
from django.db import connection
from django.utils import translation


@pytest.fixture(autouse=True)
def _swedish():
    """reverse() follows the active language; another test may have left English active."""
    with translation.override("sv"):
        yield


@pytest.fixture
def postgres_only(db):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL")
