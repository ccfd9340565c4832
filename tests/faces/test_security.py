"""Browser-facing defences: CSRF, security headers, a CSP-clean base layout, full page or fragment."""
import json
import re
from html import unescape
from pathlib import Path

import pytest

from app.core.database import db
from app.core.tenancy import tenant_context
from app.modules.appointments.models import Appointment
from tests.support import factories
from tests.support.clients import CSRF_META
from tests.support.practice import build_practice

ACME = "acme.sloty.test"
HTMX_SRC = re.compile(r'<script src="/static/vendor/(htmx-2\.0\.\d+\.min\.js)" defer></script>')
SCRIPT = re.compile(r"<script\b[^>]*>(.*?)</script>", re.S | re.I)
SCRIPT_TAG = re.compile(r"<script\b[^>]*>", re.I)


@pytest.fixture
def acme(app):
    return build_practice("acme", name="Acme Dental")


@pytest.fixture
def owner(acme, visitor):
    member = visitor(ACME)
    assert member.sign_in(acme["owner"].email, factories.PASSWORD).status_code == 303
    return member


def html(response) -> str:
    return response.get_data(as_text=True)


def appointment_status(acme) -> str:
    db.session.expire_all()
    with tenant_context(acme["tenant"]):
        return db.session.get(Appointment, acme["appointment"].id).status


def cancel_path(acme) -> str:
    return f"/dashboard/appointments/{acme['appointment'].id}/cancel"


# CSRF


def test_sign_in_without_a_csrf_token_is_refused(acme, visitor):
    guest = visitor(ACME)
    response = guest.post("/login", {"email": acme["owner"].email, "password": factories.PASSWORD}, csrf=False)
    assert response.status_code == 400
    assert "<h1>Form expired</h1>" in html(response)
    assert guest.get("/dashboard/").status_code == 302, "still signed out"


def test_cancelling_without_a_csrf_token_is_refused_and_changes_nothing(acme, owner):
    response = owner.post(cancel_path(acme), {"reason": "forged"}, csrf=False)
    assert response.status_code == 400
    assert "<h1>Form expired</h1>" in html(response)
    assert appointment_status(acme) == "confirmed"


def test_a_csrf_token_from_another_session_is_refused(acme, owner, visitor):
    someone_elses = visitor(ACME).csrf_token()
    response = owner.post(cancel_path(acme), {"reason": "forged", "csrf_token": someone_elses}, csrf=False)
    assert response.status_code == 400
    assert appointment_status(acme) == "confirmed"


def test_the_csrf_token_in_a_form_field_works(acme, owner):
    response = owner.post(cancel_path(acme), {"reason": "Feeling better"})
    assert response.status_code == 303
    assert appointment_status(acme) == "cancelled"
    assert "Appointment cancelled." in html(owner.get(response.headers["Location"]))


def test_the_csrf_token_in_the_x_csrftoken_header_works_as_htmx_sends_it(acme, owner):
    response = owner.post(cancel_path(acme), {"reason": "Feeling better"}, htmx=True)
    assert response.status_code == 200
    assert response.headers["HX-Redirect"] == f"/dashboard/appointments/{acme['appointment'].id}"
    assert appointment_status(acme) == "cancelled"


# Headers on every response: tests/faces/test_every_route.py sweeps every route in the url_map.


# The base layout


def test_the_layout_loads_vendored_htmx_2_0_from_static(app, visitor, acme):
    page = html(visitor(ACME).get("/login"))
    [filename] = HTMX_SRC.findall(page)
    vendored = Path(app.static_folder) / "vendor" / filename
    assert vendored.is_file()
    assert f'version:"{filename.removeprefix("htmx-").removesuffix(".min.js")}"' in vendored.read_text()
    assert (Path(app.static_folder) / "vendor" / "htmx-LICENSE.txt").is_file()


def htmx_config(page: str) -> dict:
    [content] = re.findall(r"<meta name=\"htmx-config\" content='([^']*)'>", page)
    return json.loads(unescape(content))


