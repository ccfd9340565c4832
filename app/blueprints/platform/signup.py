"""Signing a practice up: the form, the live check of its address, and the way into its dashboard."""
from flask import current_app, request

from app.blueprints.platform import bp
from app.blueprints.platform.forms import SignUpForm
from app.core import clock
from app.core.database import db
from app.core.errors import DomainError
from app.extensions import limiter
from app.modules import tenants
from app.modules.tenants import signup
from app.web.forms import show_error
from app.web.handoff import make_pass
from app.web.rendering import render, see_other
from app.web.security import let_forms_lead_to


@bp.after_request
def _forms_lead_to_practices(response):
    # A sign-up ends on the new practice's own host, which the default form-action would block.
    base = current_app.config["BASE_DOMAIN"]
    return let_forms_lead_to(response, f"{current_app.config['PREFERRED_URL_SCHEME']}://*.{base}")


@bp.route("/signup", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["SIGN_UP_RATE_LIMIT"], methods=["POST"])
def sign_up():
    form = SignUpForm(timezone="Europe/London")
    if form.validate_on_submit():
        if form.website.data:  # the honeypot: answer as if all went well, and make nothing
            return render("platform/check_email.html", email=form.owner_email.data)
        try:
            tenant, owner = signup.sign_up(
                db.session, name=form.name.data, slug=form.slug.data, owner_name=form.owner_name.data,
                owner_email=form.owner_email.data, password=form.password.data, timezone=form.timezone.data,
                now=clock.now(),
            )
        except DomainError as error:
            show_error(form, error)
        else:
            return see_other(tenants.site_url(tenant, f"/welcome/{make_pass(owner)}"))
    status = 422 if request.method == "POST" else 200
    return render("platform/signup.html", "sign_up_form", status=status, form=form)


@bp.get("/signup/address")
def check_address():
    """The address field again, saying whether what was typed is free (htmx, as the owner types)."""
    form = SignUpForm(formdata=request.args)
    slug = (form.slug.data or "").strip().lower() or signup.suggest_slug(form.name.data or "")
    problem = signup.slug_problem(db.session, slug) if slug else None
    return render("platform/signup.html", "address_field", form=form, slug=slug, problem=problem, checked=bool(slug))
