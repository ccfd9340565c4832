"""The slots fragment against a bare Flask app running the same SQL, side by side under gunicorn.

Seeds a practice (``bench/availability.py``'s seeding) into its own PostgreSQL database, then:

1. captures, through the Flask test client, the exact SQL one fragment request sends for each
   path (``GET /services/<id>?location=…&provider=any&day=…`` with ``HX-Request: true``), with
   its parameters, and the request's real database round trips: pool checkouts (each pre-pings),
   BEGIN, the statements, COMMIT and ROLLBACK;
2. serves the real app (``wsgi:app``) and ``bench/bare_app.py`` (the same statements with the same
   parameters, one connection, one transaction, a fixed body) under gunicorn, 2 sync workers each;
3. loads each with the same load generator over the same rotating paths, for the same time,
   alternating between the two, several rounds, and reports the medians and their ratio.

    .venv/bin/python bench/fragment_vs_bare.py

The database (default ``sloty_bench_bare``) is dropped and created afresh, and dropped at the end
unless ``--keep``. Every request goes to 127.0.0.1 only.
"""
import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import availability as bench  # noqa: E402  (bench/availability.py: seeding, database, gunicorn, load)
import bare_app  # noqa: E402
import psycopg2.extensions as pg  # noqa: E402
import sqlalchemy as sa  # noqa: E402
from sqlalchemy import event  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from app.core.database import db  # noqa: E402

DEFAULT_DATABASE_URL = "postgresql://postgres@127.0.0.1:5432/sloty_bench_bare"
TARGET = 0.5


# Counting what a request really sends to PostgreSQL


@dataclass
class Trips:
    """What one request sent: psycopg2 sends BEGIN itself before the first statement of a
    transaction, and skips COMMIT/ROLLBACK when no transaction is open, so those are counted from
    the connection's transaction status, not from SQLAlchemy's calls."""
    statements: list = field(default_factory=list)  # (statement, parameters, executemany, sql as sent)
    checkouts: int = 0
    pings: int = 0
    begins: int = 0
    commits: int = 0
    rollbacks: int = 0

    @property
    def round_trips(self) -> int:
        # A client-side cursor (what SQLAlchemy uses) gets all rows in the execute's one answer.
        return self.pings + self.begins + len(self.statements) + self.commits + self.rollbacks

    def summary(self) -> str:
        return (f"{len(self.statements)} statements, {self.checkouts} checkout(s) with {self.pings} pre-ping(s), "
                f"{self.begins} BEGIN, {self.commits} COMMIT, {self.rollbacks} ROLLBACK = {self.round_trips} round trips")


def in_transaction(dbapi_connection) -> bool:
    return dbapi_connection.info.transaction_status in (pg.TRANSACTION_STATUS_INTRANS, pg.TRANSACTION_STATUS_INERROR)


@contextmanager
def counting_trips(engine):
    """Counts, on ``engine``, everything sent to the server while the block runs."""
    trips = Trips()
    pool = engine.pool

    def on_connect(dbapi_connection, record):
        record.info["bench_fresh"] = True  # SQLAlchemy skips the pre-ping of a brand-new connection

    def on_checkout(dbapi_connection, record, proxy):
        trips.checkouts += 1
        if engine.pool._pre_ping and not record.info.pop("bench_fresh", False):
            trips.pings += 1
            if in_transaction(dbapi_connection):  # the ping's SELECT 1 opened the transaction
                trips.begins += 1

    def on_execute(conn, cursor, statement, parameters, context, executemany):
        dbapi_connection = cursor.connection
        if not dbapi_connection.autocommit and not in_transaction(dbapi_connection):
            trips.begins += 1
        if executemany or not parameters:
            sql = statement
        else:
            sql = cursor.mogrify(statement, parameters).decode()
        trips.statements.append((statement, parameters, executemany, sql))

    def on_commit(conn):
        if in_transaction(conn.connection.dbapi_connection):
            trips.commits += 1

    def on_rollback(conn):
        if in_transaction(conn.connection.dbapi_connection):
            trips.rollbacks += 1

    def on_reset(dbapi_connection, record, reset_state):  # the pool's rollback on return
        if in_transaction(dbapi_connection):
            trips.rollbacks += 1

    listeners = [(pool, "connect", on_connect), (pool, "checkout", on_checkout), (pool, "reset", on_reset),
                 (engine, "before_cursor_execute", on_execute), (engine, "commit", on_commit),
                 (engine, "rollback", on_rollback)]
    for target, name, listener in listeners:
        event.listen(target, name, listener)
    try:
        yield trips
    finally:
        for target, name, listener in listeners:
            event.remove(target, name, listener)


