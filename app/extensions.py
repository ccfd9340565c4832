"""The web extensions, created unbound; create_app binds them (the database handle lives in app.core.database)."""
from flask_limiter import Limiter
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_wtf import CSRFProtect


def _rate_limit_key() -> str:
    # Per client and per site, as resolved (not the Host header as typed: "DEMO.host." is demo's
    # site too): a flood against one practice does not lock out another, nor escape its own limit.
    from flask_limiter.util import get_remote_address

    from app.web.sites import current_site_key

    return f"{get_remote_address()}|{current_site_key()}"


migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
limiter = Limiter(key_func=_rate_limit_key)
