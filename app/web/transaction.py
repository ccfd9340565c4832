"""The request's one transaction: it commits once when the answer is a success, and rolls back otherwise.

Views and services only flush. A 4xx (a form with errors, a 409, a 404) or a 5xx leaves nothing
behind; only after a real commit are the messages it wrote sent or enqueued.
"""
from flask import g, got_request_exception

from app.core import clock
from app.core.database import db
from app.modules.billing import jobs as billing_jobs
from app.modules.notifications import jobs

KEEP_WRITES = "sloty_keep_writes"


def keep_writes_despite_refusal() -> None:
    """This request's 4xx answer still commits: what it wrote is the record of the refusal itself
    (a failed sign-in counted towards its account's lockout)."""
    g.setdefault(KEEP_WRITES, True)


def end_of_request(response):
    kept = g.get(KEEP_WRITES) and response.status_code < 500
    if response.status_code >= 400 and not kept:
        db.session.rollback()
        return response
    db.session.commit()  # if this raises, Flask answers 500 and this hook runs again, rolling back
    jobs.dispatch(db.session, now=clock.now())
    billing_jobs.dispatch(db.session)  # the payment provider's events this request stored
    return response


def _roll_back_on_error(sender, exception, **extra):
    # Before the error page renders: a failed flush leaves the session unusable until it rolls back.
    db.session.rollback()


def init_app(app) -> None:
    # Registered before the other after_request hooks, so it runs after them: last, on the final answer.
    app.after_request(end_of_request)
    got_request_exception.connect(_roll_back_on_error, app)
