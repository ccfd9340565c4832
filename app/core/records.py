"""What every table shares: UTC timestamps, integer ids and, for tenant data, tenant ownership."""
from datetime import datetime, timezone

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app.core import clock


class UTCDateTime(sa.types.TypeDecorator):
    """An instant in UTC: ``timestamptz`` on PostgreSQL, naive-UTC text on SQLite.

    Naive datetimes are refused on the way in, so wall-clock times can never be
    stored by mistake; values always come back timezone-aware.
    """

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r}: store timezone-aware UTC instants")
        value = value.astimezone(timezone.utc)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=timezone.utc)
        return value.astimezone(timezone.utc)

    def result_processor(self, dialect, coltype):
        if dialect.name != "postgresql":
            return super().result_processor(dialect, coltype)

        # The fast path for the hundreds of instants a slot picker reads: our PostgreSQL sessions run
        # in UTC (app.core.database), so psycopg2 already hands back datetimes in timezone.utc.
        def utc(value):
            return value if value is None or value.tzinfo is timezone.utc else value.astimezone(timezone.utc)

        return utc


class Record:
    """An id and creation/update times, for every table."""

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(
        UTCDateTime, default=clock.now, server_default=sa.func.now(), nullable=False
    )
    updated_at: Mapped[datetime] = mapped_column(
        UTCDateTime, default=clock.now, onupdate=clock.now, server_default=sa.func.now(), nullable=False
    )


class TenantOwned(Record):
    """A row that belongs to one tenant. Every ORM query on it is scoped (see app.core.tenancy)."""

    tenant_id: Mapped[int] = mapped_column(sa.ForeignKey("tenants.id"), nullable=False)


def tenant_table_args(table: str, *references: tuple[str, str], extra: tuple = ()) -> tuple:
    """Table arguments for a tenant-owned table.

    ``(tenant_id, id)`` is unique so other tables can reference it, and each
    ``(column, target_table)`` reference becomes a composite foreign key on
    ``(tenant_id, column)``: the database itself refuses a row that points at
    another tenant's row. Each reference also gets an index leading with tenant_id.
    """
    args: list = [sa.UniqueConstraint("tenant_id", "id", name=f"uq_{table}_tenant_id_id")]
    for column, target in references:
        args.append(
            sa.ForeignKeyConstraint(
                ["tenant_id", column],
                [f"{target}.tenant_id", f"{target}.id"],
                name=f"fk_{table}_{column}_same_tenant",
            )
        )
        args.append(sa.Index(f"ix_{table}_tenant_id_{column}", "tenant_id", column))
    return (*args, *extra)


def described_by_models(object, name, type_, reflected, compare_to) -> bool:
    """Whether autogenerate compares this schema object with the models: not the PostgreSQL-only
    indexes that migrations write by hand (named ``*_trgm``, the directory's trigram indexes)."""
    return not (type_ == "index" and reflected and compare_to is None and (name or "").endswith("_trgm"))


def enum(*values: str, name: str) -> sa.Enum:
    """A portable enumerated string column, checked by the database."""
    return sa.Enum(*values, name=name, native_enum=False, create_constraint=True, length=20)
