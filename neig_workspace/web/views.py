"""Home page, language choice, and the health and readiness checks."""

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    redirect,
    render_template,
    request,
    session,
)
from flask_login import current_user
from sqlalchemy import select

from ..access.policy import may_scrape_metrics, visible_organisations
from ..accounts.service import set_locale
from ..directory import dashboard
from ..extensions import db, limiter
from ..forms import run_use_case
from ..meetings.service import upcoming_meetings
from ..organisations.models import Membership, Organisation
from . import metrics, readiness, safe_next

bp = Blueprint("web", __name__)


@bp.get("/")
def index():
    """The start page: an introduction for visitors, the dashboard for members."""
    if not current_user.is_authenticated:
        return render_template("web/landing.html")
    user = current_user._get_current_object()
    # The visit's timestamps, written now (nothing access depends on, request_state.py) and
    # committed with the page: a commit here would make the account, its session record and its
    # memberships be read again for the rest of the page.
    visit = dashboard.start_visit(user)
    db.session.flush()
    since = visit.since
    organisations = db.session.scalars(
        select(Organisation)
        .where(
            visible_organisations(user),
            Organisation.id.in_(
                select(Membership.organisation_id).where(Membership.user_id == user.id)
            ),
        )
        .order_by(Organisation.name)
    ).all()
    page = render_template(
        "web/home.html",
        organisations=organisations,
        since=since,
        first_visit=visit.first,
        first_visit_days=dashboard.FIRST_VISIT_WINDOW.days,
        news=dashboard.space_news(user, since),
        items=dashboard.my_action_items(user),
        rounds=dashboard.open_rounds(user),
        cases=dashboard.cases_with_news(user, since),
        meetings=upcoming_meetings(user, limit=5),
        notifications=dashboard.unread_notifications(user),
    )
    db.session.commit()
    return page


@bp.post("/taal")
def set_language():
    """Switch the interface language; remembered on the account when logged in."""
    locale = request.form.get("locale", "")
    if locale in current_app.config["LANGUAGES"]:
        session["locale"] = locale
        if current_user.is_authenticated:
            user = current_user._get_current_object()
            run_use_case(None, lambda: set_locale(user, locale))
    return redirect(safe_next(request.form.get("next")))


@bp.get("/health")
def health():
    """Liveness: the process answers. It needs nothing else, so an outage of the database does
    not make a load balancer restart every worker."""
    return {"status": "ok"}


@bp.get("/ready")
def ready():
    """Readiness for the load balancer: 200 when the database, Redis and clamd (where configured)
    answer and uploads can be stored, else 503 naming what is unavailable."""
    checks = readiness.check_all()
    ok = "unavailable" not in checks.values()
    return {"status": "ok" if ok else "unavailable", "checks": checks}, 200 if ok else 503


@bp.get("/metrics", endpoint="metrics")
@limiter.exempt
def metrics_page():
    """Prometheus's scrape (docs/deployment.md § Metrics). To anyone without the token it is
    the 404 of a page that does not exist; it reads no session and writes no audit event."""
    config = current_app.config
    if not config["METRICS_ENABLED"] or not may_scrape_metrics(
        request.headers.get("Authorization"), config["METRICS_TOKEN"]
    ):
        abort(404)
    return Response(metrics.exposition(), mimetype=None, content_type=metrics.CONTENT_TYPE)
