"""The member directory: the views."""

from flask import Blueprint, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..access.policy import directory_organisation_or_404, require
from ..forms import REFUSED, run_use_case
from ..organisations.forms import ORG_TYPE_LABELS
from ..pagination import paginate
from . import service
from .forms import DirectorySettingsForm

bp = Blueprint("directory", __name__)


@bp.get("/netwerk/leden")
@login_required
def index():
    """The organisations of the network, by type and province, searchable by name."""
    require("directory.view")
    filters = {
        "org_type": request.args.get("soort", ""),
        "province": request.args.get("provincie", ""),
        "q": request.args.get("q", "").strip(),
    }
    page = paginate(service.organisations_query(current_user, **filters))
    counts = service.contact_counts(current_user, [org.id for org in page.items])
    return render_template(
        "directory/index.html",
        page=page,
        counts=counts,
        type_labels=ORG_TYPE_LABELS,
        provinces=service.provinces(),
        national=service.NATIONAL,
        national_label=service.NATIONAL_LABEL,
        province_of=service.province_of,
        **filters,
    )


@bp.get("/netwerk/leden/<slug>")
@login_required
def organisation(slug):
    """An organisation in the directory, with the contact persons who opted in."""
    org = directory_organisation_or_404(slug)
    return render_template(
        "directory/organisation.html",
        organisation=org,
        province=service.province_of(org) or service.NATIONAL_LABEL,
        type_labels=ORG_TYPE_LABELS,
        contacts=service.contacts(current_user, org),
    )


@bp.route("/account/ledenoverzicht", methods=["GET", "POST"])
@login_required
def settings():
    """What the member directory shows of me: every field hidden until I opt in."""
    require("directory.edit_own")
    user = current_user._get_current_object()
    profile = service.profile_of(user)
    form = DirectorySettingsForm(obj=profile)
    if form.validate_on_submit():
        done = run_use_case(
            form,
            lambda: service.update_profile(
                user,
                job_title=form.job_title.data or "",
                phone=form.phone.data or "",
                shown=form.shown(),
            ),
            success=_("Uw keuzes voor het ledenoverzicht zijn opgeslagen."),
        )
        if done is not REFUSED:
            return redirect(url_for(".settings"))
    status = 422 if form.is_submitted() else 200
    return render_template("directory/settings.html", form=form, profile=profile), status
