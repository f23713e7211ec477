"""Logging in from tests: through the real form, or quickly through a session record."""

import re
import secrets
from html import unescape

from neig_workspace.accounts.models import User, UserSession
from neig_workspace.accounts.sessions import SESSION_KEY
from neig_workspace.accounts.tokens import hash_token
from neig_workspace.extensions import db


def form_token(client, path: str) -> str:
    html = client.get(path).get_data(as_text=True)
    match = re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', html)
    assert match, f"no CSRF token on {path}"
    return match.group(1)


def hidden_fields(client, path: str) -> dict:
    """What a browser sends back unseen from the form at `path`: its CSRF token and, on an edit
    form, the version it was loaded with (neig_workspace/editing.py)."""
    html = client.get(path).get_data(as_text=True)
    found = re.findall(
        r'name="(csrf_token|version|loaded)" (?:type="hidden" )?value="([^"]*)"', html
    )
    fields = {name: unescape(value) for name, value in found}
    assert fields.get("csrf_token"), f"no CSRF token on {path}"
    return fields


def post_form(client, path: str, data: dict, *, token_from: str | None = None, **kwargs):
    """POST like a browser: fetch the form first for its hidden fields."""
    return client.post(path, data={**hidden_fields(client, token_from or path), **data}, **kwargs)


def login_http(client, email: str, password: str, code: str | None = None):
    """Log in through the login form (and the MFA step when a code is given)."""
    response = post_form(client, "/inloggen", {"email": email, "password": password})
    if (
        code is not None
        and response.status_code == 302
        and "/inloggen/verificatie" in response.location
    ):
        response = post_form(client, "/inloggen/verificatie", {"code": code})
    return response


def login_as(app, client, persona, *, mfa_verified: bool = True):
    """Log `persona` in without the form: a real session record, as the login would write."""
    token = secrets.token_urlsafe(32)
    with app.app_context():
        user = db.session.get(User, persona.id)
        db.session.add(
            UserSession(token_hash=hash_token(token), user=user, mfa_verified=mfa_verified)
        )
        db.session.commit()
    with client.session_transaction() as session:
        session.clear()
        session[SESSION_KEY] = token
        session["_user_id"] = str(persona.id)
        session["_fresh"] = True
    return client


def csrf_token_of(app, client) -> str:
    """The CSRF token any form of this client's session would carry, made by Flask-WTF itself
    without rendering a page (tests of authorisation need a valid token, not a page view)."""
    from flask.ctx import RequestContext
    from flask_wtf.csrf import generate_csrf
    from werkzeug.test import EnvironBuilder

    with client.session_transaction() as session:
        with RequestContext(app, EnvironBuilder().get_environ(), session=session):
            return generate_csrf()
