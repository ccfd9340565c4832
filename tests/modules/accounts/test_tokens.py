"""Account links: single-use, hashed, expiring, and a new one retires the old."""
from datetime import timedelta

import sqlalchemy as sa

from app.core import clock
from app.core.database import db
from app.core.tenancy import tenant_context
from app.modules.accounts import tokens
from app.modules.accounts.models import AccountToken
from tests.support import factories


def test_a_token_is_stored_hashed_and_spent_once(clinic):
    user = factories.user(clinic.tenant, "owner")
    with tenant_context(clinic.tenant):
        token = tokens.issue(db.session, user, "password_reset", now=clock.now())
        (row,) = db.session.scalars(sa.select(AccountToken)).all()
        assert row.token_hash == tokens.digest(token) and token not in row.token_hash
        assert tokens.peek(db.session, token, "password_reset", now=clock.now()).id == user.id
        assert tokens.spend(db.session, token, "email_confirmation", now=clock.now()) is None  # another purpose
        assert tokens.spend(db.session, token, "password_reset", now=clock.now()).id == user.id
        assert tokens.spend(db.session, token, "password_reset", now=clock.now()) is None
        assert tokens.peek(db.session, token, "password_reset", now=clock.now()) is None


def test_a_token_expires_and_a_new_one_retires_the_old(clinic):
    user = factories.user(clinic.tenant, "owner")
    with tenant_context(clinic.tenant):
        first = tokens.issue(db.session, user, "password_reset", now=clock.now())
        second = tokens.issue(db.session, user, "password_reset", now=clock.now())
        assert tokens.peek(db.session, first, "password_reset", now=clock.now()) is None
        later = clock.now() + tokens.LIFETIMES["password_reset"] + timedelta(seconds=1)
        assert tokens.spend(db.session, second, "password_reset", now=later) is None
        assert tokens.spend(db.session, second, "password_reset", now=clock.now()).id == user.id
