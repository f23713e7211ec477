"""Organisation administration (platform admins) and members (organisation admins)."""

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..access.policy import (
    can,
    load_child_or_404,
    load_or_404,
    not_found,
    require,
)
from ..access.roles import OrgRole
from ..accounts import service as account_service
from ..accounts.forms import InviteForm
from ..accounts.invitations import send_invitation
from ..accounts.models import Invitation
from ..editing import Edit
from ..forms import REFUSED, run_use_case
from ..pagination import paginate
from . import queries, service
from .forms import ORG_TYPE_LABELS, MemberRoleForm, OrganisationForm
from .models import Membership, Organisation, OrgType

bp = Blueprint("organisations", __name__)


@bp.get("/beheer/organisaties")
@login_required
def index():
    """All partners, searchable and filterable, with their member counts."""
    require("organisation.list_all")
    q = request.args.get("q", "").strip()
    org_type = request.args.get("soort", "")
    known_type = org_type in {t.value for t in OrgType}
    page = paginate(
        queries.organisation_list(
            current_user, text=q, org_type=OrgType(org_type) if known_type else None
        )
    )
    member_counts = queries.member_counts([org.id for org in page.items])
    return render_template(
        "organisations/index.html",
        page=page,
        member_counts=member_counts,
        q=q,
        org_type=org_type,
        type_labels=ORG_TYPE_LABELS,
    )


@bp.route("/beheer/organisaties/nieuw", methods=["GET", "POST"])
@login_required
def create():
    """Add a partner organisation."""
    require("organisation.create")
    form = OrganisationForm()
    if form.validate_on_submit():
        org = run_use_case(
            form,
            lambda: service.create_organisation(
                form.name.data,
                OrgType(form.type.data),
                cbs_code=form.cbs_code.data,
                actor=current_user,
            ),
        )
        if org is not REFUSED:
            flash(_("De organisatie %(name)s is aangemaakt.", name=org.name), "success")
            return redirect(url_for(".show", organisation_id=org.id))
    status = 422 if form.is_submitted() else 200
    return render_template("organisations/form.html", form=form, organisation=None), status


@bp.get("/organisaties/<int:organisation_id>")
@login_required
def show(organisation_id):
    """An organisation: its details, members and open invitations."""
    org = load_or_404(Organisation, organisation_id, "organisation.view")
    members = paginate(queries.members(org))
    invitations = []
    if can(current_user, "organisation.manage_members", org):
        invitations = queries.open_invitations(current_user, org)
    return render_template(
        "organisations/show.html",
        organisation=org,
        members=members,
        invitations=invitations,
        type_labels=ORG_TYPE_LABELS,
        role_form=MemberRoleForm(),
    )


@bp.route("/beheer/organisaties/<int:organisation_id>/bewerken", methods=["GET", "POST"])
@login_required
def edit(organisation_id):
    """Change an organisation's name, type or municipality."""
    org = load_or_404(Organisation, organisation_id, "organisation.edit")
    form = OrganisationForm(data=_values(org))
    edit = Edit(form, org, lambda: _values(org))
    if form.validate_on_submit():
        done = edit.save(
            lambda: service.update_organisation(
                org,
                name=form.name.data,
                org_type=OrgType(form.type.data),
                cbs_code=form.cbs_code.data,
                actor=current_user,
            ),
            success=_("De wijzigingen zijn opgeslagen."),
        )
        if done is not REFUSED:
            return redirect(url_for(".show", organisation_id=org.id))
    return render_template("organisations/form.html", form=form, organisation=org), edit.status


def _values(org: Organisation) -> dict:
    """The organisation as its edit form shows it."""
    return {"name": org.name, "type": org.type.value, "cbs_code": org.cbs_code or ""}


