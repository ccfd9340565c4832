"""Security headers on every response."""

def content_security_policy(form_action: str = "'self'") -> str:
    return "; ".join(
        [
            "default-src 'self'",
            "script-src 'self'",
            "style-src 'self'",
            "img-src 'self' data:",
            "object-src 'none'",
            "base-uri 'self'",
            f"form-action {form_action}",
            "frame-ancestors 'none'",
        ]
    )


CONTENT_SECURITY_POLICY = content_security_policy()


def let_forms_lead_to(response, *sources: str):
    """Allow this page's forms to end on other hosts (browsers hold a form's redirects to form-action)."""
    response.headers["Content-Security-Policy"] = content_security_policy(" ".join(("'self'", *sources)))
    return response


def _add_headers(response):
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
    if response.mimetype == "text/html":
        response.vary.add("HX-Request")
    return response


def init_app(app) -> None:
    app.after_request(_add_headers)
