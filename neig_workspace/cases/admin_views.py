"""Platform admins keep the list of legal bases that cases and shared items name."""

from flask import abort, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from ..access.policy import require
from ..editing import Edit
from ..extensions import db
from ..forms import REFUSED, ActionForm, run_use_case
from .accountability_forms import LegalBasisForm
from .blueprint import bp
from .legal_bases import ensure_default_legal_bases, save_legal_basis
from .models import LegalBasis


@bp.get("/beheer/grondslagen")
def legal_bases():
    """Every legal basis, in use or retired."""
    require("legal_basis.manage")
    bases = db.session.scalars(select(LegalBasis).order_by(LegalBasis.name)).all()
    return render_template("cases/legal_bases.html", bases=bases, form=ActionForm())


@bp.route("/beheer/grondslagen/nieuw", methods=["GET", "POST"])
def new_legal_basis():
    require("legal_basis.manage")
    return _edit(None)


@bp.route("/beheer/grondslagen/<int:basis_id>/bewerken", methods=["GET", "POST"])
def edit_legal_basis(basis_id):
    require("legal_basis.manage")
    basis = db.session.get(LegalBasis, basis_id)
    if basis is None:
        abort(404)
    return _edit(basis)


def _edit(basis: LegalBasis | None):
    form = LegalBasisForm(obj=basis)
    edit = Edit(form, basis, lambda: _basis_values(basis))
    if form.validate_on_submit():
        done = edit.save(
            lambda: save_legal_basis(
                basis,
                name=form.name.data,
                description=form.description.data or "",
                active=form.active.data,
                actor=current_user,
            ),
            success=_("De grondslag is opgeslagen."),
        )
        if done is not REFUSED:
            return redirect(url_for("cases.legal_bases"))
    return render_template("cases/legal_basis_form.html", basis=basis, form=form), edit.status


def _basis_values(basis: LegalBasis | None) -> dict:
    """The basis as its form shows it; a new one has nothing to be stale against."""
    if basis is None:
        return {}
    return {"name": basis.name, "description": basis.description, "active": basis.active}


@bp.post("/beheer/grondslagen/standaard")
def default_legal_bases():
    """Add the starting list where a name is missing."""
    require("legal_basis.manage")
    if ActionForm().validate_on_submit():
        run_use_case(
            None,
            lambda: ensure_default_legal_bases(actor=current_user),
            success=lambda added: _("%(n)d grondslag(en) toegevoegd.", n=added),
        )
    return redirect(url_for("cases.legal_bases"))
