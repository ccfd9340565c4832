"""The floor for the slots fragment: a bare Flask app that runs the fragment's own SQL and nothing else.

For each request it checks out one connection from a plain SQLAlchemy engine with
``pool_pre_ping=True`` (as the app's engine has), runs the statements the real fragment sent for
that path, with the very parameters it sent, inside one transaction, fetches every row, commits,
and answers a fixed small HTML body. No ORM, no template, no availability engine, no tenancy.

Configured by the environment:

- ``BARE_DATABASE_URL``: the database (the bench's seeded one);
- ``BARE_STATEMENTS``: a JSON file written by ``bench/fragment_vs_bare.py``:
  ``{"<path>?<query>": [{"statement": …, "parameters": <tagged JSON>, "executemany": false,
  "sql": <the statement as psycopg2 sends it>}, …], …}``.

Run by ``bench/fragment_vs_bare.py`` under gunicorn (``bench.bare_app:app``); not part of Sloty.
At start-up every statement's parameters are decoded and rendered again by psycopg2, and must
give back, byte for byte, the SQL the fragment sent, or the app refuses to start.
"""
import base64
import json
import os
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from uuid import UUID

import sqlalchemy as sa
from flask import Flask, abort, request

BODY = '<div class="step" id="step"><p>bare</p></div>'


# Parameters to and from JSON, keeping their Python types (psycopg2 renders each type its own way).


def encode(value):
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, datetime):
        return {"$datetime": value.isoformat()}
    if isinstance(value, date):
        return {"$date": value.isoformat()}
    if isinstance(value, time):
        return {"$time": value.isoformat()}
    if isinstance(value, timedelta):
        return {"$timedelta": [value.days, value.seconds, value.microseconds]}
    if isinstance(value, Decimal):
        return {"$decimal": str(value)}
    if isinstance(value, UUID):
        return {"$uuid": str(value)}
    if isinstance(value, (bytes, bytearray, memoryview)):
        return {"$bytes": base64.b64encode(bytes(value)).decode()}
    if isinstance(value, tuple):
        return {"$tuple": [encode(v) for v in value]}
    if isinstance(value, list):
        return [encode(v) for v in value]
    if isinstance(value, dict):
        return {"$dict": {k: encode(v) for k, v in value.items()}}
    raise TypeError(f"cannot carry a {type(value).__name__} parameter to the bare app: {value!r}")


def decode(value):
    if isinstance(value, list):
        return [decode(v) for v in value]
    if not isinstance(value, dict):
        return value
    ((tag, inner),) = value.items()
    return {
        "$datetime": datetime.fromisoformat, "$date": date.fromisoformat, "$time": time.fromisoformat,
        "$timedelta": lambda parts: timedelta(*parts), "$decimal": Decimal, "$uuid": UUID,
        "$bytes": base64.b64decode, "$tuple": lambda items: tuple(decode(v) for v in items),
        "$dict": lambda items: {k: decode(v) for k, v in items.items()},
    }[tag](inner)


def load_statements(path: str) -> dict[str, list[tuple[str, object, bool, str]]]:
    with open(path) as handle:
        captured = json.load(handle)
    return {
        key: [(s["statement"], decode(s["parameters"]), s["executemany"], s["sql"]) for s in statements]
        for key, statements in captured.items()
    }


def check_rendering(engine, statements: dict) -> None:
    """Every decoded statement must render to exactly the SQL the fragment sent."""
    with engine.connect() as connection:
        cursor = connection.connection.dbapi_connection.cursor()
        for key, items in statements.items():
            for statement, parameters, executemany, sql in items:
                if executemany or not parameters:
                    continue
                rendered = cursor.mogrify(statement, parameters).decode()
                if rendered != sql:
                    raise RuntimeError(f"{key}: the replayed statement differs from the captured one:\n{rendered}\n≠\n{sql}")
        cursor.close()
        connection.rollback()


def create_app(database_url: str, statements_file: str) -> Flask:
    engine = sa.create_engine(database_url, pool_pre_ping=True)
    statements = load_statements(statements_file)
    check_rendering(engine, statements)
    bare = Flask(__name__)
    bare.config["ENGINE"] = engine

    @bare.get("/")
    def ready():
        return "ok"

    @bare.get("/services/<int:service_id>")
    def fragment(service_id):
        query = request.query_string.decode()
        replay = statements.get(f"{request.path}?{query}" if query else request.path)
        if replay is None:
            abort(404)
        with engine.connect() as connection:  # one checkout: one pre-ping
            with connection.begin():  # one transaction, committed
                for statement, parameters, executemany, _ in replay:
                    result = connection.exec_driver_sql(statement, parameters) if parameters else \
                        connection.exec_driver_sql(statement)
                    if not executemany and result.returns_rows:
                        result.fetchall()
        return BODY

    return bare


if os.environ.get("BARE_DATABASE_URL") and os.environ.get("BARE_STATEMENTS"):
    app = create_app(os.environ["BARE_DATABASE_URL"], os.environ["BARE_STATEMENTS"])
