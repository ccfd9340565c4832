"""Benchmark of the calendar's day view as appointments grow: 10,000, then 100,000, against the slots
fragment measured in the same run.

Seeds the availability benchmark's practice (bench/availability.py: one London location, one service)
with 12 providers instead of 5, then for each size reports the SQL statements per request and the
in-process p50/p95 (Flask test client, one request at a time) of:

- the day view, ``GET /dashboard/calendar?date=…&location_id=…`` with ``HX-Request: true`` (the block
  a click on today/previous/next swaps in), for the 12 providers, signed in as front-desk staff;
- the week view of one provider, the same way;
- the slots fragment for "anyone available", as bench/availability.py requests it.

    .venv/bin/python bench/calendar_views.py --database-url postgresql://postgres@127.0.0.1:5432/sloty_bench_calendar

The database is dropped and created afresh, and dropped again at the end (``--keep`` leaves it).
"""
import argparse
import os
import time
from datetime import datetime, timedelta

import availability as seeding  # bench/availability.py: database, seeding, statistics (and app/ on the path)
from sqlalchemy.engine import make_url

from app.core.database import db
from app.core.tenancy import tenant_context
from app.modules import accounts
from app.modules.tenants.models import Tenant

DEFAULT_DATABASE_URL = "postgresql://postgres@127.0.0.1:5432/sloty_bench_calendar"
PROVIDERS = 12
EMAIL, PASSWORD = "desk@example.com", "bench-password-1234"


def add_front_desk(app, seeded) -> None:
    with app.app_context(), tenant_context(seeded.tenant_id):
        tenant = db.session.get(Tenant, seeded.tenant_id)
        accounts.create_user(db.session, tenant, email=EMAIL, name="Front Desk", password=PASSWORD, role="staff")
        db.session.commit()
        db.session.remove()


def working_days(days: int = 14) -> list:
    today = datetime.now(seeding.ZONE).date()
    return [day for n in range(1, days + 1) if (day := today + timedelta(days=n)).weekday() in seeding.WORKDAYS]


def paths(seeded) -> dict[str, list[str]]:
    days = working_days()
    where = f"location_id={seeded.location_id}"
    return {
        "day view (12 providers)": [f"/dashboard/calendar?date={day}&{where}" for day in days],
        "week view (1 provider)": [f"/dashboard/calendar/week?date={day}&{where}&provider_id={seeded.provider_ids[0]}"
                                   for day in days],
        "slots fragment (any of 12)": seeding.fragment_paths(seeded),
    }


def measure(app, seeded, requests: int, time_limit: float) -> dict[str, dict]:
    """Statements, p50 and p95 of each page, interleaved request by request so that the machine's load
    falls on all of them alike."""
    staff, customer = app.test_client(), app.test_client()
    base = f"http://{seeding.SLUG}.sloty.test"
    signed_in = staff.post("/login", data={"email": EMAIL, "password": PASSWORD}, base_url=base)
    if signed_in.status_code != 303:
        raise SystemExit(f"could not sign in: {signed_in.status_code}")
    with app.app_context():
        engine = db.engine
    pages = paths(seeded)

    def get(name, path):
        client = customer if name.startswith("slots") else staff
        response = client.get(path, base_url=base, headers={"HX-Request": "true"})
        body = response.get_data(as_text=True)
        marker = 'class="slot"' if name.startswith("slots") else 'class="cell'
        if response.status_code != 200 or marker not in body:
            raise SystemExit(f"unexpected answer from {path}: {response.status_code}\n{body[:1000]}")
        return body

    for name, rotation in pages.items():  # warm up: connections, template cache, PostgreSQL's buffers
        for path in rotation:
            get(name, path)
    results = {}
    for name, rotation in pages.items():
        statements: list[str] = []
        with seeding.counting_statements(engine, statements):
            body = get(name, rotation[0])
        results[name] = {"statements": len(statements), "timings": [], "blocks": body.count('class="block ')}
    deadline = time.perf_counter() + time_limit
    for n in range(requests):
        for name, rotation in pages.items():
            began = time.perf_counter()
            get(name, rotation[n % len(rotation)])
            results[name]["timings"].append(time.perf_counter() - began)
        if time.perf_counter() > deadline:
            break
    return seeding.summarise(results)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_DATABASE_URL),
                        help=f"a PostgreSQL database this script may drop and create (default {DEFAULT_DATABASE_URL})")
    parser.add_argument("--sizes", default="10000,100000", help="appointment counts to measure at, ascending")
    parser.add_argument("--requests", type=int, default=100, help="requests of each page per size")
    parser.add_argument("--time-limit", type=float, default=30, help="seconds at most for the requests of a size")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    args = parser.parse_args(argv)
    url = make_url(args.database_url)
    seeding.PROVIDERS = PROVIDERS  # read by seed_practice when it runs
    print(f"database {url.render_as_string()} (dropped and created afresh)")
    seeding.recreate_database(url)
    try:
        app = seeding.make_app(url.render_as_string(hide_password=False))
        app.config["WTF_CSRF_ENABLED"] = False  # the benchmark's one sign-in; every measured request is a GET
        seeding.migrate(app)
        seeded = seeding.seed_practice(app)
        add_front_desk(app, seeded)
        by_size = {}
        for size in sorted(int(size) for size in args.sizes.split(",")):
            took = seeding.add_appointments(app, seeded, size - seeded.appointments)
            load = os.getloadavg()[0]
            print(f"seeded {seeded.appointments:,} appointments (+{took:.1f}s); measuring…", flush=True)
            by_size[seeded.appointments] = measure(app, seeded, args.requests, args.time_limit)
            print(f"  1-minute load average {load:.1f} before, {os.getloadavg()[0]:.1f} after", flush=True)
        with app.app_context():
            db.engine.dispose()
        report(by_size)
    finally:
        if not args.keep:
            seeding.drop_database(url)


def report(by_size: dict[int, dict]) -> None:
    print("\n" + "\n".join(seeding.machine()))
    print("\n| appointments | page | statements | p50 ms | p95 ms | blocks | requests |\n|---|---|---|---|---|---|---|")
    for size, results in by_size.items():
        for name, r in results.items():
            print(f"| {size:,} | {name} | {r['statements']} | {r['p50']:.1f} | {r['p95']:.1f} | {r['blocks']} | {r['samples']} |")
    small, large = min(by_size), max(by_size)
    if small != large:
        for name in by_size[small]:
            ratio = by_size[large][name]["p50"] / by_size[small][name]["p50"]
            print(f"{name}: p50 at {large:,} / p50 at {small:,} = {ratio:.2f}")
    for size, results in by_size.items():
        day, slots = results["day view (12 providers)"]["p50"], results["slots fragment (any of 12)"]["p50"]
        print(f"at {size:,}: day view p50 / slots fragment p50 = {day / slots:.2f}")


if __name__ == "__main__":
    main()
