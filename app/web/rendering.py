"""One way to answer with HTML: the full page, or only the block an htmx request asked for."""
from flask import make_response, redirect, render_template, request
from jinja2_fragments.flask import render_block, render_blocks


def is_htmx() -> bool:
    """An htmx request that wants a fragment. A history restore wants the whole page."""
    return sent_by_htmx() and request.headers.get("HX-History-Restore-Request") != "true"


def render(template: str, block: str | None = None, *, status: int = 200, **context):
    """Render ``block`` of ``template`` for htmx, the whole page otherwise."""
    if block is not None and is_htmx():
        body = render_block(template, block, **context)
    else:
        body = render_template(template, **context)
    response = make_response(body, status)
    response.vary.add("HX-Request")
    return response


def render_blocks_response(template: str, blocks: list[str], *, status: int = 200, **context):
    """Render several blocks of ``template`` for htmx: the target's answer and out-of-band swaps."""
    response = make_response(render_blocks(template, blocks, **context), status)
    response.vary.add("HX-Request")
    return response


def htmx_redirect(location: str, status: int = 200):
    """Send htmx's whole window to ``location``: htmx ignores the headers of a 3xx answer."""
    response = make_response("", status)
    response.headers["HX-Redirect"] = location
    return response


def sent_by_htmx() -> bool:
    return request.headers.get("HX-Request") == "true"


def see_other(location: str):
    """After a successful POST: 303 for a plain request, HX-Redirect for htmx."""
    return htmx_redirect(location) if sent_by_htmx() else redirect(location, 303)
