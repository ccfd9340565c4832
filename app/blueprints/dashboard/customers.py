"""A customer's record in the dashboard: contact details and appointment history."""
from flask import abort

from app.blueprints.dashboard import bp
from app.blueprints.dashboard.access import own_calendar_only
from app.core.database import db
from app.modules.customers import directory
from app.modules.customers.models import Customer
from app.web.loading import get_or_404
from app.web.rendering import render


@bp.get("/customers/<int:customer_id>")
def customer(customer_id: int):
    record = get_or_404(Customer, customer_id)
    own = own_calendar_only()
    history = directory.appointment_history(db.session, record, provider_user_id=own)
    if own is not None and not history:
        abort(404)  # a provider sees only the customers it sees
    return render("dashboard/customers/customer.html", customer=record, history=history)
