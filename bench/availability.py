"""Benchmark of the slots fragment as appointments grow: 10,000, then 100,000.

Seeds one tenant (a London location, five providers, one service) into its own
PostgreSQL database, then for each size reports the SQL statements per request,
in-process p50/p95 latency (Flask test client), and requests per second under
gunicorn with two workers, measured on loopback by wrk (or, without wrk, by a
small thread-pool load generator).

    .venv/bin/python bench/availability.py --database-url postgresql://postgres@127.0.0.1:5432/sloty_bench

The database is dropped and created afresh, and dropped again at the end
(``--keep`` leaves it). Every request goes to 127.0.0.1 only.
"""
import argparse
import http.client
import math
import os
import platform
import random
import secrets
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from datetime import time as wall
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import sqlalchemy as sa  # noqa: E402
from flask_migrate import upgrade  # noqa: E402
from sqlalchemy import event  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from app import create_app
from app.core.database import db  # noqa: E402
from app.core.tenancy import all_tenants, tenant_context  # noqa: E402
from app.modules import availability, tenants  # noqa: E402
from app.modules.catalogue.models import Location, Provider, ProviderLocation, ProviderService, Service  # noqa: E402
from app.modules.schedules.models import WorkingHours  # noqa: E402

DEFAULT_DATABASE_URL = "postgresql://postgres@127.0.0.1:5432/sloty_bench"
ZONE = ZoneInfo("Europe/London")
SLUG = "bench"
PROVIDERS = 5
CUSTOMERS = 3_000
WORKDAYS = range(6)  # Monday to Saturday
OPENS, CLOSES = wall(8), wall(18)
DURATION, BUFFER = 30, 5  # minutes; each appointment blocks 40 minutes
PITCH = 45  # minutes between appointment starts: never overlapping
BUSY = 0.7  # share of a day's possible appointments that are booked
FUTURE_DAYS = 60  # the booking horizon: always as busy, whatever the history
CHUNK = 10_000


@dataclass
class Seeded:
    tenant_id: int
    location_id: int
    service_id: int
    provider_ids: list[int]
    customer_ids: list[int]
    next_day: int = 0  # position in the sequence of days appointments are laid on
    appointments: int = 0


@dataclass
class Result:
    appointments: int
    statements: int
    engine_statements: int
    slots: int
    p50: float
    p95: float
    cpu_p50: float
    engine_p50: float
    sql_ms: float | None
    rps: float | None  # the median of the load rounds
    rps_best: float | None
    load_tool: str
    load_detail: str


# The database


def recreate_database(url: sa.URL) -> None:
    drop_database(url, then_create=True)


def drop_database(url: sa.URL, *, then_create: bool = False) -> None:
    guard(url)
    engine = sa.create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{url.database}" WITH (FORCE)'))
        if then_create:
            connection.execute(sa.text(f'CREATE DATABASE "{url.database}"'))
    engine.dispose()


def guard(url: sa.URL) -> None:
    # This script drops its database: never let it near one it did not name for itself.
    if not (url.get_backend_name() == "postgresql" and (url.database or "").startswith("sloty_bench")):
        sys.exit(f"refusing to drop and recreate {url.database!r}: use a PostgreSQL database named sloty_bench…")


def make_app(url: str):
    return create_app({
        "SQLALCHEMY_DATABASE_URI": url,
        "SECRET_KEY": "bench-" + secrets.token_hex(16),
        "BASE_DOMAIN": "sloty.test",
        "REDIS_URL": None,
        "RATELIMIT_STORAGE_URI": "memory://",
    })


def migrate(app) -> None:
    with app.app_context():
        upgrade()


# Seeding


