"""Access reviews: a reviewer's list and one review's page (confirm or remove each membership
or grant in one action), and the platform admins' overview with the outcome as CSV."""

from flask import Blueprint, Response, abort, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..access.policy import can, load_child_or_404, load_or_404, require
from ..forms import REFUSED, ActionForm, commit_side_effect, run_use_case
from ..organisations.models import Membership
from ..pagination import paginate
from ..spaces.models import SpaceGrant
from ..tabular import csv_download
from ..timeutil import utcnow
from . import service
from .forms import DecisionForm
from .models import AccessReview, Decision, ReviewScope

bp = Blueprint("reviews", __name__)


@bp.get("/toegangscontroles")
@login_required
def index():
    """My reviews: of the organisations I administer and the spaces I manage."""
    require("access_review.list_own")
    page = paginate(service.overview(current_user, utcnow()))
    return render_template("reviews/index.html", page=page, now=utcnow(), admin=False)


@bp.get("/toegangscontroles/<int:review_id>")
@login_required
def show(review_id):
    """What to confirm, with each person's or grant's last sign of use (`?formaat=csv`: the
    decisions taken, for the auditor)."""
    review = load_or_404(AccessReview, review_id, "access_review.view")
    if request.args.get("formaat") == "csv":
        return _csv(review, f"toegangscontrole-{review.id}")
    return render_template(
        "reviews/show.html",
        review=review,
        items=service.items(review),
        may_decide=can(current_user, "access_review.decide", review),
        form=ActionForm(),
        now=utcnow(),
    )


@bp.post("/toegangscontroles/<int:review_id>/besluit")
@login_required
def decide(review_id):
    """Confirm one membership or grant, or remove it (through its own service)."""
    review = load_or_404(AccessReview, review_id, "access_review.decide")
    form = DecisionForm()
    ref = form.subject_ref() if form.validate_on_submit() else None
    if ref is None:
        abort(400)
    subject = _subject(review, *ref)
    decision = Decision(form.decision.data)
    run_use_case(
        None,
        lambda: service.decide(review, subject, decision, actor=current_user),
        success=_("Bevestigd.")
        if decision == Decision.CONFIRMED
        else _("De toegang is verwijderd."),
    )
    if not can(current_user, "access_review.view", review):  # they removed their own access
        return redirect(url_for(".index"))
    return redirect(url_for(".show", review_id=review.id))


def _subject(review: AccessReview, kind: str, subject_id: int):
    """A membership of the review's organisation or a grant of its space, which the reviewer
    must also be allowed to remove as such; another's is a 404."""
    if review.scope == ReviewScope.ORGANISATION and kind == service.MEMBERSHIP:
        require("organisation.manage_members", review.organisation)
        return load_child_or_404(
            review.organisation, Membership, subject_id, "organisation.manage_members"
        )
    if review.scope == ReviewScope.SPACE and kind == service.GRANT:
        require("space.manage_grants", review.space)
        return load_child_or_404(review.space, SpaceGrant, subject_id, "space.manage_grants")
    abort(404)


@bp.post("/toegangscontroles/<int:review_id>/afronden")
@login_required
def complete(review_id):
    """Confirm everything not decided yet, and complete the review."""
    review = load_or_404(AccessReview, review_id, "access_review.decide")
    done = run_use_case(
        None,
        lambda: service.confirm_rest(review, actor=current_user),
        success=_("De toegangscontrole is afgerond."),
    )
    if done is REFUSED:
        return redirect(url_for(".show", review_id=review.id))
    return redirect(url_for(".index"))


@bp.get("/beheer/toegangscontroles")
@login_required
def overview():
    """Every review and which are overdue (platform admins: names of organisations and spaces,
    no content); `?formaat=csv` downloads every decision for the auditor."""
    require("access_review.overview")
    if request.args.get("formaat") == "csv":
        return _csv(None, "toegangscontroles")
    overdue_only = request.args.get("alleen") == "te-laat"
    query = service.overview(current_user, utcnow(), overdue_only=overdue_only)
    return render_template(
        "reviews/index.html",
        page=paginate(query),
        now=utcnow(),
        admin=True,
        overdue_only=overdue_only,
    )


def _csv(review: AccessReview | None, name: str) -> Response:
    """The decisions as CSV (the export is audited)."""
    return csv_download(
        commit_side_effect(service.export_outcome, current_user, review), f"{name}.csv"
    )
