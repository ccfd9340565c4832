"""The app factory and its configuration: environment, embedded defaults, and refusing unsafe starts."""
import os
import re
from pathlib import Path

import pytest

from app import config, create_app
from app.core.database import db
from app.extensions import csrf, limiter, login_manager, migrate
from tests.support import factories
from tests.support.clients import host_of

ROOT = Path(__file__).resolve().parent.parent
ENVIRONMENT = ("SECRET_KEY", "FLASK_DEBUG", "DATABASE_URL", "REDIS_URL", "BASE_DOMAIN", "SESSION_COOKIE_SECURE")


@pytest.fixture(autouse=True)
def bare_environment(monkeypatch):
    """Nothing configured, as on a fresh laptop or a misconfigured dyno."""
    for name in ENVIRONMENT:
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def database(tmp_path) -> dict:
    """Point a new app at a throwaway SQLite file (never the instance folder's database)."""
    return {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'config.sqlite3'}"}


# --- The secret key -----------------------------------------------------------------------------


def test_refuses_to_start_without_a_secret_key_outside_debug(database):
    with pytest.raises(config.ConfigError, match="SECRET_KEY is not set") as error:
        create_app(database)
    assert "FLASK_DEBUG=1" in str(error.value)


def test_starts_with_the_development_key_in_debug(monkeypatch, database):
    monkeypatch.setenv("FLASK_DEBUG", "1")
    app = create_app(database)
    assert app.debug
    assert app.config["SECRET_KEY"] == config.DEV_SECRET_KEY


def test_starts_with_the_development_key_when_testing(database):
    app = create_app(database | {"TESTING": True})
    assert app.config["SECRET_KEY"] == config.DEV_SECRET_KEY


def test_uses_the_secret_key_from_the_environment(monkeypatch, database):
    monkeypatch.setenv("SECRET_KEY", "a-real-production-secret")
    app = create_app(database)
    assert not app.debug and not app.testing
    assert app.config["SECRET_KEY"] == "a-real-production-secret"


# --- Reading the environment --------------------------------------------------------------------


@pytest.mark.parametrize(
    "url, expected",
    [
        ("postgres://u:p@h/db", "postgresql://u:p@h/db"),
        ("postgresql://u:p@h/db", "postgresql://u:p@h/db"),
        ("sqlite:////srv/sloty.sqlite3", "sqlite:////srv/sloty.sqlite3"),
    ],
)
def test_database_url_accepts_herokus_legacy_scheme(url, expected):
    assert config.from_environment({"DATABASE_URL": url})["SQLALCHEMY_DATABASE_URI"] == expected


def test_an_unset_database_url_leaves_the_default_to_the_factory():
    assert "SQLALCHEMY_DATABASE_URI" not in config.from_environment({})


def test_without_database_url_the_app_uses_sqlite_in_its_instance_folder():
    # Engines connect lazily: building the app creates no database file.
    app = create_app({"TESTING": True})
    assert app.config["SQLALCHEMY_DATABASE_URI"] == "sqlite:///" + os.path.join(app.instance_path, "sloty.sqlite3")