def seed_practice(app) -> Seeded:
    with app.app_context():
        with all_tenants():
            tenant = tenants.create_tenant(
                db.session, slug=SLUG, name="Bench Clinic", timezone="Europe/London", currency="GBP", actor=None
            )
            db.session.commit()
        with tenant_context(tenant):
            location = Location(tenant_id=tenant.id, name="High Street", address="1 High Street", timezone=ZONE.key)
            service = Service(
                tenant_id=tenant.id, name="Check-up", duration_minutes=DURATION, buffer_before_minutes=BUFFER,
                buffer_after_minutes=BUFFER, price=4500,
            )
            providers = [Provider(tenant_id=tenant.id, name=f"Provider {n + 1}") for n in range(PROVIDERS)]
            db.session.add_all([location, service, *providers])
            db.session.flush()
            for provider in providers:
                db.session.add(ProviderLocation(tenant_id=tenant.id, provider_id=provider.id, location_id=location.id))
                db.session.add(ProviderService(tenant_id=tenant.id, provider_id=provider.id, service_id=service.id))
                db.session.add_all(
                    WorkingHours(tenant_id=tenant.id, provider_id=provider.id, location_id=location.id, weekday=day,
                                 starts_at=OPENS, ends_at=CLOSES)
                    for day in WORKDAYS
                )
            db.session.commit()
            seeded = Seeded(tenant.id, location.id, service.id, [p.id for p in providers], [])
        customers = db.metadata.tables["customers"]
        rows = [
            {"tenant_id": seeded.tenant_id, "name": f"Customer {n}", "email": f"customer{n}@example.com"}
            for n in range(CUSTOMERS)
        ]
        with db.engine.begin() as connection:
            seeded.customer_ids = list(connection.execute(
                customers.insert().returning(customers.c.id, sort_by_parameter_order=True), rows
            ).scalars())
    return seeded


def day_sequence(today: date):
    """The days appointments are laid on: the booking horizon first, then ever further into the past."""
    for offset in range(FUTURE_DAYS):
        yield today + timedelta(days=offset)
    offset = 1
    while True:
        yield today - timedelta(days=offset)
        offset += 1


def appointment_rows(seeded: Seeded, today: date, now: datetime, count: int):
    """``count`` more appointments, one provider's never overlapping, on working days around ``today``."""
    rng = random.Random(seeded.next_day)
    days = day_sequence(today)
    for _ in range(seeded.next_day):
        next(days)
    made = 0
    while made < count:
        day = next(days)
        seeded.next_day += 1
        if day.weekday() not in WORKDAYS:
            continue
        opens = datetime.combine(day, OPENS, ZONE).astimezone(timezone.utc)
        closes = datetime.combine(day, CLOSES, ZONE).astimezone(timezone.utc)
        for provider_id in seeded.provider_ids:
            start = opens + timedelta(minutes=BUFFER)
            while start + timedelta(minutes=DURATION + BUFFER) <= closes and made < count:
                if rng.random() < BUSY:
                    ends = start + timedelta(minutes=DURATION)
                    yield {
                        "tenant_id": seeded.tenant_id, "location_id": seeded.location_id, "provider_id": provider_id,
                        "service_id": seeded.service_id, "starts_at": start, "ends_at": ends,
                        "blocked_from": start - timedelta(minutes=BUFFER), "blocked_until": ends + timedelta(minutes=BUFFER),
                        "status": status_for(start, now, rng), "capacity": 1, "price": 4500, "source": "online",
                        "manage_token": secrets.token_urlsafe(24),
                    }
                    made += 1
                start += timedelta(minutes=PITCH)


def status_for(start: datetime, now: datetime, rng: random.Random) -> str:
    roll = rng.random()
    if start > now:
        return "cancelled" if roll < 0.05 else "confirmed"
    return "cancelled" if roll < 0.10 else "no_show" if roll < 0.14 else "completed"


