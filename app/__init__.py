"""Sloty: multi-tenant appointment booking. ``create_app`` builds the Flask application."""
import logging
import os

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from app.config import DEFAULTS, finalise, from_environment
from app.core.database import db
from app.core.records import described_by_models
from app.extensions import csrf, limiter, login_manager, migrate
from app.web import errors, formatting, input_checks, origin, security, sites, transaction

MIGRATIONS = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "migrations")


def create_app(config: dict | None = None) -> Flask:
    """The application: defaults, then the environment, then ``config`` (tests pass settings here)."""
    app = Flask(__name__, instance_relative_config=True)
    app.config.update(DEFAULTS)
    app.config.update(from_environment())
    if config:
        app.config.update(config)
    os.makedirs(app.instance_path, exist_ok=True)
    finalise(app)
    if app.logger.level == logging.NOTSET:
        app.logger.setLevel(logging.INFO)  # deliveries and jobs report at INFO (emails print here without SMTP)
    if hops := app.config.get("TRUSTED_PROXY_HOPS"):
        # Client addresses (rate limits, audit) and https links come from the proxy's headers.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)

    from app.modules import tables  # noqa: F401  (registers every table)

    db.init_app(app)
    migrate.init_app(app, db, directory=MIGRATIONS, compare_type=True, include_object=described_by_models)
    login_manager.init_app(app)
    transaction.init_app(app)
    origin.init_app(app)
    input_checks.init_app(app)
    # The host decides everything else: resolve it before CSRF checks and rate limits run.
    sites.init_app(app)
    csrf.init_app(app)
    limiter.init_app(app)
    security.init_app(app)
    errors.init_app(app)
    formatting.init_app(app)

    from app import cli
    from app.blueprints import auth, backoffice, booking, dashboard, monitoring, platform

    auth.init_app(app)
    app.register_blueprint(auth.bp)
    app.register_blueprint(booking.bp)
    app.register_blueprint(dashboard.bp, url_prefix="/dashboard")
    app.register_blueprint(backoffice.bp, url_prefix="/backoffice")
    app.register_blueprint(platform.bp)
    app.register_blueprint(monitoring.bp)
    cli.init_app(app)
    return app

