"""Which tenant the code is acting for, and the automatic scoping of every ORM query to it.

A request enters a scope from its host (see ``app.web.sites``); jobs and CLI commands
enter one explicitly with ``tenant_context``. Queries on tenant-owned models
outside any scope raise instead of silently seeing every tenant.
"""
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from functools import lru_cache

from sqlalchemy import event, select
from sqlalchemy.orm import ORMExecuteState, Session, with_loader_criteria
from sqlalchemy.sql import visitors

from app.core.records import TenantOwned


class TenantScopeError(RuntimeError):
    """Tenant data was touched outside a tenant scope, or across one."""


@dataclass(frozen=True)
class Scope:
    tenant_id: int | None  # None: every tenant (the backoffice, platform jobs)


ALL_TENANTS = Scope(tenant_id=None)

_scope: ContextVar[Scope | None] = ContextVar("sloty_tenant_scope", default=None)


def current_tenant_id() -> int | None:
    scope = _scope.get()
    return scope.tenant_id if scope else None


def enter(scope: Scope):
    """Enter ``scope``; returns the token to pass to ``leave``."""
    return _scope.set(scope)


def leave(token) -> None:
    _scope.reset(token)


@contextmanager
def tenant_context(tenant):
    """Act for one tenant (a Tenant or its id), as a job or CLI command must."""
    tenant_id = tenant if isinstance(tenant, int) else tenant.id
    token = enter(Scope(tenant_id))
    try:
        yield
    finally:
        leave(token)


@contextmanager
def all_tenants():
    """Act across tenants: for the backoffice and platform maintenance only."""
    token = enter(ALL_TENANTS)
    try:
        yield
    finally:
        leave(token)


REUSED = "sloty_reused"


def reused(statement):
    """Mark a statement that is built once and executed again and again (with bind parameters).
    Its tenant-scoped form is kept too, per tenant, so SQLAlchemy need not work out its cache key
    anew on every run: for the slot picker's statements that cost more than building them."""
    return statement.execution_options(**{REUSED: True})


def _is_tenant_owned(mapper) -> bool:
    return mapper is not None and mapper.class_ is not None and issubclass(mapper.class_, TenantOwned)


def _touches_tenant_data(state: ORMExecuteState) -> bool:
    if state.execution_options.get(REUSED):
        return _reused_touches_tenant_data(state.statement)
    return any(_is_tenant_owned(mapper) for mapper in state.all_mappers) or _reaches_tenant_data(state.statement)


def _reaches_tenant_data(statement) -> bool:
    # all_mappers names only the top-level entities; joins and subqueries reach tenant data too.
    # (Plain Core tables, carrying no ORM annotations, are the deliberate escape hatch.)
    return any(
        _is_tenant_owned(getattr(element, "_annotations", {}).get("parentmapper"))
        for element in visitors.iterate(statement)
    )


# A reused statement's answer never changes (its top-level entities are among the elements visited).
_reused_touches_tenant_data = lru_cache(maxsize=256)(_reaches_tenant_data)


@event.listens_for(Session, "do_orm_execute")
def _scope_to_tenant(state: ORMExecuteState) -> None:
    if not (state.is_select or state.is_update or state.is_delete):
        return
    scope = _scope.get()
    if scope is None:
        # Refreshing a row already loaded (legitimately, in some scope) reveals nothing new.
        if not state.is_column_load and _touches_tenant_data(state):
            raise TenantScopeError("tenant data queried outside a tenant scope; use tenant_context()")
        return
    if scope.tenant_id is None:
        return
    scoped = _scoped_reused if state.execution_options.get(REUSED) else _scoped
    state.statement = scoped(state.statement, scope.tenant_id)


def _scoped(statement, tenant_id: int):
    return statement.options(
        with_loader_criteria(TenantOwned, lambda cls: cls.tenant_id == tenant_id, include_aliases=True)
    )


# Bounded: a few reused statements for each tenant a worker has served lately.
_scoped_reused = lru_cache(maxsize=1024)(_scoped)


@event.listens_for(Session, "before_flush")
def _stamp_tenant(session: Session, flush_context, instances) -> None:
    """New rows take the scope's tenant; a row of another tenant can't be written (or deleted) in a scope."""
    tenant_id = current_tenant_id()
    for obj in [*session.new, *session.dirty, *session.deleted]:
        if not isinstance(obj, TenantOwned) or tenant_id is None:
            continue
        if obj.tenant_id is None and obj in session.new and not _tenantless_allowed(obj):
            obj.tenant_id = tenant_id
        elif obj.tenant_id is not None and obj.tenant_id != tenant_id:
            raise TenantScopeError(f"{obj!r} belongs to tenant {obj.tenant_id}, not {tenant_id}")


def _tenantless_allowed(obj) -> bool:
    # A superadmin belongs to no tenant, even when created inside a tenant scope.
    return getattr(obj, "role", None) == "superadmin"


def scoped_get(session: Session, model, ident):
    """Load ``model`` by id through the scoped query path (never the identity map)."""
    return session.scalar(select(model).where(model.id == ident))