def add_appointments(app, seeded: Seeded, count: int) -> float:
    """Bulk-insert ``count`` appointments, each with its one participant; returns the seconds taken."""
    began = time.perf_counter()
    now = datetime.now(timezone.utc)
    today = now.astimezone(ZONE).date()
    with app.app_context():
        appointments = db.metadata.tables["appointments"]
        participants = db.metadata.tables["appointment_participants"]
        rows = appointment_rows(seeded, today, now, count)
        with db.engine.begin() as connection:
            while chunk := [row for _, row in zip(range(CHUNK), rows)]:
                ids = connection.execute(
                    appointments.insert().returning(appointments.c.id, sort_by_parameter_order=True), chunk
                ).scalars().all()
                connection.execute(participants.insert(), [
                    {
                        "tenant_id": seeded.tenant_id, "appointment_id": appointment_id,
                        "customer_id": seeded.customer_ids[(seeded.appointments + n) % len(seeded.customer_ids)],
                        "manage_token": secrets.token_urlsafe(24),
                        "cancelled_at": row["starts_at"] if row["status"] == "cancelled" else None,
                    }
                    for n, (appointment_id, row) in enumerate(zip(ids, chunk))
                ])
                seeded.appointments += len(chunk)
            connection.execute(sa.text("ANALYZE appointments, appointment_participants, customers"))
    return time.perf_counter() - began


# Measuring


def fragment_paths(seeded: Seeded, days: int = 14) -> list[str]:
    """The slots fragment for each working day of the next two weeks, "any provider"."""
    today = datetime.now(ZONE).date()
    working = [day for n in range(1, days + 1) if (day := today + timedelta(days=n)).weekday() in WORKDAYS]
    return [f"/services/{seeded.service_id}?location={seeded.location_id}&provider=any&day={day}" for day in working]


@contextmanager
def counting_statements(engine, statements: list):
    def count(conn, cursor, statement, parameters, context, executemany):
        statements.append(cursor.mogrify(statement, parameters).decode() if parameters else statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", count)


def measure_in_process(app, seeded: Seeded, requests: int, time_limit: float) -> dict:
    """Statements, p50 and p95 of the slots fragment through the Flask test client, one request at a time.

    No app context is held around the requests: each gets its own, and its own session, as under a server.
    """
    client = app.test_client()
    paths = fragment_paths(seeded)
    with app.app_context():
        engine = db.engine

    def get(path):
        response = client.get(path, base_url=f"http://{SLUG}.sloty.test", headers={"HX-Request": "true"})
        body = response.get_data(as_text=True)
        if response.status_code != 200 or 'class="slot"' not in body:
            raise SystemExit(f"unexpected answer from {path}: {response.status_code}\n{body[:1000]}")
        return body

    for path in paths:  # warm up: connections, template cache, PostgreSQL's buffers
        get(path)
    statements: list[str] = []
    with counting_statements(engine, statements):
        slots = get(paths[0]).count('class="slot"')
    timings, cpu = [], []
    deadline = time.perf_counter() + time_limit
    for n in range(requests):
        began, began_cpu = time.perf_counter(), time.process_time()
        get(paths[n % len(paths)])
        timings.append(time.perf_counter() - began)
        cpu.append(time.process_time() - began_cpu)  # this process's own work: blind to other processes' load
        if time.perf_counter() > deadline:
            break
    engine_statements, engine_timings = measure_engine(app, seeded, min(requests, 100))
    return {
        "statements": len(statements), "engine_statements": len(engine_statements), "slots": slots,
        "statement_sources": [source_of(statement) for statement in statements],
        "p50": percentile(timings, 50), "p95": percentile(timings, 95), "cpu_p50": percentile(cpu, 50),
        "engine_p50": percentile(engine_timings, 50),
        "samples": len(timings), "plan": explain(engine, [s for s in engine_statements if "FROM appointments" in s]),
    }


def measure_engine(app, seeded: Seeded, repeats: int) -> tuple[list[str], list[float]]:
    """The engine alone, for the week the fragment shows: its statements, and its time to load and compute."""
    now = datetime.now(timezone.utc)
    first_day = now.astimezone(ZONE).date() + timedelta(days=1)
    with app.app_context(), tenant_context(seeded.tenant_id):
        service = db.session.get(Service, seeded.service_id)
        location = db.session.get(Location, seeded.location_id)

        def week():
            return availability.load(
                db.session, service=service, location=location, first_day=first_day, last_day=first_day + timedelta(days=6)
            ).slots(now)

        statements: list[str] = []
        with counting_statements(db.engine, statements):
            week()
        timings = []
        for _ in range(repeats):
            began = time.perf_counter()
            week()
            timings.append(time.perf_counter() - began)
        db.session.remove()
    return statements, timings


def source_of(statement: str) -> str:
    """What a statement reads, in a few words: its FROM clause, shortened."""
    words = " ".join(statement.split())
    if " FROM " not in words:
        return words[:60]
    tables = words.split(" FROM ", 1)[1].split(" WHERE ", 1)[0]
    return tables if len(tables) <= 70 else tables[:67] + "…"


def explain(engine, statements: list[str]) -> str:
    """PostgreSQL's plan for the appointments statement, with real timings."""
    if not statements:
        return ""
    with engine.connect() as connection:
        rows = connection.exec_driver_sql("EXPLAIN (ANALYZE, COSTS OFF, TIMING ON) " + statements[0]).scalars()
        return "\n".join(rows)


def execution_ms(plan: str) -> float | None:
    """The "Execution Time" PostgreSQL measured for a plan."""
    line = next((line for line in plan.splitlines() if line.startswith("Execution Time:")), None)
    return float(line.split()[2]) if line else None


def percentile(values: list[float], p: int) -> float:
    """The p-th percentile in milliseconds (nearest rank)."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)] * 1000


def summarise(results: dict) -> dict:
    """Each result's timings (seconds) replaced by its p50 and p95 (milliseconds) and sample count."""
    for result in results.values():
        timings = result.pop("timings")
        result |= {"p50": percentile(timings, 50), "p95": percentile(timings, 95), "samples": len(timings)}
    return results


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def gunicorn(url: str, workers: int, *, app: str = "wsgi:app", env: dict | None = None, options: tuple = ()):
    """gunicorn serving ``app`` (sync workers) on a free loopback port; yields the port.

    ``env`` adds to the environment the server gets and ``options`` to its command line;
    ``GET /`` must answer 200 once it is up.
    """
    port = free_port()
    server_env = os.environ | {
        "DATABASE_URL": url, "SECRET_KEY": secrets.token_hex(32), "BASE_DOMAIN": f"sloty.test:{port}",
        "SESSION_COOKIE_SECURE": "false",
    } | (env or {})
    server_env.pop("REDIS_URL", None)
    log = tempfile.NamedTemporaryFile(prefix="bench-gunicorn-", suffix=".log", delete=False)
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-w", str(workers), "-b", f"127.0.0.1:{port}", *options, app],
        cwd=ROOT, env=server_env, stdout=log, stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                status, _ = fetch(port, f"{SLUG}.sloty.test:{port}", "/")
                if status == 200:
                    break
            except OSError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"gunicorn did not start; see {log.name}:\n{Path(log.name).read_text()[-2000:]}")
            time.sleep(0.2)
        yield port
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()
        os.unlink(log.name)


