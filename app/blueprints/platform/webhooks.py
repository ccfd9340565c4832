"""``POST /webhooks/stripe`` on the platform's own host (``BASE_DOMAIN``, or ``www.``): Stripe's events,
verified and stored, answered at once; the work happens in a job after the commit (app/modules/billing).
The platform's host, not a practice's: an event is about the platform's customers, and this host has
no sessions for a forged request to ride on, hence no CSRF token to ask for."""
from flask import abort, current_app, jsonify, request

from app.blueprints.platform import bp
from app.core import clock
from app.core.database import db
from app.extensions import csrf, limiter
from app.modules.billing import webhooks


@bp.post("/webhooks/stripe")
@csrf.exempt
@limiter.limit(lambda: current_app.config["WEBHOOK_RATE_LIMIT"])
def stripe_webhook():
    secret = current_app.config.get("STRIPE_WEBHOOK_SECRET")
    if not secret:
        abort(404)  # without Stripe (the console backend) nobody sends events
    now = clock.now()
    try:
        event = webhooks.verify(request.get_data(), request.headers.get("Stripe-Signature", ""), secret, now=now,
                                tolerance=current_app.config["STRIPE_WEBHOOK_TOLERANCE"])
    except webhooks.BadSignature as error:
        return jsonify(error=str(error)), 400
    stored = webhooks.store(db.session, event, provider="stripe", now=now)
    return jsonify(received=True, repeat=stored is None), 200
