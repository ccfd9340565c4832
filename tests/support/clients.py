"""A test visitor of one host that behaves like a browser: cookies, CSRF tokens, htmx headers."""
import re

from app.core.database import db

BASE_DOMAIN = "sloty.test"
ADMIN_HOST = f"admin.{BASE_DOMAIN}"
PLATFORM_HOST = f"www.{BASE_DOMAIN}"
CSRF_META = re.compile(r'<meta name="csrf-token" content="([^"]+)"')


def host_of(tenant) -> str:
    return f"{tenant.slug}.{BASE_DOMAIN}"


class Visitor:
    """Each request runs in its own application context, as on a real server: a fresh ``g`` and
    database session, never the test's own."""

    def __init__(self, app, host: str):
        self.app = app
        self.client = app.test_client()
        self.host = host

    def _request(self, method: str, path: str, **kwargs):
        # What the test built is saved before anyone can see it, and the test's own transaction ends,
        # so its next read sees what this request commits (SQLite reads from a snapshot until then).
        db.session.commit()
        # A streamed answer (a CSV download) is read to its end inside the request's context, as a server
        # sends it, so its contexts are gone before the next request (a sweep may never read the body).
        kwargs.setdefault("buffered", True)
        with self.app.app_context():
            return self.client.open(path, method=method, base_url=f"http://{self.host}", **kwargs)

    def _headers(self, htmx: bool, extra: dict | None) -> dict:
        headers = {"HX-Request": "true"} if htmx else {}
        return headers | (extra or {})

    def get(self, path: str, *, htmx: bool = False, headers: dict | None = None):
        return self._request("GET", path, headers=self._headers(htmx, headers))

    def post(self, path: str, data: dict | None = None, *, htmx: bool = False, csrf: bool = True, headers: dict | None = None):
        """POST as the page's form would: with the CSRF token in the form (or the header, for htmx)."""
        data = dict(data or {})
        extra = dict(headers or {})
        if csrf:
            token = self.csrf_token()
            if htmx:
                extra["X-CSRFToken"] = token
            else:
                data["csrf_token"] = token
        return self._request("POST", path, data=data, headers=self._headers(htmx, extra))

    def csrf_token(self) -> str:
        page = self.get("/login").get_data(as_text=True)
        match = CSRF_META.search(page)
        assert match, "every page carries the CSRF token in a meta tag"
        return match.group(1)

    def sign_in(self, email: str, password: str, **kwargs):
        return self.post("/login", {"email": email, "password": password}, **kwargs)

    def sign_out(self):
        return self.post("/logout")


def signed_in(visitor, clinic, role: str = "owner", user=None) -> Visitor:
    """A visitor of the clinic's host, signed in as ``user`` or as a new member with ``role``."""
    from tests.support import factories

    user = user or factories.user(clinic.tenant, role)
    guest = visitor(clinic.host)
    assert guest.sign_in(user.email, factories.PASSWORD).status_code == 303
    return guest
