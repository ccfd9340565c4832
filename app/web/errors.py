"""Error pages: a plain, friendly page for every HTTP error, never a stack trace."""
from flask import render_template
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

TITLES = {
    400: "Bad request",
    403: "Not allowed",
    404: "Not found",
    405: "Not allowed",
    413: "Too large",
    429: "Too many attempts",
    500: "Something went wrong",
    503: "Temporarily unavailable",
}


def render_error(status: int, title: str, message: str):
    return render_template("errors/error.html", status=status, title=title, message=message), status


def _http_error(error: HTTPException):
    message = error.description or ""
    if error.code == 429:
        message = "Too many attempts. Please wait a few minutes and try again."
    return render_error(error.code or 500, TITLES.get(error.code, error.name), message)


def _csrf_error(error: CSRFError):
    return render_error(400, "Form expired", "The form expired or was sent from elsewhere. Reload the page and try again.")


def init_app(app) -> None:
    app.register_error_handler(CSRFError, _csrf_error)
    app.register_error_handler(HTTPException, _http_error)