def test_htmx_config_allows_only_self_requests_no_inline_styles_and_swaps_422(visitor, acme):
    config = htmx_config(html(visitor(ACME).get("/login")))
    assert config["selfRequestsOnly"] is True
    assert config["includeIndicatorStyles"] is False
    assert config["allowEval"] is False
    assert {"code": "422", "swap": True} in config["responseHandling"]
    assert {"code": "409", "swap": True} in config["responseHandling"]


def test_body_sends_the_csrf_token_with_every_htmx_request(visitor, acme):
    page = html(visitor(ACME).get("/login"))
    [hx_headers] = re.findall(r"<body hx-headers='([^']*)'>", page)
    assert json.loads(unescape(hx_headers)) == {"X-CSRFToken": CSRF_META.search(page).group(1)}


PAGES = {
    "booking home": ("guest", "/"),
    "service page": ("guest", "/services/{service}"),
    "sign-in": ("guest", "/login"),
    "not found": ("guest", "/nowhere"),
    "agenda": ("owner", "/dashboard/"),
    "team": ("owner", "/dashboard/team"),
    "appointment": ("owner", "/dashboard/appointments/{appointment}"),
    "customer": ("owner", "/dashboard/customers/{customer}"),
    "provider": ("owner", "/dashboard/providers/{provider}"),
    "backoffice tenants": ("admin", "/backoffice/"),
    "backoffice new tenant": ("admin", "/backoffice/tenants/new"),
    "backoffice tenant": ("admin", "/backoffice/tenants/{tenant}"),
    "backoffice audit": ("admin", "/backoffice/audit"),
    "backoffice health": ("admin", "/backoffice/health"),
    "backoffice users": ("admin", "/backoffice/users"),
    "backoffice user": ("admin", "/backoffice/users/{owner}"),
}


@pytest.mark.parametrize("name", PAGES)
def test_no_page_has_inline_script_handlers_or_styles(acme, visitor, owner, superadmin, name):
    who, path = PAGES[name]
    browser = {"guest": visitor(ACME), "owner": owner, "admin": superadmin}[who]
    response = browser.get(path.format(**{key: row.id for key, row in acme.items()}))
    page = html(response)
    assert response.status_code == (404 if name == "not found" else 200)
    assert page.startswith("<!doctype html>") and page.rstrip().endswith("</html>")
    assert SCRIPT.findall(page) and set(SCRIPT.findall(page)) == {""}, "only script files (htmx, ours), no inline code"
    assert all('src="/static/' in tag for tag in SCRIPT_TAG.findall(page)), "scripts only from our own static files"
    assert not re.search(r"<[^>]+\son[a-z]+\s*=", page, re.I), "no inline event handlers"
    assert not re.search(r"<[^>]+\sstyle\s*=", page, re.I), "no style attributes (style-src 'self')"
    assert "javascript:" not in page
    assert "hx-on" not in page, "hx-on handlers are inline code too"


# Full page or fragment


def test_htmx_request_gets_only_the_sign_in_form(visitor, acme):
    response = visitor(ACME).get("/login", htmx=True)
    fragment = html(response).strip()
    assert fragment.startswith('<form id="sign-in"') and fragment.endswith("</form>")
    assert "<html" not in fragment and "<h1>" not in fragment
    assert "HX-Request" in response.headers["Vary"]


@pytest.mark.parametrize(
    "headers",
    [{}, {"HX-Request": "true", "HX-History-Restore-Request": "true"}],
    ids=["plain request", "htmx history restore"],
)
def test_full_page_for_plain_requests_and_history_restores(visitor, acme, headers):
    response = visitor(ACME).get("/login", headers=headers)
    page = html(response)
    assert page.startswith("<!doctype html>")
    assert "<h1>Sign in to Acme Dental</h1>" in page
    assert '<form id="sign-in"' in page
    assert "HX-Request" in response.headers["Vary"]