def fetch(port: int, host: str, path: str, headers: dict | None = None) -> tuple[int, int]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.request("GET", path, headers={"Host": host, **(headers or {})})
        response = connection.getresponse()
        return response.status, len(response.read())
    finally:
        connection.close()


def measure_under_gunicorn(url: str, seeded: Seeded, *, workers: int, connections: int, seconds: int, rounds: int) -> tuple:
    """Requests per second for the slots fragment, over ``rounds`` runs; returns ([rps…], tool, details)."""
    paths = fragment_paths(seeded)
    with gunicorn(url, workers) as port:
        host = f"{SLUG}.sloty.test:{port}"
        warm_up(port, host, paths, workers)
        runs = [load_run(port, host, paths, connections, seconds) for _ in range(rounds)]
    return [rps for rps, _, _ in runs], runs[0][1], [detail for _, _, detail in runs]


def warm_up(port: int, host: str, paths: list[str], workers: int) -> None:
    """Each path once per worker (as many times as workers): connections, caches, PostgreSQL's buffers."""
    for path in paths:
        for _ in range(workers):
            status, _ = fetch(port, host, path, {"HX-Request": "true"})
            if status != 200:
                raise SystemExit(f"warm-up: {path} answered {status}")


def load_run(port: int, host: str, paths: list[str], connections: int, seconds: int) -> tuple:
    """One load run rotating ``paths`` with ``HX-Request: true``: wrk if installed, else Python threads.

    Returns (req/s, tool, detail).
    """
    load = with_wrk if shutil.which("wrk") else with_threads
    return load(port, host, paths, connections, seconds)


