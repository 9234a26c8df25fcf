import pytest
from django.utils import translation


@pytest.fixture(autouse=True)
def _swedish():
    """reverse() follows the active language; another test may have left English active."""
    with translation.override("sv"):
        yield
