"""Home page, language choice and a health check."""

from flask import Blueprint, current_app, redirect, render_template, request, session
from flask_login import current_user
from sqlalchemy import select, text

from ..access.policy import visible_organisations
from ..extensions import db
from ..organisations.models import Organisation
from . import safe_next

bp = Blueprint("web", __name__)


@bp.get("/")
def index():
    """The start page: an introduction for visitors, an overview for members."""
    if not current_user.is_authenticated:
        return render_template("web/landing.html")
    organisations = db.session.scalars(
        select(Organisation)
        .where(
            visible_organisations(current_user),
            Organisation.id.in_([m.organisation_id for m in current_user.memberships]),
        )
        .order_by(Organisation.name)
    ).all()
    return render_template("web/home.html", organisations=organisations)


@bp.post("/taal")
def set_language():
    """Switch the interface language; remembered on the account when logged in."""
    locale = request.form.get("locale", "")
    if locale in current_app.config["LANGUAGES"]:
        session["locale"] = locale
        if current_user.is_authenticated:
            current_user.locale = locale
            db.session.commit()
    return redirect(safe_next(request.form.get("next")))


@bp.get("/health")
def health():
    """Liveness and database check for the load balancer."""
    db.session.execute(text("SELECT 1"))
    return {"status": "ok"}