WRK_SCRIPT = """
local paths = {%s}
local n = 0
wrk.headers["Host"] = "%s"
wrk.headers["HX-Request"] = "true"
request = function()
  n = n + 1
  return wrk.format("GET", paths[(n %% #paths) + 1])
end
"""


def with_wrk(port, host, paths, connections, seconds) -> tuple:
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(WRK_SCRIPT % (", ".join(f'"{p}"' for p in paths), host))
    try:
        run = subprocess.run(
            ["wrk", "-t", "1", "-c", str(connections), "-d", f"{seconds}s", "--latency", "-s", script.name,
             f"http://127.0.0.1:{port}/"],
            capture_output=True, text=True, timeout=seconds + 30, check=True,
        )
    finally:
        os.unlink(script.name)
    output = run.stdout
    if "Non-2xx or 3xx responses" in output:
        raise SystemExit(f"wrk saw errors:\n{output}")
    rps = float(next(line.split()[1] for line in output.splitlines() if line.startswith("Requests/sec:")))
    latency = {line.split()[0]: line.split()[1] for line in output.splitlines() if line.strip().startswith(("50%", "99%"))}
    detail = f"wrk -t1 -c{connections} -d{seconds}s: {rps:.1f} req/s, latency p50 {latency.get('50%')}, p99 {latency.get('99%')}"
    return rps, "wrk", detail


