"""Input no database can store is refused at the door: one answer for every route and field.

PostgreSQL refuses a NUL character in text, so a NUL anywhere in the path, the query, a form
field, a header or a cookie would otherwise surface as a 500 from whichever query first met it.
"""
from flask import abort, request

NUL = "\x00"


def _refuse_unstorable_input():
    suspects = [request.path]
    suspects += [name + value for name, value in request.args.items(multi=True)]
    suspects += [name + value for name, value in request.headers.items()]
    if request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
        suspects += [name + value for name, value in request.form.items(multi=True)]
    if any(NUL in text for text in suspects):
        abort(400, description="The request contained a character that cannot be accepted (a NUL byte).")


def init_app(app) -> None:
    app.before_request(_refuse_unstorable_input)
