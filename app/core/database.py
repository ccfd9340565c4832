"""The database handle: Flask-SQLAlchemy over a declarative base with predictable constraint names,
and SQLite connections that behave transactionally like PostgreSQL."""
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import MetaData, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_N_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_N_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


db = SQLAlchemy(model_class=Base)


@event.listens_for(Engine, "connect")
def _sqlite_connect(dbapi_connection, connection_record):
    if type(dbapi_connection).__module__.startswith("sqlite3"):
        # SQLite enforces foreign keys only when asked, per connection.
        dbapi_connection.execute("PRAGMA foreign_keys=ON")
        # pysqlite's own transaction handling turns a released savepoint into a commit. Take it over
        # (SQLAlchemy's documented pysqlite recipe): no implicit BEGIN from the driver, ours instead,
        # so savepoints nest truly and a rolled-back unit of work leaves nothing, as on PostgreSQL.
        dbapi_connection.isolation_level = None
        # Every statement now runs in a transaction, reads included: in WAL mode readers and the
        # writer do not block each other (a no-op for an in-memory database).
        dbapi_connection.execute("PRAGMA journal_mode=WAL")


@event.listens_for(Engine, "connect")
def _postgresql_in_utc(dbapi_connection, connection_record):
    if type(dbapi_connection).__module__.startswith("psycopg2"):
        # Instants then arrive already in UTC, and UTCDateTime passes them through untouched.
        with dbapi_connection.cursor() as cursor:
            cursor.execute("SET TIME ZONE 'UTC'")
        dbapi_connection.commit()


@event.listens_for(Engine, "begin")
def _sqlite_begin(connection):
    if connection.dialect.name == "sqlite":
        connection.exec_driver_sql("BEGIN")
