"""A customer's record in the dashboard: contact details and appointment history."""
from flask import abort, request

from app.blueprints.dashboard import bp
from app.blueprints.dashboard.access import own_calendar_only
from app.core.database import db
from app.modules.customers import directory
from app.modules.customers.contacts import region_for_timezone
from app.modules.customers.models import Customer
from app.modules.customers.search import search_customers
from app.web.loading import get_or_404
from app.web.rendering import render
from app.web.sites import current_tenant


@bp.get("/customers/<int:customer_id>")
def customer(customer_id: int):
    record = get_or_404(Customer, customer_id)
    own = own_calendar_only()
    history = directory.appointment_history(db.session, record, provider_user_id=own)
    if own is not None and not history:
        abort(404)  # a provider sees only the customers it sees
    return render("dashboard/customers/customer.html", customer=record, history=history)


@bp.get("/customers/search")
def customer_search():
    """Active search: the customers matching ``q`` by name, email or phone (a provider: those it has seen).
    htmx gets them as choices for the new-appointment form; a plain request, a page of links."""
    q = (request.args.get("q") or "").strip()[:100]
    found = search_customers(db.session, q, phone_region=region_for_timezone(current_tenant.timezone),
                             provider_user_id=own_calendar_only())
    return render("dashboard/customers/search.html", "choices", q=q, found=found)
