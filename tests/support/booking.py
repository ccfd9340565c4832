"""The booking flow as a customer goes through it: the pages' URLs, the filled-in form, the confirm
POST, the booking's token, and signing in by emailed link."""
import re
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlencode, urlsplit

from app.modules.notifications.models import Notification
from tests.support.database import rows
from tests.support.pages import form_fields, html, key, redirect_path, text
from tests.support.practice import Clinic


def service_url(clinic: Clinic, service=None, location=None, provider="any", **params) -> str:
    service = service or clinic.dental
    location = location or clinic.london
    return f"/services/{service.id}?" + urlencode({"location": location.id, "provider": provider, **params})


def details_url(clinic: Clinic, start: datetime, service=None, location=None, provider="any") -> str:
    service = service or clinic.dental
    location = location or clinic.london
    return f"/services/{service.id}/book?" + urlencode(
        {"location": location.id, "provider": provider, "start": key(start)}
    )


CONTACT = {"name": "Grace Thompson", "email": "grace@example.com", "phone": ""}
DENTAL_ANSWERS = {"q_has_pain": "no", "q_date_of_birth": "1990-04-01"}


def filled_form(visitor, clinic: Clinic, start: datetime, *, service=None, location=None, provider="any", **values) -> dict:
    """The details form of ``start`` as served, filled in like a customer would."""
    page = visitor.get(details_url(clinic, start, service, location, provider))
    assert page.status_code == 200, text(html(page))[:300]
    form = form_fields(html(page), "booking-form")  # with its CSRF token, as a browser sends it
    answers = DENTAL_ANSWERS if (service or clinic.dental) is clinic.dental else {}
    return form | CONTACT | answers | values


def book(visitor, clinic: Clinic, start: datetime, *, service=None, htmx=False, **values):
    """Fill in and submit the details form of ``start``: the response to the confirm POST."""
    form = filled_form(visitor, clinic, start, service=service, **values)
    return visitor.post(f"/services/{(service or clinic.dental).id}/book", form, htmx=htmx, csrf=False)


def booked_token(response) -> str:
    path = redirect_path(response)
    match = re.fullmatch(r"/bookings/([^/]+)/confirmation", path)
    assert match, path
    return match.group(1)


def magic_link(tenant) -> str:
    """The path of the latest sign-in link emailed (queued) to a customer of ``tenant``."""
    sent = rows(tenant, Notification, Notification.kind == "magic_link")
    assert sent, "no sign-in link was queued"
    return urlsplit(sent[-1].payload["link"]).path


def sign_in_customer(visitor, clinic: Clinic, email: str) -> None:
    """Ask for a sign-in link by email, open it and press its button, as the customer would."""
    assert visitor.post("/account/sign-in", {"email": email}).status_code == 200
    assert visitor.get(magic_link(clinic.tenant)).status_code == 200
    assert visitor.post(magic_link(clinic.tenant)).status_code == 303


@dataclass
class Booked:
    """A booking made through the site, and the guest's browser that made it."""

    guest: object
    token: str
    start: datetime

    @property
    def manage(self) -> str:
        return f"/bookings/{self.token}"
