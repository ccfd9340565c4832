"""Benchmark of the report pages as appointments grow: 10,000, then 100,000, the month reported fixed.

Seeds the availability benchmark's practice (bench/availability.py: one London location, five providers,
one service, a 45-minute grid of appointments 70% booked, laid on the next 60 days and then ever further
into the past), adds an owner, and at each size times every report page over last month (one request at
a time through the Flask test client, interleaved page by page so the machine's load falls on all alike),
with its statement count. The month's appointments are the same at both sizes; only the history around
it grows tenfold, which is what a report must not pay for.

    .venv/bin/python bench/reports.py --database-url postgresql://postgres@127.0.0.1:5432/sloty_bench_reports

The database is dropped and created afresh, and dropped again at the end (``--keep`` leaves it).
"""
import sys
from pathlib import Path

# bench/calendar.py is the standard library's calendar module's namesake: keep this folder off the path.
BENCH = Path(__file__).resolve().parent
sys.path[:] = [entry for entry in sys.path if Path(entry or ".").resolve() != BENCH]
sys.path.insert(0, str(BENCH.parent))

import argparse  # noqa: E402
import importlib.util  # noqa: E402
import os  # noqa: E402
import time  # noqa: E402


def _load_seeding():
    """bench/availability.py (database, seeding, statistics), loaded by its path."""
    spec = importlib.util.spec_from_file_location("bench_availability", BENCH / "availability.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


seeding = _load_seeding()

from sqlalchemy.engine import make_url  # noqa: E402

from app.core.database import db  # noqa: E402
from app.core.tenancy import tenant_context  # noqa: E402
from app.modules import accounts  # noqa: E402
from app.modules.tenants.models import Tenant  # noqa: E402

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


def measure(app, requests: int, time_limit: float) -> dict[str, dict]:
    owner = app.test_client()
    base = f"http://{seeding.SLUG}.sloty.test"
    signed_in = owner.post("/login", data={"email": EMAIL, "password": PASSWORD}, base_url=base)
    if signed_in.status_code != 303:
        raise SystemExit(f"could not sign in: {signed_in.status_code}")
    with app.app_context():
        engine = db.engine

    def get(path):
        response = owner.get(path + QUERY, base_url=base, buffered=True)
        body = response.get_data(as_text=True)
        if response.status_code != 200 or ("<table" not in body and not path.endswith(".csv")):
            raise SystemExit(f"unexpected answer from {path}: {response.status_code}\n{body[:1000]}")
        return body

    for path in PAGES.values():  # warm up: connections, template cache, PostgreSQL's buffers
        get(path)
    results = {}
    for name, path in PAGES.items():
        statements: list[str] = []
        with seeding.counting_statements(engine, statements):
            get(path)
        results[name] = {"statements": len(statements), "timings": []}
    deadline = time.perf_counter() + time_limit
    for _ in range(requests):
        for name, path in PAGES.items():
            began = time.perf_counter()
            get(path)
            results[name]["timings"].append(time.perf_counter() - began)
        if time.perf_counter() > deadline:
            break
    for result in results.values():
        timings = result.pop("timings")
        result |= {"p50": seeding.percentile(timings, 50), "p95": seeding.percentile(timings, 95), "samples": len(timings)}
    return results


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_DATABASE_URL),
                        help=f"a PostgreSQL database this script may drop and create (default {DEFAULT_DATABASE_URL})")
    parser.add_argument("--sizes", default="10000,100000", help="appointment counts to measure at, ascending")
    parser.add_argument("--requests", type=int, default=40, help="requests of each page per size")
    parser.add_argument("--time-limit", type=float, default=60, help="seconds at most for the requests of a size")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    args = parser.parse_args(argv)
    url = make_url(args.database_url)
    print(f"database {url.render_as_string()} (dropped and created afresh)")
    seeding.recreate_database(url)
    try:
        app = seeding.make_app(url.render_as_string(hide_password=False))
        app.config["WTF_CSRF_ENABLED"] = False  # the benchmark's one sign-in; every measured request is a GET
        seeding.migrate(app)
        seeded = seeding.seed_practice(app)
        add_owner(app, seeded)
        by_size = {}
        for size in sorted(int(size) for size in args.sizes.split(",")):
            took = seeding.add_appointments(app, seeded, size - seeded.appointments)
            load = os.getloadavg()[0]
            print(f"seeded {seeded.appointments:,} appointments (+{took:.1f}s); measuring…", flush=True)
            by_size[seeded.appointments] = measure(app, args.requests, args.time_limit)
            print(f"  1-minute load average {load:.1f} before, {os.getloadavg()[0]:.1f} after", flush=True)
        with app.app_context():
            db.engine.dispose()
        report(by_size)
    finally:
        if not args.keep:
            seeding.drop_database(url)


def report(by_size: dict[int, dict]) -> None:
    print("\n" + "\n".join(seeding.machine()))
    print("\n| appointments | page | statements | p50 ms | p95 ms | requests |\n|---|---|---|---|---|---|")
    for size, results in by_size.items():
        for name, r in results.items():
            print(f"| {size:,} | {name} | {r['statements']} | {r['p50']:.1f} | {r['p95']:.1f} | {r['samples']} |")
    small, large = min(by_size), max(by_size)
    if small != large:
        for name in by_size[small]:
            ratio = by_size[large][name]["p50"] / by_size[small][name]["p50"]
            print(f"{name}: p50 at {large:,} / p50 at {small:,} = {ratio:.2f} (target ≤ 1.5)")


if __name__ == "__main__":
    main()
