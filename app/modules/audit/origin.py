"""Where a change came from (the client's address and user agent), set by the web layer once per
request and read by the trail; jobs and CLI commands have none, so their events carry none."""
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

AGENT_LENGTH = 512  # the column's width: a longer header is cut, never refused


@dataclass(frozen=True)
class Origin:
    ip_address: str | None
    user_agent: str | None


NOWHERE = Origin(None, None)
_origin: ContextVar[Origin] = ContextVar("sloty_audit_origin", default=NOWHERE)


def current() -> Origin:
    return _origin.get()


def enter(ip_address: str | None, user_agent: str | None):
    """Make this the origin of what follows; returns the token ``leave`` takes."""
    return _origin.set(Origin(ip_address or None, (user_agent or "")[:AGENT_LENGTH] or None))


def leave(token) -> None:
    _origin.reset(token)


@contextmanager
def origin_of(ip_address: str | None, user_agent: str | None):
    token = enter(ip_address, user_agent)
    try:
        yield
    finally:
        leave(token)