def with_threads(port, host, paths, connections, seconds, max_requests: int = 50_000) -> tuple:
    """A small load generator: ``connections`` threads, each one request at a time, for ``seconds``."""
    done, errors, lock = [0], [], threading.Lock()
    deadline = time.monotonic() + seconds

    def worker(offset):
        n = offset
        while time.monotonic() < deadline and done[0] < max_requests:
            status, _ = fetch(port, host, paths[n % len(paths)], {"HX-Request": "true"})
            with lock:
                done[0] += 1
                if status != 200:
                    errors.append(status)
            n += 1

    began = time.monotonic()
    threads = [threading.Thread(target=worker, args=(i,), daemon=True) for i in range(connections)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(seconds + 30)
    elapsed = time.monotonic() - began
    if errors:
        raise SystemExit(f"load generator saw {len(errors)} non-200 answers: {sorted(set(errors))}")
    rps = done[0] / elapsed
    return rps, "python threads", f"{connections} threads, {seconds}s: {done[0]} requests, {rps:.1f} req/s"


# Reporting


def machine() -> list[str]:
    cpu = next((line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name")), "?")
    memory = next((line.split()[1] for line in open("/proc/meminfo") if line.startswith("MemTotal")), "0")
    return [
        f"CPU: {cpu} × {os.cpu_count()}",
        f"memory: {int(memory) // 1024:,} MiB",
        f"Python {platform.python_version()}, load average {os.getloadavg()[0]:.2f}",
    ]


def report(results: list[Result], plans: dict[int, str], sources: list[str], server_version: str) -> None:
    print()
    for line in machine() + [f"PostgreSQL {server_version}"]:
        print("  " + line)
    print()
    header = ("appointments", "statements/req", "engine stmts", "slots", "p50 ms", "p95 ms", "CPU ms p50",
              "engine p50 ms", "appts SQL ms", "req/s median (best)")
    rows = [
        (f"{r.appointments:,}", str(r.statements), str(r.engine_statements), str(r.slots), f"{r.p50:.1f}",
         f"{r.p95:.1f}", f"{r.cpu_p50:.1f}", f"{r.engine_p50:.1f}", f"{r.sql_ms:.2f}" if r.sql_ms is not None else "?",
         f"{r.rps:.0f} ({r.rps_best:.0f}) {r.load_tool}" if r.rps else "not measured")
        for r in results
    ]
    widths = [max(len(h), *(len(row[i]) for row in rows)) for i, h in enumerate(header)]
    print(" | ".join(h.ljust(w) for h, w in zip(header, widths)))
    print("-+-".join("-" * w for w in widths))
    for row in rows:
        print(" | ".join(cell.rjust(w) for cell, w in zip(row, widths)))
    print()
    for r in results:
        print(f"  {r.appointments:,}: " + r.load_detail.replace("\n", "\n      "))
    if len(results) >= 2:
        first, last = results[0], results[-1]
        print(f"\n  {last.appointments / first.appointments:.0f}× the appointments: p50 {last.p50 / first.p50:.2f}×, "
              f"p95 {last.p95 / first.p95:.2f}×, CPU p50 {last.cpu_p50 / first.cpu_p50:.2f}×"
              + (f", req/s {last.rps / first.rps:.2f}×" if first.rps and last.rps else ""))
    print(f"\n  the statements of one fragment request at {results[-1].appointments:,}:")
    for n, source in enumerate(sources, 1):
        print(f"    {n}. FROM {source}")
    for size, plan in plans.items():
        print(f"\n  plan of the appointments statement at {size:,}:\n    " + plan.replace("\n", "\n    "))


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_DATABASE_URL),
                        help=f"a PostgreSQL database this script may drop and create (default {DEFAULT_DATABASE_URL})")
    parser.add_argument("--sizes", default="10000,100000", help="appointment counts to measure at, ascending")
    parser.add_argument("--requests", type=int, default=200, help="in-process requests per size")
    parser.add_argument("--time-limit", type=float, default=60, help="seconds at most for the in-process requests")
    parser.add_argument("--seconds", type=int, default=10, help="length of each gunicorn load run")
    parser.add_argument("--rounds", type=int, default=3, help="gunicorn load runs per size")
    parser.add_argument("--connections", type=int, default=4, help="concurrent connections of the load run")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument("--no-gunicorn", action="store_true", help="skip the load run")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    args = parser.parse_args(argv)
    sizes = sorted(int(size) for size in args.sizes.split(","))
    url = make_url(args.database_url)
    url_text = url.render_as_string(hide_password=False)

    print(f"database {url.render_as_string()} (dropped and created afresh)")
    recreate_database(url)
    try:
        app = make_app(url_text)
        migrate(app)
        seeded = seed_practice(app)
        with app.app_context():
            server_version = db.session.execute(sa.text("SHOW server_version")).scalar()
            db.session.remove()
        results, plans = [], {}
        for size in sizes:
            took = add_appointments(app, seeded, size - seeded.appointments)
            print(f"seeded {seeded.appointments:,} appointments (+{took:.1f}s); measuring in-process…", flush=True)
            load_before = os.getloadavg()[0]
            local = measure_in_process(app, seeded, args.requests, args.time_limit)
            plans[size], sources = local["plan"], local["statement_sources"]
            rps, tool, detail = [], "", f"{local['samples']} in-process requests; no load run"
            if not args.no_gunicorn:
                print(f"  {local['samples']} requests, p50 {local['p50']:.1f} ms; load runs under gunicorn…", flush=True)
                rps, tool, load_details = measure_under_gunicorn(
                    url_text, seeded, workers=args.workers, connections=args.connections, seconds=args.seconds,
                    rounds=args.rounds,
                )
                detail = f"{local['samples']} in-process requests; load rounds:\n" + "\n".join(load_details)
            detail += f"\n1-minute load average {load_before:.1f} before, {os.getloadavg()[0]:.1f} after"
            results.append(Result(
                seeded.appointments, local["statements"], local["engine_statements"], local["slots"], local["p50"],
                local["p95"], local["cpu_p50"], local["engine_p50"], execution_ms(local["plan"]),
                statistics.median(rps) if rps else None, max(rps, default=None), tool, detail,
            ))
        with app.app_context():
            db.engine.dispose()
        report(results, plans, sources, server_version)
    finally:
        if not args.keep:
            drop_database(url)


if __name__ == "__main__":
    main()
