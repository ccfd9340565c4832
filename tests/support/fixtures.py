"""Shared fixtures, registered from tests/conftest.py (``pytest_plugins``): tests ask for them by name."""
import pytest

from app.modules.notifications import jobs, outbox
from tests.support.booking import Booked, book, booked_token
from tests.support.practice import Clinic, build_clinic, build_practice


@pytest.fixture
def messages_stay_in_the_outbox(monkeypatch):
    """Without Redis, messages are sent in-process right after the request commits. Delivery has
    its own tests; here they stay queued, the rows the booking flow promises."""
    monkeypatch.setattr(jobs, "dispatch", lambda session, now: outbox.take_committed(session, now=now))


@pytest.fixture
def clinic(app) -> Clinic:
    return build_clinic()


@pytest.fixture
def elsewhere(app) -> dict:
    """Another practice, whose ids and tokens must mean nothing on the clinic's host."""
    return build_practice("elsewhere", name="Elsewhere Practice")


@pytest.fixture
def booked(clinic, visitor) -> Booked:
    """Grace's dental check-up at 10:00 in London, three days ahead."""
    guest = visitor(clinic.host)
    start = clinic.at(clinic.day(3), "10:00")
    return Booked(guest, booked_token(book(guest, clinic, start)), start)
