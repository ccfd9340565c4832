"""The customer directory: active search by name, email or phone, keyset pages by name or newest;
and the new-appointment form's customer picker."""
from flask import request

from app.blueprints.dashboard import bp
from app.blueprints.dashboard.access import own_calendar_only
from app.core.database import db
from app.modules.customers import listing
from app.modules.customers.contacts import region_for_timezone
from app.modules.customers.search import MAX_LENGTH, search_customers
from app.web.loading import MAX_ID
from app.web.rendering import render
from app.web.sites import current_tenant


def _after(sort: str) -> listing.After | None:
    """The last key of the page before, as its "next page" link carries it (ignored when malformed)."""
    after_id = request.args.get("after_id", "")
    if not after_id.isdigit() or not 0 < int(after_id) <= MAX_ID:
        return None
    name = request.args.get("after_name")
    if sort == "name" and name is None:
        return None
    return listing.After(int(after_id), (name or "")[:200])


@bp.get("/customers")
def customers():
    """Every pushed URL of the search renders this whole page when loaded directly."""
    q = (request.args.get("q") or "").strip()[:MAX_LENGTH]
    sort = request.args.get("sort") if request.args.get("sort") in listing.SORTS else "name"
    after = _after(sort)
    found = listing.page(db.session, q=q, sort=sort, after=after,
                         phone_region=region_for_timezone(current_tenant.timezone),
                         provider_user_id=own_calendar_only())
    return render("dashboard/customers/directory.html", "results", q=q, sort=sort, page=found, paged=after is not None,
                  searched=len(q) >= 2, zone=current_tenant.timezone)


@bp.get("/customers/search")
def customer_search():
    """Active search: the customers matching ``q`` by name, email or phone (a provider: those it has seen).
    htmx gets them as choices for the new-appointment form; a plain request, a page of links."""
    q = (request.args.get("q") or "").strip()[:MAX_LENGTH]
    found = search_customers(db.session, q, phone_region=region_for_timezone(current_tenant.timezone),
                             provider_user_id=own_calendar_only())
    return render("dashboard/customers/search.html", "choices", q=q, found=found)
