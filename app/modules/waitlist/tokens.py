"""The waitlist's emailed links: a random token for the customer, only its SHA-256 kept."""
import hashlib
import secrets


def new_token() -> tuple[str, str]:
    """A fresh (token, its hash)."""
    token = secrets.token_urlsafe(32)
    return token, digest(token)


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def plausible(token: str | None) -> bool:
    return bool(token) and len(token) <= 64
