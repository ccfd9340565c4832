"""Configuration read from the environment, with embedded defaults for a laptop."""
import os


class ConfigError(RuntimeError):
    """The environment does not describe a runnable deployment."""


def database_url(environ) -> str | None:
    """DATABASE_URL, accepting Heroku's legacy ``postgres://`` scheme."""
    url = environ.get("DATABASE_URL")
    if url and url.startswith("postgres://"):
        url = "postgresql://" + url.removeprefix("postgres://")
    return url


def _debug(environ) -> bool:
    return environ.get("FLASK_DEBUG", "").lower() in ("1", "true")


def from_environment(environ=os.environ) -> dict:
    """Settings that come from the environment; anything unset keeps its default."""
    redis_url = environ.get("REDIS_URL") or None
    settings = {
        "BASE_DOMAIN": environ.get("BASE_DOMAIN", "localhost:5000"),
        "REDIS_URL": redis_url,
        "RATELIMIT_STORAGE_URI": redis_url or "memory://",
        "SESSION_COOKIE_SECURE": environ.get("SESSION_COOKIE_SECURE", "").lower() in ("1", "true"),
        # Proxies in front of the app (Heroku's router is one): trust their X-Forwarded-For/-Proto.
        "TRUSTED_PROXY_HOPS": int(environ.get("TRUSTED_PROXY_HOPS", "0")),
        # Links in emails: https in production, plain http for local development.
        "PREFERRED_URL_SCHEME": environ.get("PREFERRED_URL_SCHEME") or ("http" if _debug(environ) else "https"),
    }
    settings |= _mail_and_sms(environ)
    # Stripe: without a secret key, billing uses the console backend (app/modules/billing/providers.py).
    settings |= {"STRIPE_SECRET_KEY": environ.get("STRIPE_SECRET_KEY") or None,
                 "STRIPE_WEBHOOK_SECRET": environ.get("STRIPE_WEBHOOK_SECRET") or None,
                 "STRIPE_WEBHOOK_TOLERANCE": int(environ.get("STRIPE_WEBHOOK_TOLERANCE", "300"))}
    if url := database_url(environ):
        settings["SQLALCHEMY_DATABASE_URI"] = url
    if secret := environ.get("SECRET_KEY"):
        settings["SECRET_KEY"] = secret
    if "SESSION_COOKIE_SECURE" not in environ:
        # Secure cookies everywhere except local development over plain http.
        settings["SESSION_COOKIE_SECURE"] = not _debug(environ)
    return settings


def _mail_and_sms(environ) -> dict:
    """SMTP for email and an HTTP gateway for SMS; without them, messages are printed to the log."""
    port = int(environ.get("SMTP_PORT", "587"))
    return {
        "SMTP_HOST": environ.get("SMTP_HOST") or None,
        "SMTP_PORT": port,
        "SMTP_USERNAME": environ.get("SMTP_USERNAME") or None,
        "SMTP_PASSWORD": environ.get("SMTP_PASSWORD") or None,
        "SMTP_STARTTLS": environ.get("SMTP_STARTTLS", "true" if port == 587 else "false").lower() in ("1", "true"),
        "MAIL_FROM": environ.get("MAIL_FROM", "no-reply@sloty.invalid"),
        "SMS_BACKEND": environ.get("SMS_BACKEND", "console"),
        "SMS_GATEWAY_URL": environ.get("SMS_GATEWAY_URL"),
        "SMS_GATEWAY_TOKEN": environ.get("SMS_GATEWAY_TOKEN"),
        "SMS_FROM": environ.get("SMS_FROM", "Sloty"),
        # A message claimed this long ago by a worker that never finished is queued again.
        "SENDING_LEASE_SECONDS": int(environ.get("SENDING_LEASE_SECONDS", "120")),
        "SWEEP_INTERVAL_SECONDS": float(environ.get("SWEEP_INTERVAL_SECONDS", "60")),
    }


DEFAULTS = {
    "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
    # Never SESSION_COOKIE_DOMAIN: sessions stay host-only, so one tenant's
    # sign-in is worthless on another tenant's host.
    "REMEMBER_COOKIE_HTTPONLY": True,
    "REMEMBER_COOKIE_SAMESITE": "Lax",
    "WTF_CSRF_TIME_LIMIT": None,
    "RATELIMIT_HEADERS_ENABLED": True,
    "RATELIMIT_KEY_PREFIX": "sloty",
    "LOGIN_RATE_LIMIT": "10 per 5 minutes",
    "SIGN_IN_LINK_RATE_LIMIT": "10 per 15 minutes",
    "SIGN_UP_RATE_LIMIT": "5 per hour",
    "PASSWORD_RESET_RATE_LIMIT": "5 per 15 minutes",
    # Stripe retries in bursts from a handful of addresses: generous, but a flood still meets a 429.
    "WEBHOOK_RATE_LIMIT": "300 per minute",
}

DEV_SECRET_KEY = "sloty-development-key-not-for-production"


def finalise(app) -> None:
    """Fill in what depends on other settings, and refuse to start when unsafe."""
    app.config.setdefault(
        "SQLALCHEMY_DATABASE_URI", "sqlite:///" + os.path.join(app.instance_path, "sloty.sqlite3")
    )
    if not app.config.get("SECRET_KEY"):
        if not (app.debug or app.testing):
            raise ConfigError(
                "SECRET_KEY is not set. Set it in the environment "
                "(for example: export SECRET_KEY=$(python -c 'import secrets; print(secrets.token_hex(32))')), "
                "or run with FLASK_DEBUG=1 for local development."
            )
        app.config["SECRET_KEY"] = DEV_SECRET_KEY
    app.config.setdefault("MAIL_DOMAIN", app.config["MAIL_FROM"].rpartition("@")[2] or "sloty.invalid")
