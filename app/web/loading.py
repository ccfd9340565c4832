"""Loading a tenant's record by id for a view: 404 when absent, inactive, or another tenant's."""
from flask import abort

from app.core.database import db
from app.core.tenancy import scoped_get

MAX_ID = 2**31 - 1  # ids are 32-bit integers; anything larger cannot name a row


def get_or_404(model, ident: int, *, active_only: bool = False):
    if not 0 < ident <= MAX_ID:
        abort(404)
    record = scoped_get(db.session, model, ident)
    if record is None or (active_only and not record.active):
        abort(404)
    return record