def test_the_factory_reads_database_url_from_the_environment(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgres://u:p@db.example.com/sloty")
    app = create_app({"TESTING": True})
    assert app.config["SQLALCHEMY_DATABASE_URI"] == "postgresql://u:p@db.example.com/sloty"


@pytest.mark.parametrize(
    "environ, redis_url, storage",
    [
        ({"REDIS_URL": "redis://cache:6379/0"}, "redis://cache:6379/0", "redis://cache:6379/0"),
        ({"REDIS_URL": ""}, None, "memory://"),
        ({}, None, "memory://"),
    ],
    ids=["set", "empty", "unset"],
)
def test_redis_is_optional_and_rate_limits_fall_back_to_memory(environ, redis_url, storage):
    settings = config.from_environment(environ)
    assert settings["REDIS_URL"] == redis_url
    assert settings["RATELIMIT_STORAGE_URI"] == storage


@pytest.mark.parametrize(
    "environ, base_domain",
    [({}, "localhost:5000"), ({"BASE_DOMAIN": "sloty.example.com"}, "sloty.example.com")],
    ids=["default", "set"],
)
def test_base_domain(environ, base_domain):
    assert config.from_environment(environ)["BASE_DOMAIN"] == base_domain


def test_secret_key_comes_from_the_environment_only_when_set():
    assert config.from_environment({"SECRET_KEY": "s3cret"})["SECRET_KEY"] == "s3cret"
    assert "SECRET_KEY" not in config.from_environment({})
    assert "SECRET_KEY" not in config.from_environment({"SECRET_KEY": ""})


def test_test_config_overrides_the_environment(monkeypatch, database):
    monkeypatch.setenv("BASE_DOMAIN", "from-the-environment.example")
    monkeypatch.setenv("REDIS_URL", "redis://from-the-environment:6379/0")
    app = create_app(database | {"TESTING": True, "BASE_DOMAIN": "sloty.test", "RATELIMIT_STORAGE_URI": "memory://"})
    assert app.config["BASE_DOMAIN"] == "sloty.test"
    assert app.config["RATELIMIT_STORAGE_URI"] == "memory://"
    assert app.config["REDIS_URL"] == "redis://from-the-environment:6379/0"


# --- What the factory wires up ------------------------------------------------------------------


@pytest.fixture
def built(database):
    return create_app(database | {"TESTING": True})


def test_the_blueprints_are_registered_under_their_prefixes(built):
    assert set(built.blueprints) == {"auth", "booking", "dashboard", "backoffice", "platform", "monitoring"}
    prefixes = {"dashboard": "/dashboard/", "backoffice": "/backoffice/"}
    for rule in built.url_map.iter_rules():
        blueprint = rule.endpoint.partition(".")[0]
        if blueprint in prefixes:
            assert rule.rule.startswith(prefixes[blueprint]), f"{rule.endpoint} is served at {rule.rule}"
    assert {"/login", "/logout", "/", "/signup"} <= {rule.rule for rule in built.url_map.iter_rules()}


def test_the_extensions_are_bound(built):
    assert built.extensions["sqlalchemy"] is db
    assert built.extensions["migrate"].migrate is migrate
    assert built.extensions["csrf"] is csrf
    assert limiter in built.extensions["limiter"]
    assert built.login_manager is login_manager


def test_sessions_stay_on_their_host(built):
    assert built.config["SESSION_COOKIE_DOMAIN"] is None


def test_the_session_cookie_names_no_domain(app, visitor):
    tenant = factories.tenant("acme")
    response = visitor(host_of(tenant)).get("/login")
    [cookie] = [header for header in response.headers.getlist("Set-Cookie") if header.startswith("session=")]
    assert "domain=" not in cookie.lower()
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


# --- Deployment files ---------------------------------------------------------------------------


def procfile() -> dict[str, str]:
    lines = (ROOT / "Procfile").read_text().splitlines()
    return dict(line.split(":", 1) for line in lines if line.strip() and not line.startswith("#"))


def test_procfile_runs_web_worker_and_release(built):
    processes = {name.strip(): command.strip() for name, command in procfile().items()}
    assert set(processes) == {"web", "worker", "release"}
    assert processes["web"].startswith("gunicorn ") and "wsgi:app" in processes["web"]
    assert processes["release"].startswith("flask ") and processes["release"].endswith("db upgrade")
    # The worker is RQ's, run directly or through ``flask sloty worker`` (RQ plus the outbox sweep).
    worker = processes["worker"]
    if not worker.startswith("rq worker"):
        assert worker.startswith("flask ") and worker.endswith("sloty worker"), worker
        assert "RQ" in built.cli.commands["sloty"].commands["worker"].help


def test_requirements_are_all_pinned():
    lines = [line.split("#")[0].strip() for line in (ROOT / "requirements.txt").read_text().splitlines()]
    requirements = [line for line in lines if line]
    assert requirements, "requirements.txt lists nothing"
    unpinned = [line for line in requirements if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._\-\[\],]*==[^=\s;]+", line)]
    assert unpinned == [], f"pin these with ==: {unpinned}"