# Capturing the fragment's SQL, and the bare app's


def get(client, path: str, *, base_url: str, expect: str):
    response = client.get(path, base_url=base_url, headers={"HX-Request": "true"})
    body = response.get_data(as_text=True)
    if response.status_code != 200 or expect not in body:
        raise SystemExit(f"unexpected answer from {path}: {response.status_code}\n{body[:1000]}")
    return body


def capture_fragment(app, paths: list[str]) -> dict[str, Trips]:
    """One counted test-client request per path, after one uncounted pass to warm everything up."""
    client = app.test_client()
    base_url = f"http://{bench.SLUG}.sloty.test"
    with app.app_context():
        engine = db.engine
    for path in paths:
        get(client, path, base_url=base_url, expect='class="slot"')
    captured = {}
    for path in paths:
        with counting_trips(engine) as trips:
            get(client, path, base_url=base_url, expect='class="slot"')
        captured[path] = trips
    return captured


def write_statements(captured: dict[str, Trips], path: Path) -> None:
    path.write_text(json.dumps({
        key: [{"statement": s, "parameters": bare_app.encode(p), "executemany": m, "sql": sql}
              for s, p, m, sql in trips.statements]
        for key, trips in captured.items()
    }, indent=1))


def capture_bare(url: str, statements_file: Path, paths: list[str]) -> dict[str, Trips]:
    """The bare app's own round trips, counted the same way; its SQL must be the fragment's."""
    app = bare_app.create_app(url, str(statements_file))
    engine = app.config["ENGINE"]
    client = app.test_client()
    for path in paths:
        get(client, path, base_url="http://127.0.0.1", expect=bare_app.BODY)
    captured = {}
    for path in paths:
        with counting_trips(engine) as trips:
            get(client, path, base_url="http://127.0.0.1", expect=bare_app.BODY)
        captured[path] = trips
    engine.dispose()
    return captured


# CPU of a gunicorn's workers, from /proc: less sensitive to other processes' load than req/s


def workers_of(pid_file: Path) -> list[int]:
    master = pid_file.read_text().strip()
    children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    return [int(pid) for pid in children]


def cpu_seconds(pids: list[int]) -> float:
    """User plus system CPU of these processes so far."""
    total = 0
    for pid in pids:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / os.sysconf("SC_CLK_TCK")


# Reporting


def spread(values) -> str:
    values = list(values)
    low, high = min(values), max(values)
    return f"{low:g}" if low == high else f"{low:g}–{high:g}"