@bp.post("/beheer/organisaties/<int:organisation_id>/deactiveren")
@login_required
def deactivate(organisation_id):
    """Deactivate an organisation: kept, but its members lose what it gave them."""
    org = load_or_404(Organisation, organisation_id, "organisation.deactivate")
    run_use_case(
        None,
        lambda: service.set_organisation_active(org, False, actor=current_user),
        success=_("%(name)s is gedeactiveerd.", name=org.name),
    )
    return redirect(url_for(".show", organisation_id=org.id))


@bp.post("/beheer/organisaties/<int:organisation_id>/activeren")
@login_required
def reactivate(organisation_id):
    """Reactivate a deactivated organisation."""
    org = load_or_404(Organisation, organisation_id, "organisation.deactivate")
    run_use_case(
        None,
        lambda: service.set_organisation_active(org, True, actor=current_user),
        success=_("%(name)s is weer actief.", name=org.name),
    )
    return redirect(url_for(".show", organisation_id=org.id))


@bp.route("/organisaties/<int:organisation_id>/uitnodigen", methods=["GET", "POST"])
@login_required
def invite(organisation_id):
    """Invite someone by e-mail to join this organisation."""
    org = load_or_404(Organisation, organisation_id, "organisation.manage_members")
    form = InviteForm()
    if form.validate_on_submit():
        if send_invitation(form, org):
            return redirect(url_for(".show", organisation_id=org.id))
    status = 422 if form.is_submitted() else 200
    return render_template("organisations/invite.html", form=form, organisation=org), status


def _membership_or_404(org: Organisation, membership_id: int) -> Membership:
    """A membership of this organisation only; another's is an audited refusal."""
    return load_child_or_404(org, Membership, membership_id, "organisation.manage_members")


@bp.post("/organisaties/<int:organisation_id>/leden/<int:membership_id>/rol")
@login_required
def change_role(organisation_id, membership_id):
    """Make a member an organisation admin, or the other way round."""
    org = load_or_404(Organisation, organisation_id, "organisation.manage_members")
    membership = _membership_or_404(org, membership_id)
    form = MemberRoleForm()
    if form.validate_on_submit():
        run_use_case(
            None,
            lambda: service.change_member_role(
                membership, OrgRole(form.role.data), actor=current_user
            ),
            success=lambda _result: _(
                "De rol van %(name)s is gewijzigd.", name=membership.user.name
            ),
        )
    else:
        flash(_("Kies een geldige rol."), "error")  # CSRF is checked before; only the role fails
    return redirect(url_for(".show", organisation_id=org.id))


@bp.post("/organisaties/<int:organisation_id>/leden/<int:membership_id>/verwijderen")
@login_required
def remove_member(organisation_id, membership_id):
    """Remove someone from the organisation (their account stays)."""
    org = load_or_404(Organisation, organisation_id, "organisation.manage_members")
    membership = _membership_or_404(org, membership_id)
    name = membership.user.name
    done = run_use_case(
        None,
        lambda: service.remove_member(membership, actor=current_user),
        success=_("%(name)s is geen lid meer van %(org)s.", name=name, org=org.name),
    )
    if done is not REFUSED:
        if not can(current_user, "organisation.view", org):  # they removed themselves
            return redirect(url_for("web.index"))
    return redirect(url_for(".show", organisation_id=org.id))


@bp.post("/organisaties/<int:organisation_id>/uitnodigingen/<int:invitation_id>/intrekken")
@login_required
def revoke_invitation(organisation_id, invitation_id):
    """Withdraw an invitation that has not been accepted yet."""
    invitation = load_or_404(Invitation, invitation_id, "invitation.revoke")
    if invitation.organisation_id != organisation_id:  # another organisation's invitation
        not_found("invitation.revoke", target=("invitation", invitation_id))
    run_use_case(
        None,
        lambda: account_service.revoke_invitation(invitation, actor=current_user),
        success=_("De uitnodiging voor %(email)s is ingetrokken.", email=invitation.email),
    )
    return redirect(url_for(".show", organisation_id=organisation_id))
