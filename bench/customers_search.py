"""Benchmark of the customer directory's search as customers grow: 5,000, then 50,000.

Seeds one practice (a front desk member, customers with varied names, emails and UK mobile numbers,
and one Grace Hopper on +447700900123) into its own PostgreSQL database, then for each size reports,
per search, the SQL statements per request and the in-process p50 (Flask test client, htmx requests
one at a time, signed in as the front desk), and PostgreSQL's plan for the directory's statement
(EXPLAIN ANALYZE) with the indexes it uses.

    .venv/bin/python bench/customers_search.py --database-url postgresql://postgres@127.0.0.1:5432/sloty_bench_customers

The database is dropped and created afresh, and dropped again at the end (``--keep`` leaves it).
"""
import argparse
import os
import random
import re
import time
from urllib.parse import urlencode

import availability as seeding  # bench/availability.py: database, statement counting, statistics (and app/ on the path)
from sqlalchemy.engine import make_url

from app.core.database import db
from app.core.tenancy import all_tenants, tenant_context
from app.modules import accounts, tenants

DEFAULT_DATABASE_URL = "postgresql://postgres@127.0.0.1:5432/sloty_bench_customers"
SIZES = (5_000, 50_000)
SLUG = "directory"
EMAIL, PASSWORD = "desk@example.com", "bench-password-1234"
FIRST = ("Olivia", "Amelia", "Isla", "Ava", "Mia", "Ivy", "Lily", "Freya", "Noah", "Oliver", "George", "Arthur",
         "Leo", "Harry", "Oscar", "Archie", "Henry", "Theo", "Jack", "Charlie", "Sofia", "Priya", "Mohammed", "Wei",
         "Aisha", "Kofi", "Mateo", "Yuki", "Lars", "Chloe", "Ben", "Nina", "Omar", "Zara", "Ruth", "Samuel")
LAST = ("Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Johnson", "Davies", "Patel", "Robinson", "Wright",
        "Thompson", "Evans", "Walker", "White", "Roberts", "Green", "Hall", "Wood", "Jackson", "Clarke", "Khan",
        "Okafor", "Nowak", "Martin", "Garcia", "Müller", "O'Brien", "Chen", "Singh", "Ahmed", "Lewis", "Hughes")
# What the front desk types: a phone number written three ways, a rare surname, a common fragment, an email.
SEARCHES = {
    "phone, national (07700 900123)": {"q": "07700 900123"},
    "phone, international (+44 7700-900-123)": {"q": "+44 7700-900-123"},
    "name, rare (hopper)": {"q": "hopper"},
    "name, common (smi)": {"q": "smi"},
    "email fragment (grace.h)": {"q": "grace.h"},
    "no search, page by name": {},
    "no search, newest first": {"sort": "newest"},
}


def customer_rows(tenant_id: int, start: int, count: int, rng: random.Random) -> list[dict]:
    rows = []
    for n in range(start, start + count):
        first, last = rng.choice(FIRST), rng.choice(LAST)
        rows.append({"tenant_id": tenant_id, "name": f"{first} {last}", "email": f"{first}.{last}.{n}@example.com".lower(),
                     "phone": f"+447{rng.randrange(100_000_000, 999_999_999)}" if n % 5 else None})
    return rows


def seed(app) -> int:
    with app.app_context():
        with all_tenants():
            tenant = tenants.create_tenant(db.session, slug=SLUG, name="Directory Bench", timezone="Europe/London",
                                           currency="GBP", actor=None)
            db.session.commit()
        with tenant_context(tenant):
            accounts.create_user(db.session, tenant, email=EMAIL, name="Front Desk", password=PASSWORD, role="staff")
            db.session.commit()
        tenant_id = tenant.id
        with db.engine.begin() as connection:
            connection.execute(db.metadata.tables["customers"].insert(), [{
                "tenant_id": tenant_id, "name": "Grace Hopper", "email": "grace.hopper@navy.example",
                "phone": "+447700900123"}])
        db.session.remove()
    return tenant_id


