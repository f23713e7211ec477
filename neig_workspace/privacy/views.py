"""Privacy pages (per space, per case type) and the processing register (AVG art. 30)."""

from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..access.policy import can, load_or_404, require
from ..cases.forms import TARGET_LABELS
from ..cases.models import Case, TargetType
from ..editing import Edit
from ..extensions import db
from ..forms import REFUSED, commit_side_effect
from ..organisations.models import Organisation
from ..spaces.models import Space, SpaceKind
from ..tabular import csv_download
from . import service
from .forms import PrivacyForm

bp = Blueprint("privacy", __name__)


@bp.get("/werkruimtes/<int:space_id>/privacy")
@login_required
def show(space_id):
    """What the space does with personal data, and who receives it (from its grants)."""
    space = load_or_404(Space, space_id, "privacy.view")
    case = None
    if space.kind == SpaceKind.CASE:
        case = db.session.scalar(db.select(Case).where(Case.space_id == space.id))
    return render_template(
        "privacy/show.html",
        space=space,
        case=case,
        case_type_label=TARGET_LABELS[case.target_type] if case else None,
        statement=service.statement_of_space(space),
        recipients=service.recipients(space),
    )


@bp.route("/werkruimtes/<int:space_id>/privacy/bewerken", methods=["GET", "POST"])
@login_required
def edit(space_id):
    """The space's privacy statement, kept by whoever manages its grants."""
    space = load_or_404(Space, space_id, "privacy.edit")
    statement = service.statement_of_space(space)
    return _edit(
        statement,
        lambda values: service.save_for_space(space, values, actor=current_user),
        done=url_for(".show", space_id=space.id),
        space=space,
    )


@bp.route("/beheer/privacy/casussen/<case_type>", methods=["GET", "POST"])
@login_required
def edit_case_type(case_type):
    """The privacy statement every case of one target type shares (platform admins)."""
    require("privacy.manage_case_types")
    if case_type not in {t.value for t in TargetType}:
        abort(404)
    statement = service.statement_of_case_type(TargetType(case_type))
    return _edit(
        statement,
        lambda values: service.save_for_case_type(
            TargetType(case_type), values, actor=current_user
        ),
        done=url_for(".register_all"),
        case_type_label=TARGET_LABELS[TargetType(case_type)],
    )


def _edit(statement, save, *, done: str, space=None, case_type_label=None):
    form = PrivacyForm(data=service.values_of(statement))
    form.fill_legal_bases()
    edit = Edit(form, statement, lambda: service.values_of(statement))
    if form.validate_on_submit():
        saved = edit.save(
            lambda: save(form.privacy_values()),
            success=_("De privacyverklaring is opgeslagen."),
        )
        if saved is not REFUSED:
            return redirect(done)
    page = render_template(
        "privacy/form.html", form=form, space=space, case_type_label=case_type_label
    )
    return page, edit.status


@bp.get("/beheer/verwerkingsregister")
@login_required
def register_all():
    """The processing register of every space but case spaces, and of the case types
    (platform admins; `?formaat=csv` downloads it)."""
    require("privacy.register_all")
    return _register(service.register(current_user), organisation=None)


@bp.get("/organisaties/<int:organisation_id>/verwerkingsregister")
@login_required
def register_organisation(organisation_id):
    """The register of the spaces the organisation owns or manages (its admins)."""
    organisation = load_or_404(Organisation, organisation_id, "privacy.register_organisation")
    return _register(service.register(current_user, organisation), organisation=organisation)


def _register(rows, *, organisation):
    if request.args.get("formaat") == "csv":
        name = f"verwerkingsregister-{organisation.slug if organisation else 'netwerk'}.csv"
        return csv_download(
            commit_side_effect(
                service.export_register, rows, _labels(), current_user, organisation
            ),
            name,
        )
    return render_template(
        "privacy/register.html",
        rows=rows,
        organisation=organisation,
        case_type_labels=TARGET_LABELS,
        may_edit_case_types=can(current_user, "privacy.manage_case_types"),
    )


def _labels() -> dict:
    return {
        "space": _("werkruimte"),
        "case_type": _("casussen"),
        "case_types": {t.value: _("Casussen: %(type)s", type=TARGET_LABELS[t]) for t in TargetType},
        "missing": _("(nog geen privacyverklaring)"),
        "network": _("het hele netwerk"),
        "case_recipients": _("de deelnemers van elke casus"),
    }
