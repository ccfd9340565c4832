"""Reading the HTML a response carries: its text, links, forms and errors, and how it redirects."""
import re
from datetime import datetime, timezone
from html import unescape
from html.parser import HTMLParser
from urllib.parse import parse_qs, urlsplit

UTC = timezone.utc
INSTANT = "%Y-%m-%dT%H:%MZ"


def html(response) -> str:
    return response.get_data(as_text=True)


def text(markup: str) -> str:
    """What a reader sees: the page without tags, whitespace collapsed."""
    markup = re.sub(r"<(script|style)\b.*?</\1>", " ", markup, flags=re.S)
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", markup))).strip()


def is_fragment(markup: str) -> bool:
    return "<html" not in markup and "<body" not in markup


def key(instant: datetime) -> str:
    """A UTC instant as the booking forms carry it."""
    return instant.astimezone(UTC).strftime(INSTANT)


class _Elements(HTMLParser):
    """Anchors (href, text) and the fields of each form, as a browser would submit them."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.links: list[tuple[dict, str]] = []
        self.forms: dict[str, dict[str, list[str]]] = {}
        self._anchor = None
        self._form = None
        self._select = None
        self._textarea = None

    def handle_starttag(self, tag, attrs):
        attrs = {name: value if value is not None else "" for name, value in attrs}
        if tag == "a":
            self._anchor = (attrs, [])
        elif tag == "form":
            self._form = self.forms.setdefault(attrs.get("id", f"form{len(self.forms)}"), {})
        elif self._form is None or "name" not in attrs and tag != "option":
            return
        elif tag == "input":
            kind = attrs.get("type", "text")
            if kind in ("checkbox", "radio"):
                values = self._form.setdefault(attrs["name"], [])
                if "checked" in attrs:
                    values.append(attrs.get("value", "on"))
            elif kind not in ("submit", "button"):
                self._form.setdefault(attrs["name"], []).append(attrs.get("value", ""))
        elif tag == "select":
            self._select = self._form.setdefault(attrs["name"], [])
        elif tag == "option" and self._select is not None and "selected" in attrs:
            self._select.append(attrs.get("value", ""))
        elif tag == "textarea":
            self._textarea = self._form.setdefault(attrs["name"], [])
            self._textarea.append("")

    def handle_endtag(self, tag):
        if tag == "a" and self._anchor:
            attrs, parts = self._anchor
            self.links.append((attrs, re.sub(r"\s+", " ", "".join(parts)).strip()))
            self._anchor = None
        elif tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None
        elif tag == "textarea" and self._textarea is not None:
            # As in a browser, a newline right after <textarea> is not part of the value.
            self._textarea[-1] = re.sub(r"^\r?\n", "", self._textarea[-1])
            self._textarea = None

    def handle_data(self, data):
        if self._anchor:
            self._anchor[1].append(data)
        if self._textarea is not None:
            self._textarea[-1] += data


def elements(markup: str) -> _Elements:
    parser = _Elements()
    parser.feed(markup)
    return parser


def links(markup: str, css_class: str | None = None) -> list[tuple[str, str]]:
    """(href, text) of the page's links, only those with ``css_class`` when given."""
    return [
        (attrs.get("href", ""), label) for attrs, label in elements(markup).links
        if css_class is None or css_class in attrs.get("class", "").split()
    ]


def link_to(markup: str, label: str) -> str:
    """The href of the link whose text contains ``label``."""
    found = [href for href, text_ in links(markup) if label in text_]
    assert found, f"no link {label!r} on the page"
    return found[0]


def query(href: str) -> dict[str, str]:
    return {name: values[0] for name, values in parse_qs(urlsplit(href).query).items()}


def form_fields(markup: str, form_id: str) -> dict:
    """The fields of form ``form_id`` that a browser would send, with their values: a list for several."""
    forms = elements(markup).forms
    assert form_id in forms, f"no form #{form_id} on the page"
    return {name: values if len(values) > 1 else values[0] for name, values in forms[form_id].items() if values}


def field_error(markup: str, key_: str) -> str | None:
    """The error shown inside the intake question ``key_``'s field, if any."""
    match = re.search(rf'<div class="field[^"]*" id="field-{key_}">(.*?)</div>', markup, re.S)
    assert match, f"question {key_!r} is not on the page"
    error = re.search(r'<small class="error">(.*?)</small>', match.group(1), re.S)
    return unescape(error.group(1)) if error else None


def redirect_path(response) -> str:
    """Where a successful POST sends the browser: the 303's Location, or htmx's HX-Redirect."""
    location = response.headers.get("HX-Redirect") or response.headers["Location"]
    return urlsplit(location).path


def assert_redirected(response, htmx: bool) -> str:
    """A plain request gets 303; htmx gets 200 with HX-Redirect (htmx ignores headers on a 3xx)."""
    if htmx:
        assert response.status_code == 200 and "HX-Redirect" in response.headers
    else:
        assert response.status_code == 303 and "HX-Redirect" not in response.headers
    return redirect_path(response)


def assert_page(response, status: int, htmx: bool, block: str = '<section id="booking-step"') -> str:
    """The status, and a full page or, for htmx, only the swapped block. Returns the markup."""
    markup = html(response)
    assert response.status_code == status, text(markup)[:500]
    assert block in markup
    assert is_fragment(markup) == htmx
    assert "HX-Request" in response.headers.get("Vary", "")
    return markup
