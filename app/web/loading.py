"""Loading a tenant's record by id for a view: 404 when absent, inactive, or another tenant's."""
from flask import abort

from app.core.database import db
from app.core.tenancy import scoped_get

MAX_ID = 2**31 - 1  # ids are 32-bit integers; anything larger cannot name a row


def get_or_404(model, ident: int, *, active_only: bool = False):
    record = load_or_404(lambda: scoped_get(db.session, model, ident), ident)
    if active_only and not record.active:
        abort(404)
    return record


def load_or_404(load, ident: int):
    """``load()``'s record for the id ``ident``, or 404: also for an id no row could have."""
    if not 0 < ident <= MAX_ID:
        abort(404)
    record = load()
    if record is None:
        abort(404)
    return record
