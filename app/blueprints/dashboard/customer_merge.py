"""Duplicate customers in the dashboard: the list of likely duplicates, and merging one into the
customer kept after a confirmation of exactly what moves. Owners, admins and the front desk."""
from flask import flash, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import HiddenField, IntegerField
from wtforms.validators import InputRequired

from app.blueprints.auth.guards import roles_required
from app.blueprints.dashboard import bp
from app.core import clock
from app.core.database import db
from app.modules.customers import duplicates, merging
from app.modules.customers.models import Customer
from app.web.loading import MAX_ID, get_or_404
from app.web.rendering import render, see_other

MERGERS = ("owner", "admin", "staff")


class MergeForm(FlaskForm):
    merged_id = IntegerField(validators=[InputRequired("Choose the duplicate to merge.")])
    # The digest of the confirmation shown: the merge refuses to do anything else.
    fingerprint = HiddenField(validators=[InputRequired("Open the confirmation before merging.")])


@bp.get("/customers/duplicates")
@roles_required(*MERGERS)
def customer_duplicates():
    groups = duplicates.likely_duplicates(db.session)
    counts = duplicates.booking_counts(db.session, [c for g in groups for c in g.customers])
    return render("dashboard/customers/duplicates.html", groups=groups, counts=counts)


def _merge_page(kept: Customer, merged: Customer | None = None, *, form=None, problem=None, status=200):
    """The confirmation of merging ``merged`` into ``kept``; without ``merged``, the choice of the duplicate."""
    plan = candidates = None
    if merged is None:
        candidates = [c for g in duplicates.likely_duplicates(db.session, only_for=kept) for c in g.customers
                      if c.id != kept.id]
        candidates = list({c.id: c for c in candidates}.values())
    else:
        try:
            plan = merging.plan_merge(db.session, kept, merged)
        except merging.NotMergeable as error:
            problem, status = str(error), 409
    form = form or MergeForm(formdata=None)
    if plan is not None:
        form.merged_id.data, form.fingerprint.data = merged.id, plan.fingerprint
    return render("dashboard/customers/merge.html", status=status, kept=kept, merged=merged, plan=plan,
                  candidates=candidates, form=form, problem=problem, mergeable=duplicates.mergeable(kept))


def _chosen_duplicate() -> Customer | None:
    chosen = request.args.get("with", "")
    return get_or_404(Customer, int(chosen)) if chosen.isdigit() and len(chosen) <= len(str(MAX_ID)) else None


@bp.get("/customers/<int:customer_id>/merge")
@roles_required(*MERGERS)
def customer_merge(customer_id: int):
    kept = get_or_404(Customer, customer_id)
    return _merge_page(kept, _chosen_duplicate())


@bp.post("/customers/<int:customer_id>/merge")
@roles_required(*MERGERS)
def merge_customer(customer_id: int):
    kept = get_or_404(Customer, customer_id)
    form = MergeForm()
    if not form.validate_on_submit():
        return _merge_page(kept, form=form, status=422)
    merged = get_or_404(Customer, form.merged_id.data)
    try:
        plan = merging.merge(db.session, kept, merged, fingerprint=form.fingerprint.data, actor=current_user,
                             now=clock.now())
    except merging.StaleMerge as error:
        # The fresh confirmation, for a second look; nothing was written.
        return _merge_page(kept, merged, problem=str(error), status=409)
    except merging.NotMergeable as error:
        return _merge_page(kept, merged, problem=str(error), status=409)
    moved = ", ".join(_counted(len(rows), word) for rows, word in (
        (plan.bookings, "booking"), (plan.answers, "intake answer"), (plan.notes, "staff note")))
    flash(f"{plan.merged.name} (#{plan.merged.id}) is merged into {plan.kept.name} (#{plan.kept.id}); moved: {moved}.",
          "success")
    return see_other(url_for("dashboard.customer", customer_id=kept.id))


def _counted(number: int, word: str) -> str:
    return f"{number} {word}{'' if number == 1 else 's'}"
