"""Stripe without the internet: its recorded events (tests/fixtures/stripe/), signed as Stripe signs them,
and a local HTTP server standing in for its API, so that the real client code runs for Checkout and the
Customer Portal."""
import hashlib
import hmac
import json
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from app.core import clock

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "stripe"
WEBHOOK_SECRET = "whsec_test_4eC39HqLyjWDarjtT1zdp7dc"
SECRET_KEY = "sk_test_sloty_local_0000000000000000"
CHECKOUT_URL = "https://checkout.stripe.com/c/pay/cs_test_a1SzLocal0001"
PORTAL_URL = "https://billing.stripe.com/p/session/test_YWNjdF8xU3pMb2NhbA"


def event(name: str, *, tenant, plan, **changes) -> dict:
    """The recorded event ``name``, about ``tenant`` and ``plan``; ``changes`` replace top-level keys
    (another ``id`` makes a new delivery of the same object, another ``created`` an older or newer one)."""
    text = (FIXTURES / f"{name}.json").read_text()
    text = text.replace("__TENANT_ID__", str(tenant.id)).replace("__PLAN_ID__", str(plan.id))
    return json.loads(text) | changes


def signature(payload: bytes, *, timestamp: int | None = None, secret: str = WEBHOOK_SECRET) -> str:
    """The ``Stripe-Signature`` header, as Stripe computes it: ``t=<ts>,v1=<hmac-sha256 of "<ts>.<payload>">``."""
    timestamp = int(clock.now().timestamp()) if timestamp is None else timestamp
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + payload, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def deliver(platform, payload: dict | bytes, *, header: str | None = None):
    """POST an event to the webhook endpoint as Stripe does: the raw JSON body and its signature."""
    body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    return platform._request("POST", "/webhooks/stripe", data=body, content_type="application/json",
                             headers={"Stripe-Signature": signature(body) if header is None else header})


class FakeStripe:
    """Answers ``POST /v1/checkout/sessions`` and ``/v1/billing_portal/sessions`` as Stripe's API does, and
    keeps each request's form fields and API key for the test to read."""

    def __init__(self):
        self.requests: list[tuple[str, dict, str]] = []
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - http.server's name
                length = int(self.headers.get("Content-Length") or 0)
                form = dict(urllib.parse.parse_qsl(self.rfile.read(length).decode()))
                fake.requests.append((self.path, form, self.headers.get("Authorization", "")))
                now = int(time.time())
                if self.path == "/v1/checkout/sessions":
                    body = {"id": "cs_test_a1SzLocal0001", "object": "checkout.session", "created": now,
                            "mode": form.get("mode"), "client_reference_id": form.get("client_reference_id"),
                            "status": "open", "payment_status": "unpaid", "url": CHECKOUT_URL}
                elif self.path == "/v1/billing_portal/sessions":
                    body = {"id": "bps_1SzLocal0001", "object": "billing_portal.session", "created": now,
                            "customer": form.get("customer"), "livemode": False,
                            "return_url": form.get("return_url"), "url": PORTAL_URL}
                else:
                    self.send_response(404)
                    self.end_headers()
                    return
                data = json.dumps(body).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()
