"""Staff and superadmin accounts: the User model and its passwords and sign-in checks (``users``)."""
from app.modules.accounts.users import (
    AccountError,
    authenticate,
    create_superadmin,
    create_user,
    end_all_sessions,
    hash_password,
    normalise_email,
)

__all__ = [
    "AccountError", "authenticate", "create_superadmin", "create_user", "end_all_sessions", "hash_password",
    "normalise_email",
]
