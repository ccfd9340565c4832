"""Probes of what the app stands on: the database (a timed ``SELECT 1``, and its migration revision
against the code's) and Redis (a timed ping, its memory). A probe answers with a state to show,
never an exception, and names a failure only by its class: a driver's message can carry host names."""
import time
from dataclasses import dataclass
from functools import lru_cache

from alembic.script import ScriptDirectory
from redis import Redis
from redis.exceptions import RedisError
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

UP_TO_DATE = "up to date"
BEHIND = "behind"
UNKNOWN_REVISION = "unknown revision"  # the database was migrated by newer code than this


@dataclass(frozen=True)
class DatabaseHealth:
    up: bool
    latency_ms: float | None = None
    revisions: tuple[str, ...] = ()  # alembic_version in the database
    heads: tuple[str, ...] = ()  # the migrations directory's head(s)
    migrations: str | None = None  # UP_TO_DATE, BEHIND or UNKNOWN_REVISION; None when down
    problem: str | None = None


@dataclass(frozen=True)
class RedisHealth:
    state: str  # "ok", "not configured" or "unreachable"
    latency_ms: float | None = None
    used_memory: str | None = None  # INFO memory's used_memory_human
    problem: str | None = None

    @property
    def up(self) -> bool:
        return self.state == "ok"


def _milliseconds_since(start: float) -> float:
    return round((time.perf_counter() - start) * 1000, 2)


@lru_cache(maxsize=4)
def _scripts(directory: str) -> ScriptDirectory:
    # The migrations shipped with the code do not change while it runs.
    return ScriptDirectory(directory)


def code_heads(directory: str) -> tuple[str, ...]:
    return tuple(sorted(_scripts(directory).get_heads()))


def database(session: Session, *, migrations_directory: str) -> DatabaseHealth:
    """Whether the database answers, how fast, and whether its schema is the code's."""
    heads = code_heads(migrations_directory)
    start = time.perf_counter()
    try:
        session.execute(text("SELECT 1"))
        latency = _milliseconds_since(start)
    except SQLAlchemyError as error:
        session.rollback()
        return DatabaseHealth(up=False, heads=heads, problem=type(error).__name__)
    try:
        revisions = tuple(sorted(session.scalars(text("SELECT version_num FROM alembic_version"))))
    except SQLAlchemyError:  # up, but never migrated: no alembic_version table yet
        session.rollback()
        revisions = ()
    return DatabaseHealth(up=True, latency_ms=latency, revisions=revisions, heads=heads,
                          migrations=_compare(revisions, heads, migrations_directory))


def _compare(revisions: tuple[str, ...], heads: tuple[str, ...], directory: str) -> str:
    if revisions == heads:
        return UP_TO_DATE
    scripts = _scripts(directory)
    known = {revision.revision for revision in scripts.walk_revisions()}
    if any(revision not in known for revision in revisions):
        return UNKNOWN_REVISION
    return BEHIND  # an older revision of ours, or none at all yet


def redis(connection: Redis | None) -> RedisHealth:
    """Whether Redis answers a ping, how fast, and the memory it uses."""
    if connection is None:
        return RedisHealth(state="not configured")
    try:
        connection.ping()  # connects first, so that the timed ping is one round trip
        start = time.perf_counter()
        connection.ping()
        latency = _milliseconds_since(start)
        memory = connection.info("memory").get("used_memory_human")
    except RedisError as error:
        return RedisHealth(state="unreachable", problem=type(error).__name__)
    return RedisHealth(state="ok", latency_ms=latency, used_memory=memory)
