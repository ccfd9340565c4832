"""A customer's privacy requests in the dashboard: their data as a JSON or CSV download, and erasure
after a confirmation that it cannot be undone. Owners, admins and the front desk."""
import json

from flask import flash, make_response, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import InputRequired, Length, ValidationError

from app.blueprints.auth.guards import roles_required
from app.blueprints.dashboard import bp
from app.core import clock
from app.core.database import db
from app.modules.customers import privacy
from app.modules.customers.models import Customer
from app.web.loading import get_or_404
from app.web.rendering import render, see_other
from app.web.sites import current_tenant

PRIVACY_STAFF = ("owner", "admin", "staff")


class EraseForm(FlaskForm):
    confirmation = StringField(
        f"Type {privacy.CONFIRMATION_WORD} to confirm",
        validators=[InputRequired(f"Type {privacy.CONFIRMATION_WORD} to confirm."), Length(max=20)],
    )

    def validate_confirmation(self, field):
        if (field.data or "").strip().upper() != privacy.CONFIRMATION_WORD:
            raise ValidationError(f"Type {privacy.CONFIRMATION_WORD}, in capitals, to confirm.")


def _download(customer: Customer, body: str, mimetype: str, extension: str):
    response = make_response(body)
    response.mimetype = mimetype
    response.headers["Content-Disposition"] = f'attachment; filename="customer-{customer.id}.{extension}"'
    response.headers["Cache-Control"] = "no-store"  # personal data: no copy left in a cache
    return response


def _exported(customer_id: int) -> tuple[Customer, dict]:
    customer = get_or_404(Customer, customer_id)
    return customer, privacy.export(db.session, customer, timezone_name=current_tenant.timezone,
                                    currency=current_tenant.currency)


@bp.get("/customers/<int:customer_id>/export.json")
@roles_required(*PRIVACY_STAFF)
def export_customer_json(customer_id: int):
    customer, data = _exported(customer_id)
    return _download(customer, json.dumps(data, ensure_ascii=False, indent=2), "application/json", "json")


@bp.get("/customers/<int:customer_id>/export.csv")
@roles_required(*PRIVACY_STAFF)
def export_customer_csv(customer_id: int):
    customer, data = _exported(customer_id)
    return _download(customer, privacy.export_csv(data), "text/csv", "csv")


def _erase_page(customer: Customer, *, form=None, problem=None, status=200):
    return render("dashboard/customers/erase.html", status=status, customer=customer,
                  form=form or EraseForm(formdata=None), problem=problem)


@bp.get("/customers/<int:customer_id>/erase")
@roles_required(*PRIVACY_STAFF)
def customer_erasure(customer_id: int):
    return _erase_page(get_or_404(Customer, customer_id))


@bp.post("/customers/<int:customer_id>/erase")
@roles_required(*PRIVACY_STAFF)
def erase_customer(customer_id: int):
    customer = get_or_404(Customer, customer_id)
    form = EraseForm()
    if not form.validate_on_submit():
        return _erase_page(customer, form=form, status=422)
    try:
        privacy.erase(db.session, customer, actor=current_user, now=clock.now())
    except privacy.AlreadyErased as error:
        return _erase_page(customer, problem=str(error), status=409)
    flash(f"Customer #{customer.id}'s personal data is erased; their appointments are kept, anonymised.", "success")
    return see_other(url_for("dashboard.customer", customer_id=customer.id))
