"""One unit of work: a job or CLI command commits once at its end, or rolls back entirely.

Requests get the same from ``app.web.transaction``. Services only flush; whatever must wait for a
real commit (the outbox's dispatch) listens for the session's ``after_commit``.
"""
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy.orm import Session


@contextmanager
def unit_of_work(session: Session) -> Iterator[Session]:
    """Commit ``session`` when the block ends normally; roll everything back when it raises."""
    try:
        yield session
    except BaseException:
        session.rollback()
        raise
    session.commit()