def grow(app, tenant_id: int, have: int, size: int, rng: random.Random) -> None:
    customers = db.metadata.tables["customers"]
    with app.app_context():
        with db.engine.begin() as connection:
            for start in range(have, size, 10_000):
                connection.execute(customers.insert(), customer_rows(tenant_id, start, min(10_000, size - start), rng))
            connection.exec_driver_sql("ANALYZE customers")


def measure(app, requests: int) -> dict[str, dict]:
    client = app.test_client()
    base = f"http://{SLUG}.sloty.test"
    signed_in = client.post("/login", data={"email": EMAIL, "password": PASSWORD}, base_url=base)
    assert signed_in.status_code in (302, 303), signed_in.status_code
    with app.app_context():
        engine = db.engine

    def get(params):
        response = client.get("/dashboard/customers?" + urlencode(params), base_url=base, headers={"HX-Request": "true"})
        body = response.get_data(as_text=True)
        if response.status_code != 200 or 'id="customer-directory"' not in body:
            raise SystemExit(f"unexpected answer for {params}: {response.status_code}\n{body[:500]}")
        return body

    results = {}
    for name, params in SEARCHES.items():
        get(params)  # warm up
        statements: list[str] = []
        with seeding.counting_statements(engine, statements):
            body = get(params)
        timings = []
        for _ in range(requests):
            began = time.perf_counter()
            get(params)
            timings.append(time.perf_counter() - began)
        directory = [s for s in statements if "FROM customers" in s and "LIMIT" in s]
        plan = explain(engine, directory[0])
        results[name] = {
            "statements": len(statements), "p50": seeding.percentile(timings, 50),
            "found": body.count('href="/dashboard/customers/'), "plan": plan,
            "indexes": sorted(set(re.findall(r"(?:on|using) (ix_customers\w+|uq_customers\w+|pk_customers)", plan))),
            "sql_ms": seeding.execution_ms(plan),
        }
    return results


def explain(engine, statement: str) -> str:
    """PostgreSQL's plan for ``statement`` (its values inlined), with real timings. Through the driver's
    own cursor, with no parameters, so the LIKE patterns' % signs are taken as written."""
    with engine.connect() as connection:
        cursor = connection.connection.dbapi_connection.cursor()
        cursor.execute("EXPLAIN (ANALYZE, COSTS OFF, TIMING ON) " + statement)
        return "\n".join(row[0] for row in cursor.fetchall())


def report(by_size: dict[int, dict]) -> None:
    print("\n" + "\n".join("  " + line for line in seeding.machine()))
    print(f"\n{'search':42} {'size':>7} {'stmts':>5} {'rows':>4} {'p50 ms':>7} {'SQL ms':>7}  indexes")
    for name in SEARCHES:
        for size, results in by_size.items():
            r = results[name]
            print(f"{name:42} {size:>7,} {r['statements']:>5} {r['found']:>4} {r['p50']:>7.1f} "
                  f"{(r['sql_ms'] or 0):>7.2f}  {', '.join(r['indexes']) or '—'}")
    largest = by_size[max(by_size)]
    for name in ("phone, national (07700 900123)", "name, common (smi)", "no search, page by name"):
        print(f"\nPlan at {max(by_size):,} customers, {name}:\n{largest[name]['plan']}")


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_DATABASE_URL))
    parser.add_argument("--requests", type=int, default=40, help="requests of each search per size")
    parser.add_argument("--keep", action="store_true", help="leave the database in place afterwards")
    args = parser.parse_args(argv)
    url = make_url(args.database_url)
    seeding.recreate_database(url)
    try:
        app = seeding.make_app(url.render_as_string(hide_password=False))
        app.config["WTF_CSRF_ENABLED"] = False  # the benchmark's one sign-in; every measured request is a GET
        seeding.migrate(app)
        tenant_id = seed(app)
        rng, have, by_size = random.Random(11), 1, {}
        for size in SIZES:
            grow(app, tenant_id, have, size, rng)
            have = size
            load = os.getloadavg()[0]
            print(f"{size:,} customers: measuring (1-minute load average {load:.1f})…", flush=True)
            by_size[size] = measure(app, args.requests)
        report(by_size)
    finally:
        if not args.keep:
            with app.app_context():
                db.engine.dispose()
            seeding.drop_database(url)


if __name__ == "__main__":
    main()
