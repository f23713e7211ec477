"""The dead-letter list for platform admins (/beheer/taken): jobs that kept failing, with a
button to run one again and one to remove it."""

from flask import Blueprint, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..access.policy import load_or_404, require, visible_failed_jobs
from ..forms import ActionForm, run_use_case
from . import service
from .kinds import KINDS
from .models import FailedJob
from .queue import queue_configured

bp = Blueprint("jobs", __name__, url_prefix="/beheer/taken")


@bp.get("")
@login_required
def index():
    require("jobs.view")
    return render_template(
        "jobs/index.html",
        failed=service.failed_jobs(visible_failed_jobs(current_user)),
        labels={name: kind.label for name, kind in KINDS.items()},
        queued=queue_configured(),
        form=ActionForm(),
    )


@bp.post("/<int:failed_job_id>/opnieuw")
@login_required
def retry(failed_job_id):
    return _act(failed_job_id, service.retry, _("De taak is opnieuw gestart."))


@bp.post("/<int:failed_job_id>/verwijderen")
@login_required
def remove(failed_job_id):
    return _act(failed_job_id, service.remove, _("De taak is verwijderd."))


def _act(failed_job_id: int, call, success: str):
    failed = load_or_404(FailedJob, failed_job_id, "jobs.manage_failed", for_update=True)
    if ActionForm().validate_on_submit():
        run_use_case(None, lambda: call(failed, actor=current_user), success=success)
    return redirect(url_for(".index"))
