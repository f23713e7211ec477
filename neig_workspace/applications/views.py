"""Applications to join the network: the public form and VNG's review."""

import logging

from flask import Blueprint, current_app, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from ..access.policy import load_or_404, require, visible_applications
from ..extensions import limiter
from ..forms import REFUSED, run_use_case
from ..organisations.forms import ORG_TYPE_LABELS
from ..organisations.models import OrgType
from ..organisations.municipalities import by_code
from ..pagination import paginate
from . import service
from .forms import ApplicationForm, ApproveForm, QuestionForm, RejectForm
from .models import OPEN_STATUSES, Application, ApplicationStatus

bp = Blueprint("applications", __name__)
log = logging.getLogger("neig_workspace.applications")

#: Applications per IP address; every POST counts, so a robot cannot keep trying either.
DEFAULT_PER_IP_LIMIT = "10 per hour;30 per day"


def application_ip_limit():
    return current_app.config.get("RATELIMIT_APPLICATION_PER_IP", DEFAULT_PER_IP_LIMIT)


# --- the public pages ----------------------------------------------------------------------


@bp.route("/aanmelden", methods=["GET", "POST"])
@limiter.limit(application_ip_limit, methods=["POST"])
def apply():
    """What the network is, and the form to apply."""
    form = ApplicationForm()
    if form.is_submitted() and form.website.data:
        # A robot filled in the field people never see: it gets the same answer, nothing stored.
        log.info("application refused by the honeypot")
        return redirect(url_for(".thanks"))
    if form.validate_on_submit():
        done = run_use_case(form, lambda: service.submit(_submission(form)))
        if done is not REFUSED:
            return redirect(url_for(".thanks"))
    status = 422 if form.is_submitted() else 200
    return render_template("applications/apply.html", form=form), status


def _submission(form: ApplicationForm) -> service.Submission:
    return service.Submission(
        organisation_name=form.organisation_name_or_default(),
        org_type=OrgType(form.org_type.data),
        cbs_code=form.cbs_code.data or None,
        contact_name=form.contact_name.data,
        email=form.email.data,
        phone=form.phone.data,
        contact_role=form.contact_role.data,
        motivation=form.motivation.data,
    )


@bp.get("/aanmelden/bedankt")
def thanks():
    return render_template("applications/thanks.html")


@bp.get("/aanmelden/privacy")
def privacy():
    return render_template("applications/privacy.html")


# --- VNG's review --------------------------------------------------------------------------


@bp.get("/beheer/aanmeldingen")
@login_required
def index():
    """Applications waiting for a decision, or (filter) those decided."""
    require("application.review")
    handled = request.args.get("status") == "afgehandeld"
    statuses = (
        [s for s in ApplicationStatus if s not in OPEN_STATUSES] if handled else OPEN_STATUSES
    )
    order = Application.handled_at.desc() if handled else Application.created_at
    page = paginate(
        select(Application)
        .where(visible_applications(current_user), Application.status.in_(statuses))
        .order_by(order, Application.id)
    )
    return render_template(
        "applications/index.html",
        page=page,
        handled=handled,
        type_labels=ORG_TYPE_LABELS,
        flagged=service.flagged(page.items),
    )


@bp.get("/beheer/aanmeldingen/<int:application_id>")
@login_required
def show(application_id):
    application = load_or_404(Application, application_id, "application.view")
    return _show(application)


def _show(application, status=200, *, question_form=None, reject_form=None, approve_form=None):
    return render_template(
        "applications/show.html",
        application=application,
        duplicates=service.duplicates(application),
        municipality=by_code().get(application.cbs_code or ""),
        type_labels=ORG_TYPE_LABELS,
        question_form=question_form or QuestionForm(formdata=None),
        reject_form=reject_form or RejectForm(formdata=None),
        approve_form=approve_form or ApproveForm(formdata=None),
        existing=service.existing_organisation(application),
    ), status


def _decision(application_id: int, form_class, form_name: str, call, success):
    """One decision on an application, one transaction, the row locked: `call(application,
    form)` runs the service; a refusal shows the page again with the message next to the field
    (409 when the application was decided before, 422 otherwise)."""
    application = load_or_404(Application, application_id, "application.decide", for_update=True)
    form = form_class()
    refusal = 422
    if form.validate_on_submit():

        def note_refusal(error):
            nonlocal refusal
            refusal = 409 if isinstance(error, service.AlreadyHandled) else 422

        done = run_use_case(
            form,
            lambda: call(application, form),
            success=lambda _result: success(application),
            on_refusal=note_refusal,
        )
        if done is not REFUSED:
            return redirect(url_for(".show", application_id=application_id))
    return _show(application, refusal, **{form_name: form})


@bp.post("/beheer/aanmeldingen/<int:application_id>/vraag")
@login_required
def ask(application_id):
    return _decision(
        application_id,
        QuestionForm,
        "question_form",
        lambda application, form: service.ask_question(
            application, form.question.data, actor=current_user
        ),
        lambda application: _(
            "De vraag is per e-mail verstuurd naar %(email)s.", email=application.email
        ),
    )


@bp.post("/beheer/aanmeldingen/<int:application_id>/goedkeuren")
@login_required
def approve(application_id):
    return _decision(
        application_id,
        ApproveForm,
        "approve_form",
        lambda application, form: service.approve(
            application, actor=current_user, confirm_existing=form.confirm_existing.data
        ),
        lambda application: _(
            "De aanmelding is goedgekeurd. %(email)s heeft een uitnodiging gekregen als "
            "beheerder van de organisatie.",
            email=application.email,
        ),
    )


@bp.post("/beheer/aanmeldingen/<int:application_id>/afwijzen")
@login_required
def reject(application_id):
    return _decision(
        application_id,
        RejectForm,
        "reject_form",
        lambda application, form: service.reject(application, form.reason.data, actor=current_user),
        lambda application: _(
            "De aanmelding is afgewezen; de aanvrager krijgt de reden per e-mail."
        ),
    )
