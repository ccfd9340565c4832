"""Benchmark of the report pages over a practice of 10,000 appointments and one of 100,000, side by side.

Seeds the availability benchmark's practice (bench/availability.py: one London location, five providers,
one service, a 45-minute grid of appointments 70% booked, laid on the next 60 days and then ever further
into the past) twice in one database, each with an owner: one practice grown to 10,000 appointments, the
other to 100,000. Last month's appointments are the same in both; only the history around it is ten times
longer, which is what a report must not pay for. Every report page over last month is then timed in both,
one request at a time through the Flask test client, interleaved request by request (this page here, then
there), so that the shared machine's load falls on both sizes alike; with each page's statement count.

    .venv/bin/python bench/reports.py --database-url postgresql://postgres@127.0.0.1:5432/sloty_bench_reports

The database is dropped and created afresh, and dropped again at the end (``--keep`` leaves it).
"""
import argparse
import os
import time

import availability as seeding  # bench/availability.py: database, seeding, statistics (and app/ on the path)
import sqlalchemy as sa
from sqlalchemy.engine import make_url

from app.core.database import db
from app.core.tenancy import tenant_context
from app.modules import accounts
from app.modules.tenants.models import Tenant

DEFAULT_DATABASE_URL = "postgresql://postgres@127.0.0.1:5432/sloty_bench_reports"
EMAIL, PASSWORD = "owner@example.com", "bench-password-1234"
PAGES = {
    "appointments by status": "/dashboard/reports",
    "utilisation": "/dashboard/reports/utilisation",
    "revenue": "/dashboard/reports/revenue",
    "new and returning": "/dashboard/reports/customers",
    "lead time": "/dashboard/reports/lead-time",
    "busiest hours": "/dashboard/reports/busiest-hours",
    "revenue CSV": "/dashboard/reports/revenue.csv",
}
QUERY = "?preset=last_month"


def add_owner(app, seeded) -> None:
    with app.app_context(), tenant_context(seeded.tenant_id):
        tenant = db.session.get(Tenant, seeded.tenant_id)
        accounts.create_user(db.session, tenant, email=EMAIL, name="Owner", password=PASSWORD, role="owner")
        db.session.commit()
        db.session.remove()


def seed(app, slug: str, size: int):
    """A practice ``slug`` with its owner and ``size`` appointments."""
    seeding.SLUG = slug  # read by seed_practice when it runs
    seeded = seeding.seed_practice(app)
    add_owner(app, seeded)
    took = seeding.add_appointments(app, seeded, size)
    print(f"seeded {slug}: {seeded.appointments:,} appointments ({took:.1f}s)", flush=True)
    return seeded


def vacuum(url) -> None:
    """VACUUM ANALYZE the tables the reports read, as autovacuum does after a table's bulk inserts (PostgreSQL
    13+): with the visibility map set, the customers report reads a range's bookings from an index alone
    (0011_report_indexes). Without it, freshly seeded, PostgreSQL scans every booking instead."""
    engine = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(sa.text("VACUUM ANALYZE appointments, appointment_participants, customers"))
    engine.dispose()


def measure(app, slugs: dict[int, str], requests: int, time_limit: float) -> dict[tuple[int, str], dict]:
    """Statements, p50 and p95 of each page in each practice (by size), interleaved request by request."""
    owners = {}
    for size, slug in slugs.items():
        owner = owners[size] = app.test_client()
        signed_in = owner.post("/login", data={"email": EMAIL, "password": PASSWORD}, base_url=f"http://{slug}.sloty.test")
        if signed_in.status_code != 303:
            raise SystemExit(f"could not sign in at {slug}: {signed_in.status_code}")
    with app.app_context():
        engine = db.engine

    def get(size, path):
        response = owners[size].get(path + QUERY, base_url=f"http://{slugs[size]}.sloty.test", buffered=True)
        body = response.get_data(as_text=True)
        if response.status_code != 200 or ("<table" not in body and not path.endswith(".csv")):
            raise SystemExit(f"unexpected answer from {path}: {response.status_code}\n{body[:1000]}")
        return body

    for size in slugs:  # warm up: connections, template cache, PostgreSQL's buffers
        for path in PAGES.values():
            get(size, path)
    results = {}
    for name, path in PAGES.items():
        for size in slugs:
            statements: list[str] = []
            with seeding.counting_statements(engine, statements):
                get(size, path)
            results[(size, name)] = {"statements": len(statements), "timings": []}
    deadline = time.perf_counter() + time_limit
    for n in range(requests):
        for name, path in PAGES.items():
            for size in (slugs if n % 2 == 0 else reversed(slugs)):  # neither size always goes first
                began = time.perf_counter()
                get(size, path)
                results[(size, name)]["timings"].append(time.perf_counter() - began)
        if time.perf_counter() > deadline:
            break
    return seeding.summarise(results)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_DATABASE_URL),
                        help=f"a PostgreSQL database this script may drop and create (default {DEFAULT_DATABASE_URL})")
    parser.add_argument("--sizes", default="10000,100000", help="the two practices' appointment counts")
    parser.add_argument("--requests", type=int, default=60, help="requests of each page in each practice")
    parser.add_argument("--time-limit", type=float, default=120, help="seconds at most for the timed requests")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument("--no-vacuum", action="store_true", help="measure straight after seeding, unvacuumed")
    args = parser.parse_args(argv)
    url = make_url(args.database_url)
    print(f"database {url.render_as_string()} (dropped and created afresh)")
    seeding.recreate_database(url)
    try:
        app = seeding.make_app(url.render_as_string(hide_password=False))
        app.config["WTF_CSRF_ENABLED"] = False  # the benchmark's sign-ins; every measured request is a GET
        seeding.migrate(app)
        sizes = sorted(int(size) for size in args.sizes.split(","))
        slugs = {size: f"bench{size}" for size in sizes}
        for size, slug in slugs.items():
            seed(app, slug, size)
        if not args.no_vacuum:
            vacuum(url)
        load = os.getloadavg()[0]
        print("measuring…", flush=True)
        results = measure(app, slugs, args.requests, args.time_limit)
        print(f"  1-minute load average {load:.1f} before, {os.getloadavg()[0]:.1f} after", flush=True)
        with app.app_context():
            db.engine.dispose()
        report(results, sizes)
    finally:
        if not args.keep:
            seeding.drop_database(url)


def report(results: dict[tuple[int, str], dict], sizes: list[int]) -> None:
    print("\n" + "\n".join(seeding.machine()))
    print("\n| appointments | page | statements | p50 ms | p95 ms | requests |\n|---|---|---|---|---|---|")
    for size in sizes:
        for name in PAGES:
            r = results[(size, name)]
            print(f"| {size:,} | {name} | {r['statements']} | {r['p50']:.1f} | {r['p95']:.1f} | {r['samples']} |")
    small, large = sizes[0], sizes[-1]
    if small != large:
        for name in PAGES:
            ratio = results[(large, name)]["p50"] / results[(small, name)]["p50"]
            print(f"{name}: p50 at {large:,} / p50 at {small:,} = {ratio:.2f} (target ≤ 1.5)")


if __name__ == "__main__":
    main()
