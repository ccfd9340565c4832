"""Which site a request's host names: a tenant's booking site and dashboard, or the backoffice."""
from dataclasses import dataclass

from flask import abort, current_app, g, redirect, request, url_for
from sqlalchemy import bindparam, select
from werkzeug.local import LocalProxy

from app.core import tenancy
from app.core.database import db
from app.modules.tenants import RESERVED_SLUGS
from app.modules.tenants.models import Tenant
from app.web.errors import render_error

# Every request runs one of these: built once, and reused.
_TENANT_AT_SLUG = tenancy.reused(select(Tenant).where(Tenant.slug == bindparam("slug")))
_TENANT_AT_DOMAIN = tenancy.reused(select(Tenant).where(Tenant.custom_domain == bindparam("domain")))

TENANT_BLUEPRINTS = frozenset({"auth", "booking", "dashboard"})
BACKOFFICE_BLUEPRINTS = frozenset({"auth", "backoffice", "monitoring"})
PLATFORM_BLUEPRINTS = frozenset({"platform"})


@dataclass(frozen=True)
class Site:
    tenant: Tenant | None  # None: the backoffice, or the platform's own public site
    is_platform: bool = False  # www.<base> and <base>: where practices sign up

    @property
    def is_backoffice(self) -> bool:
        return self.tenant is None and not self.is_platform

    @property
    def blueprints(self) -> frozenset[str]:
        if self.is_platform:
            return PLATFORM_BLUEPRINTS
        return BACKOFFICE_BLUEPRINTS if self.is_backoffice else TENANT_BLUEPRINTS

    @property
    def scope(self) -> tenancy.Scope:
        # The platform site reads no tenant's rows; it only creates new practices.
        return tenancy.ALL_TENANTS if self.tenant is None else tenancy.Scope(self.tenant.id)


def resolve(host: str, base_domain: str) -> Site | None:
    """The site served at ``host``, or None when no site lives there."""
    host = host.lower().rstrip(".")
    base = base_domain.lower()
    if host == f"admin.{base}":
        return Site(tenant=None)
    if host in (base, f"www.{base}"):
        return Site(tenant=None, is_platform=True)
    if host.endswith(f".{base}"):
        slug = host.removesuffix(f".{base}")
        if "." in slug or slug in RESERVED_SLUGS:
            return None
        tenant = db.session.scalar(_TENANT_AT_SLUG, {"slug": slug})
    else:
        domain = host.split(":", 1)[0]
        tenant = db.session.scalar(_TENANT_AT_DOMAIN, {"domain": domain})
    # A cancelled practice past its export window is closed, though its rows are kept.
    return Site(tenant=tenant) if tenant and tenant.deactivated_at is None else None


def _site() -> Site:
    return g.site


def current_site_key() -> str:
    """The resolved site as a stable key (rate limits): the host's spelling plays no part."""
    site = g.get("site")
    if site is None:
        return f"unresolved:{request.host.lower().rstrip('.')}"
    if site.tenant is None:
        return "platform" if site.is_platform else "backoffice"
    return f"tenant:{site.tenant.id}"


current_site: Site = LocalProxy(_site)  # type: ignore[assignment]
current_tenant: Tenant = LocalProxy(lambda: g.site.tenant)  # type: ignore[assignment]


def _enter_site():
    if request.endpoint == "static":
        return None
    site = resolve(request.host, current_app.config["BASE_DOMAIN"])
    if site is None:
        abort(404, description="No practice lives at this address.")
    g.site = site
    g.scope_token = tenancy.enter(site.scope)
    if request.routing_exception is not None:
        return None  # a 404, 405 or slash redirect: Flask answers it
    if request.blueprint not in site.blueprints:
        if site.tenant is None and request.path == "/":
            return redirect(url_for("platform.sign_up" if site.is_platform else "backoffice.index"))
        abort(404)
    if request.blueprint == "booking" and request.endpoint not in BRANDING and not site.tenant.is_active:
        return closed_booking_site(site.tenant)
    return None


# The dashboard's own pages use the practice's logo and colour, whatever its status.
BRANDING = frozenset({"booking.logo", "booking.brand_css"})


def closed_booking_site(tenant: Tenant):
    """What every booking-site page says while the practice is suspended or cancelled. Its dashboard
    stays open, read-only (app/blueprints/dashboard/__init__.py), so that staff can see why."""
    if tenant.status == "cancelled":
        return render_error(503, "No longer taking bookings", f"{tenant.name} no longer takes bookings online.")
    return render_error(503, "Temporarily unavailable",
                        f"{tenant.name} is temporarily unavailable: online booking is paused. Please try again later.")


def _leave_site(exc):
    token = g.pop("scope_token", None)
    if token is not None:
        tenancy.leave(token)


def init_app(app) -> None:
    app.before_request(_enter_site)
    app.teardown_request(_leave_site)
    app.context_processor(lambda: {"site": g.get("site")})
