"""``flask sloty …``: demo data, superadmins and tenants from the command line."""
from datetime import timedelta

import click
from flask import current_app

from app.core import clock
from app.core.database import db
from app.core.errors import DomainError
from app.core.tenancy import all_tenants
from app.core.transaction import unit_of_work
from app.modules import accounts, tenants

sloty = click.Group("sloty", help="Sloty administration commands.")


def _base_url(subdomain: str) -> str:
    return f"http://{subdomain}.{current_app.config['BASE_DOMAIN']}"


@sloty.command("demo")
def demo():
    """Create (once) the demo tenant, its data and a superadmin, and print how to sign in."""
    from app.modules.demo.seed import seed_demo

    with unit_of_work(db.session):
        summary = seed_demo(db.session, now=clock.now())
    click.echo(("Created" if summary.created else "Already present:") + f" demo tenant “{summary.tenant_slug}”.")
    click.echo(f"  Booking site: {_base_url(summary.tenant_slug)}/")
    click.echo(f"  Dashboard:    {_base_url(summary.tenant_slug)}/dashboard")
    click.echo(f"  Backoffice:   {_base_url('admin')}/")
    for role, email, password in summary.credentials:
        click.echo(f"  {role:<11} {email} / {password}")


@sloty.command("create-superadmin")
@click.option("--email", required=True)
@click.option("--name", default="Platform admin", show_default=True)
@click.password_option()
def create_superadmin(email: str, name: str, password: str):
    """Create a platform superadmin, who signs in on the admin host only."""
    with all_tenants():
        try:
            with unit_of_work(db.session):
                user = accounts.create_superadmin(db.session, email=email, name=name, password=password)
        except accounts.AccountError as error:
            raise click.ClickException(str(error)) from None
    click.echo(f"Superadmin {user.email} created. Sign in at {_base_url('admin')}/login")


@sloty.command("create-tenant")
@click.option("--slug", required=True, help="Subdomain of the booking site.")
@click.option("--name", required=True)
@click.option("--timezone", default="UTC", show_default=True)
@click.option("--currency", default="EUR", show_default=True)
@click.option("--owner-email", help="Create an owner account with this email.")
@click.option("--owner-name")
@click.option("--owner-password", help="Prompted for when --owner-email is given without it.")
def create_tenant(slug, name, timezone, currency, owner_email, owner_name, owner_password):
    """Create a tenant with its default booking policy and, optionally, an owner."""
    if owner_email and not owner_password:
        owner_password = click.prompt("Owner password", hide_input=True, confirmation_prompt=True)
    try:
        with unit_of_work(db.session):
            tenant = tenants.create_tenant(
                db.session, slug=slug, name=name, timezone=timezone, currency=currency,
                owner_email=owner_email, owner_name=owner_name, owner_password=owner_password, actor=None,
            )
    except DomainError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"Tenant {tenant.name} created: {_base_url(tenant.slug)}/")


@sloty.command("deactivate-cancelled")
def deactivate_cancelled():
    """Close every cancelled practice whose 30-day export window has passed (run daily from cron).
    Their status stays cancelled and their rows are kept; their sites answer 404."""
    from app.modules.tenants import status

    with all_tenants(), unit_of_work(db.session):
        closed = status.deactivate_expired(db.session, now=clock.now())
    click.echo(f"{len(closed)} cancelled practice(s) deactivated" + (": " + ", ".join(t.slug for t in closed) if closed else "."))


@sloty.command("dunning")
def dunning():
    """Suspend every practice still past due after the platform's grace period (run daily, or hourly, from
    cron; the worker's sweep does the same)."""
    from app.modules.billing import dunning as billing_dunning

    with all_tenants(), unit_of_work(db.session):
        suspended = billing_dunning.suspend_overdue(db.session, now=clock.now())
    click.echo(f"{len(suspended)} practice(s) suspended" + (": " + ", ".join(t.slug for t in suspended) if suspended else "."))


@sloty.command("worker")
@click.option("--sweep-every", type=float, default=None, help="Seconds between sweeps (default SWEEP_INTERVAL_SECONDS).")
@click.option("--lease", type=float, default=None,
              help="Seconds after which a message a worker left sending is queued again (default SENDING_LEASE_SECONDS).")
@click.option("--burst", is_flag=True, help="Sweep once, then stop when the queue is empty (for tests and one-off runs).")
def worker(sweep_every, lease, burst):
    """Run the notification worker: RQ jobs, retries, and the periodic sweep, in one process."""
    from app.modules.notifications import jobs

    jobs.run_worker(
        current_app._get_current_object(), sweep_every=sweep_every or current_app.config["SWEEP_INTERVAL_SECONDS"],
        lease=timedelta(seconds=lease) if lease else None, burst=burst,
    )


@sloty.command("send-due")
def send_due():
    """Send (without Redis) or enqueue (with it) every notification whose time has come. Idempotent."""
    from app.modules.notifications import jobs

    count = jobs.sweep()
    click.echo(f"{count} notification(s) {'enqueued' if current_app.config.get('REDIS_URL') else 'sent'}.")


def init_app(app) -> None:
    app.cli.add_command(sloty)
