"""Checking the database: what changed, and a tenant's rows as committed."""
import sqlalchemy as sa

from app.core.database import db
from app.core.tenancy import tenant_context


def snapshot() -> dict:
    """Every table's row count and latest update, read with raw SQL across all tenants."""
    db.session.expire_all()
    return {
        table.name: tuple(db.session.execute(sa.text(f"SELECT count(*), max(updated_at) FROM {table.name}")).one())
        for table in db.metadata.sorted_tables
    }


def changed_tables(before: dict) -> list[str]:
    after = snapshot()
    return sorted(name for name in before if before[name] != after[name])


def rows(tenant, model, *where):
    db.session.expire_all()
    with tenant_context(tenant):
        return list(db.session.scalars(sa.select(model).where(*where).order_by(model.id)))


def scalars(tenant, query) -> list:
    """What ``query`` finds among ``tenant``'s rows, as committed."""
    db.session.expire_all()
    with tenant_context(tenant):
        return db.session.scalars(query).all()