def machine_facts(server_version: str) -> dict:
    cpu = next((line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name")), "?")
    gunicorn_version = subprocess.run([sys.executable, "-m", "gunicorn", "--version"], capture_output=True,
                                      text=True).stdout.strip() or "?"
    wrk = "python threads (wrk not installed)"
    if bench.shutil.which("wrk"):
        out = subprocess.run(["wrk", "--version"], capture_output=True, text=True)
        wrk = (out.stdout or out.stderr).splitlines()[0].split(" [")[0] if (out.stdout or out.stderr) else "wrk"
    return {"cpu": cpu, "cores": os.cpu_count(), "python": platform.python_version(),
            "postgresql": server_version, "gunicorn": gunicorn_version, "load tool": wrk}


def app_version() -> str:
    """The commit, and whether app/ has uncommitted changes (other engineers edit it while this runs)."""
    def git(*args):
        return subprocess.run(["git", *args], cwd=bench.ROOT, capture_output=True, text=True).stdout.strip()
    head = git("rev-parse", "--short", "HEAD") or "?"
    return head + (" + uncommitted changes in app/" if git("status", "--porcelain", "--", "app") else "")


def app_sources_stamp() -> float:
    """The newest modification time under app/: if it moves during a run, the figures mix versions."""
    return max((f.stat().st_mtime for f in (bench.ROOT / "app").rglob("*") if f.is_file() and "__pycache__" not in f.parts),
               default=0)


def load_average() -> str:
    return " ".join(f"{value:.2f}" for value in os.getloadavg())


def wait_for_quiet(threshold: float, longest: float) -> None:
    """Wait (up to ``longest`` seconds) for the 1-minute load average to fall below ``threshold``."""
    deadline = time.monotonic() + longest
    while os.getloadavg()[0] >= threshold and time.monotonic() < deadline:
        print(f"  load average {load_average()}: waiting for it to fall below {threshold}…", flush=True)
        time.sleep(15)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=os.environ.get("BENCH_BARE_DATABASE_URL", DEFAULT_DATABASE_URL),
                        help=f"a PostgreSQL database this script may drop and create (default {DEFAULT_DATABASE_URL})")
    parser.add_argument("--appointments", type=int, default=10_000, help="appointments to seed")
    parser.add_argument("--seconds", type=int, default=15, help="length of each measured load run")
    parser.add_argument("--warmup", type=int, default=5, help="length of the unmeasured load run before them")
    parser.add_argument("--rounds", type=int, default=3, help="measured runs of each server (alternating)")
    parser.add_argument("--connections", type=int, default=4, help="concurrent connections of the load runs")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers of each server")
    parser.add_argument("--quiet-below", type=float, default=1.5,
                        help="before loading, wait for the 1-minute load average to fall below this")
    parser.add_argument("--quiet-wait", type=float, default=120, help="seconds at most to wait for that")
    parser.add_argument("--statements-out", type=Path, help="keep the captured statements (JSON) at this path")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    args = parser.parse_args(argv)
    url = make_url(args.database_url)
    url_text = url.render_as_string(hide_password=False)

    print(f"database {url.render_as_string()} (dropped and created afresh)", flush=True)
    bench.recreate_database(url)
    stamp, version = app_sources_stamp(), app_version()
    statements_file = args.statements_out or Path(tempfile.mkstemp(prefix="bench-bare-", suffix=".json")[1])
    try:
        app = bench.make_app(url_text)
        bench.migrate(app)
        seeded = bench.seed_practice(app)
        took = bench.add_appointments(app, seeded, args.appointments)
        print(f"seeded {seeded.appointments:,} appointments ({took:.1f}s)", flush=True)
        with app.app_context():
            server_version = db.session.execute(sa.text("SHOW server_version")).scalar()
            db.session.remove()
        paths = bench.fragment_paths(seeded)

        fragment = capture_fragment(app, paths)
        with app.app_context():
            db.engine.dispose()
        write_statements(fragment, statements_file)
        bare = capture_bare(url_text, statements_file, paths)
        for path in paths:
            if [s[3] for s in bare[path].statements] != [s[3] for s in fragment[path].statements]:
                raise SystemExit(f"{path}: the bare app did not send the fragment's SQL")
        print(f"captured {len(paths)} paths: fragment {fragment[paths[0]].summary()}; "
              f"bare {bare[paths[0]].summary()}", flush=True)

        wait_for_quiet(args.quiet_below, args.quiet_wait)
        load_before = load_average()
        began = datetime.now().astimezone()
        rps = {"fragment": [], "bare": []}
        cpu_ms = {"fragment": [], "bare": []}
        details = []
        pid_dir = Path(tempfile.mkdtemp(prefix="bench-bare-pids-"))
        pid_files = {name: pid_dir / f"{name}.pid" for name in rps}
        with ExitStack() as servers:
            servers.callback(lambda: [f.unlink(missing_ok=True) for f in pid_files.values()] and pid_dir.rmdir())
            ports = {
                "fragment": servers.enter_context(bench.gunicorn(
                    url_text, args.workers, options=("--pid", str(pid_files["fragment"])))),
                "bare": servers.enter_context(bench.gunicorn(url_text, args.workers, app="bench.bare_app:app", env={
                    "BARE_DATABASE_URL": url_text, "BARE_STATEMENTS": str(statements_file),
                }, options=("--pid", str(pid_files["bare"])))),
            }
            pids = {name: workers_of(pid_files[name]) for name in rps}
            hosts = {name: f"{bench.SLUG}.sloty.test:{port}" for name, port in ports.items()}
            for name in ("fragment", "bare"):
                bench.warm_up(ports[name], hosts[name], paths, args.workers)
                if args.warmup:
                    bench.load_run(ports[name], hosts[name], paths, args.connections, args.warmup)
            print(f"load runs: {args.rounds} × {args.seconds}s each, alternating; load average {load_before}",
                  flush=True)
            for n in range(args.rounds):
                order = ("fragment", "bare") if n % 2 == 0 else ("bare", "fragment")
                for name in order:
                    cpu_before = cpu_seconds(pids[name])
                    value, tool, detail = bench.load_run(ports[name], hosts[name], paths, args.connections,
                                                         args.seconds)
                    served = value * args.seconds
                    cpu_ms[name].append((cpu_seconds(pids[name]) - cpu_before) * 1000 / max(served, 1))
                    rps[name].append(value)
                    details.append(f"round {n + 1} {name:8}: {detail}; workers' CPU {cpu_ms[name][-1]:.1f} ms/request")
                    print("  " + details[-1], flush=True)
        load_after = load_average()
        changed = app_sources_stamp() != stamp
        report(args, seeded, paths, fragment, bare, rps, cpu_ms, details, machine_facts(server_version), began,
               load_before, load_after, version, changed)
    finally:
        if not args.statements_out:
            statements_file.unlink(missing_ok=True)
        if not args.keep:
            bench.drop_database(url)


def report(args, seeded, paths, fragment, bare, rps, cpu_ms, details, facts, began, load_before, load_after,
           version, changed) -> None:
    median = {name: statistics.median(values) for name, values in rps.items()}
    ratio = median["fragment"] / median["bare"]
    rounds = {name: ", ".join(f"{v:.0f}" for v in values) for name, values in rps.items()}
    cpu = {name: statistics.median(values) for name, values in cpu_ms.items()}

    def per_request(captured, attribute):
        return spread(getattr(trips, attribute) if attribute != "statements" else len(trips.statements)
                      for trips in captured.values())

    rows = [
        ("req/s, median of rounds", f"**{median['fragment']:.0f}**", f"**{median['bare']:.0f}**",
         f"**{ratio:.2f}** (target ≥ {TARGET})"),
        ("req/s, each round", rounds["fragment"], rounds["bare"],
         ", ".join(f"{f / b:.2f}" for f, b in zip(rps["fragment"], rps["bare"]))),
        ("gunicorn workers' CPU ms / request, median", f"{cpu['fragment']:.1f}", f"{cpu['bare']:.1f}",
         f"{cpu['bare'] / cpu['fragment']:.2f} (bare / fragment)"),
        ("statements / request", per_request(fragment, "statements"), per_request(bare, "statements"), ""),
        ("connection checkouts (= pre-pings) / request", per_request(fragment, "checkouts"),
         per_request(bare, "checkouts"), ""),
        ("BEGIN / COMMIT / ROLLBACK / request",
         f"{per_request(fragment, 'begins')} / {per_request(fragment, 'commits')} / {per_request(fragment, 'rollbacks')}",
         f"{per_request(bare, 'begins')} / {per_request(bare, 'commits')} / {per_request(bare, 'rollbacks')}", ""),
        ("database round trips / request", f"**{per_request(fragment, 'round_trips')}**",
         f"**{per_request(bare, 'round_trips')}**", ""),
    ]
    print()
    print(f"### Run of {began:%Y-%m-%d %H:%M %Z}: ratio {ratio:.2f}")
    print()
    if changed:
        print("**Warning: files under app/ changed during this run; the captured SQL and the served app may differ. "
              "Run it again.**")
        print()
    print(f"App at {version}. {seeded.appointments:,} appointments; {len(paths)} paths rotating; gunicorn {args.workers} sync workers "
          f"each; {facts['load tool']} with {args.connections} connections, {args.rounds} rounds × {args.seconds} s "
          f"per server after a {args.warmup} s warm-up, alternating; 1-minute/5/15 load average {load_before} "
          f"before, {load_after} after.")
    print()
    print("| | fragment (`wsgi:app`) | bare (`bench/bare_app.py`) | fragment / bare |")
    print("|---|---:|---:|---:|")
    for row in rows:
        print("| " + " | ".join(row) + " |")
    print()
    print("| machine | |")
    print("|---|---|")
    print(f"| CPU | {facts['cpu']}, {facts['cores']} cores (shared with other engineers' work) |")
    print(f"| Python | {facts['python']} |")
    print(f"| PostgreSQL | {facts['postgresql']}, same machine, loopback TCP |")
    print(f"| server | {facts['gunicorn']} |")
    print(f"| load tool | {facts['load tool']} |")
    print()
    rps_ratios = ", ".join(f"{f / b:.2f}" for f, b in zip(rps["fragment"], rps["bare"]))
    print("One line for the history table in docs/PERFORMANCE.md:")
    print()
    print(f"| {began:%Y-%m-%d} | {seeded.appointments:,} | {median['fragment']:.0f} | {median['bare']:.0f} | "
          f"{ratio:.2f} | {rps_ratios} | {cpu['fragment']:.1f} / {cpu['bare']:.1f} | {per_request(fragment, 'statements')} / {per_request(bare, 'statements')} | "
          f"{per_request(fragment, 'round_trips')} / {per_request(bare, 'round_trips')} | "
          f"{load_before.split()[0]} → {load_after.split()[0]} | |")
    print()
    print("The fragment's round trips, per path:")
    for path in paths:
        print(f"  {path}: {fragment[path].summary()}")
    print("The statements of the first path:")
    for n, (statement, *_ ) in enumerate(fragment[paths[0]].statements, 1):
        print(f"  {n}. FROM {bench.source_of(statement)}")
    print("Load runs:")
    for line in details:
        print("  " + line)


if __name__ == "__main__":
    main()
