"""Customers' own account on a practice's booking site: sign-in by emailed link, appointments, profile."""
from functools import wraps

from flask import current_app, flash, g, request, session, url_for
from flask_wtf import FlaskForm
from sqlalchemy import select

from app.blueprints.booking import bp
from app.blueprints.booking.forms import ProfileForm, SignInLinkForm
from app.core import clock
from app.core.database import db
from app.extensions import limiter
from app.modules import tenants
from app.modules.customers import directory, sign_in_links
from app.modules.customers.contacts import region_for_timezone
from app.modules.customers.models import Customer
from app.web.rendering import render, see_other
from app.web.sites import current_tenant

SESSION_KEY = "customer"  # [customer id, the session version it was signed in with]


def signed_in_customer() -> Customer | None:
    signed_in = session.get(SESSION_KEY)
    if not (isinstance(signed_in, list) and len(signed_in) == 2 and all(type(part) is int for part in signed_in)):
        return None
    customer_id, version = signed_in
    # Scoped to the tenant: a customer id from another host's session can never load here.
    customer = db.session.scalar(select(Customer).where(Customer.id == customer_id, Customer.active))
    # A session from before the customer signed out is worthless, even replayed from an old cookie.
    return customer if customer is not None and customer.session_version == version else None


def customer_required(view):
    @wraps(view)
    def wrapped(*args, **kwargs):
        g.customer = signed_in_customer()
        if g.customer is None:
            return see_other(url_for("booking.sign_in"))
        return view(*args, **kwargs)

    return wrapped


@bp.route("/account/sign-in", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["SIGN_IN_LINK_RATE_LIMIT"], methods=["POST"])
def sign_in():
    form = SignInLinkForm()
    if form.validate_on_submit():
        sign_in_links.send_link(
            db.session, form.email.data, now=clock.now(),
            link_for=lambda token: tenants.site_url(current_tenant, url_for("booking.sign_in_link", token=token)),
        )
        # The same answer whether or not we know the address: no one learns who is a customer.
        return render("booking/account/link_sent.html", "link_sent", tenant=current_tenant, email=form.email.data)
    status = 422 if request.method == "POST" else 200
    return render("booking/account/sign_in.html", "sign_in_form", status=status, tenant=current_tenant, form=form)


def _link_expired():
    return render(
        "booking/account/sign_in.html", status=404, tenant=current_tenant, form=SignInLinkForm(),
        problem="That sign-in link has expired or was already used. Ask for a new one below.",
    )


@bp.get("/account/sign-in/<token>")
def sign_in_link(token: str):
    """Opening the link only shows a button: mail scanners that fetch links must not spend it."""
    if not sign_in_links.is_valid(db.session, token, now=clock.now()):
        return _link_expired()
    return render("booking/account/redeem.html", tenant=current_tenant, token=token, form=FlaskForm())


@bp.post("/account/sign-in/<token>")
def redeem_link(token: str):
    customer = sign_in_links.redeem(db.session, token, now=clock.now())
    if customer is None:
        return _link_expired()
    session.clear()
    session[SESSION_KEY] = [customer.id, customer.session_version]
    return see_other(url_for("booking.account"))


@bp.post("/account/sign-out")
def sign_out():
    customer = signed_in_customer()
    if customer is not None:
        directory.end_all_sessions(customer)
    session.pop(SESSION_KEY, None)
    return see_other(url_for("booking.home"))


@bp.get("/account")
@customer_required
def account():
    upcoming, past = directory.bookings_of(db.session, g.customer, now=clock.now())
    return render("booking/account/appointments.html", tenant=current_tenant, customer=g.customer, upcoming=upcoming, past=past)


@bp.route("/account/profile", methods=["GET", "POST"])
@customer_required
def profile():
    customer = g.customer
    form = ProfileForm(obj=customer)
    form.phone_region = region_for_timezone(current_tenant.timezone)
    if form.validate_on_submit():
        directory.update_profile(
            customer, name=form.name.data, phone=form.phone.data, email_consent=form.email_consent.data,
            sms_consent=form.sms_consent.data,
        )
        flash("Your details are saved.", "success")
        return see_other(url_for("booking.profile"))
    status = 422 if request.method == "POST" else 200
    return render("booking/account/profile.html", "profile_form", status=status, tenant=current_tenant, form=form, customer=customer)
