"""The migrations build, from an empty database, exactly the schema the models describe, and undo it."""
import secrets
import sys
from contextlib import contextmanager

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade

from app import create_app
from app.core.database import db
from app.core.records import described_by_models
from app.extensions import migrate
from tests.conftest import app_config
from tests.support import services


@contextmanager
def app_for(database_url: str):
    """An app on ``database_url``, inside its app context; its connections are closed afterwards."""
    app = create_app(app_config(database_url))
    with app.app_context():
        try:
            yield app
        finally:
            db.session.remove()
            db.engine.dispose()


def table_names() -> set[str]:
    return set(sa.inspect(db.engine).get_table_names())


def differences() -> list:
    """What autogenerate would still put in a migration: what ``flask db check`` checks."""
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True, "include_object": described_by_models})
        return compare_metadata(context, db.metadata)


def exclusion_constraints() -> list[str]:
    return db.session.scalars(sa.text("SELECT conname FROM pg_constraint WHERE contype = 'x' ORDER BY conname")).all()


@pytest.fixture
def empty_postgres_database():
    """The URL of a new, empty database on the TEST_DATABASE_URL server, dropped afterwards."""
    services.require("postgres")
    server = sa.make_url(services.DATABASE_URL)
    name = f"sloty_migrations_{secrets.token_hex(6)}"
    admin = sa.create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        yield server.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def test_sqlite_migrates_from_empty_to_exactly_the_models_and_back(tmp_path):
    with app_for(f"sqlite:///{tmp_path / 'fresh.sqlite3'}"):
        assert table_names() == set()

        upgrade()
        assert {table.name for table in db.metadata.sorted_tables} <= table_names()
        assert differences() == []

        downgrade(revision="base")
        assert table_names() == {"alembic_version"}


def test_postgres_migrates_from_empty_to_exactly_the_models_and_back(empty_postgres_database):
    with app_for(empty_postgres_database):
        assert table_names() == set()

        upgrade()
        assert {table.name for table in db.metadata.sorted_tables} <= table_names()
        assert exclusion_constraints() == ["ex_appointment_resources_no_overlap", "ex_appointments_no_overlap"]
        assert differences() == []

        db.session.rollback()
        downgrade(revision="base")
        assert table_names() == {"alembic_version"}
        assert exclusion_constraints() == []


def test_flask_db_check_finds_nothing_to_migrate_on_postgres(empty_postgres_database, monkeypatch):
    def print_to_the_runner(config):
        # Alembic's Config binds sys.stdout when alembic is imported; the CLI runner swaps it later.
        config.stdout = sys.stdout
        return config

    monkeypatch.setattr(migrate, "configure_callbacks", [*migrate.configure_callbacks, print_to_the_runner])
    with app_for(empty_postgres_database) as app:
        upgrade()
        result = app.test_cli_runner().invoke(args=["db", "check"])

    assert result.exit_code == 0, result.output
    assert "No new upgrade operations detected" in result.output
