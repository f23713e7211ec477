"""User administration for platform admins: list, search, invite, roles, (de)activation."""

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..access.policy import load_or_404, require
from ..access.roles import OrgRole
from ..forms import REFUSED, commit_side_effect, option_tags, run_use_case
from ..integers import form_int, query_int
from ..organisations import service as org_service
from ..organisations.models import Organisation
from ..pagination import paginate
from ..subject_rights import erasure
from ..subject_rights.export import build_archive
from ..timeutil import utcnow
from . import queries, service, sessions
from .forms import EraseAccountForm, GlobalRolesForm, InviteAnyForm, role_choices
from .invitations import send_invitation
from .models import User

bp = Blueprint("users", __name__, url_prefix="/beheer/gebruikers")

STATUS_FILTERS = {"actief": True, "gedeactiveerd": False}


def _organisation_choices():
    return queries.active_organisations(current_user)


@bp.get("")
@login_required
def index():
    """Every account, searchable by name or e-mail, filterable by organisation and status."""
    require("user.list_all")
    q = request.args.get("q", "").strip()
    org_id = query_int("organisatie")
    status = request.args.get("status", "")
    query = queries.user_list(
        current_user, text=q, organisation_id=org_id, active=STATUS_FILTERS.get(status)
    )
    return render_template(
        "users/index.html",
        page=paginate(query),
        q=q,
        org_id=org_id,
        status=status,
        organisation_options=option_tags(_organisation_choices(), org_id),
    )


@bp.route("/uitnodigen", methods=["GET", "POST"])
@login_required
def invite():
    """Invite someone to any organisation, with a role there."""
    require("user.invite_any")
    form = InviteAnyForm()
    form.organisation.choices = _organisation_choices()
    if form.validate_on_submit():
        org = load_or_404(Organisation, form.organisation.data, "organisation.manage_members")
        if send_invitation(form, org):
            return redirect(url_for(".index"))
    status = 422 if form.is_submitted() else 200
    return render_template("users/invite.html", form=form), status


@bp.get("/<int:user_id>")
@login_required
def show(user_id):
    """One account: organisations, global roles, sessions and status."""
    # "user.view", not "user.manage": an admin may look at their own account here; the
    # template offers the actions only where "user.manage" allows them (never on oneself).
    # Who may not see the account gets 404; who sees it but is no platform admin, 403.
    user = load_or_404(User, user_id, "user.view")
    require("user.list_all")
    # The page lists every membership with its organisation: load them in one query.
    user = queries.with_memberships(user)
    roles_form = GlobalRolesForm(
        data={"platform_admin": user.is_platform_admin, "secretariat": user.is_secretariat}
    )
    return render_template(
        "users/show.html",
        user=user,
        roles_form=roles_form,
        open_sessions=sessions.open_sessions(user),
        organisations=_organisation_choices(),
        role_choices=role_choices(),
    )


@bp.post("/<int:user_id>/rollen")
@login_required
def update_roles(user_id):
    """Grant or take away the global roles platform admin and secretariat."""
    user = load_or_404(User, user_id, "user.manage")
    form = GlobalRolesForm()
    if form.validate_on_submit():
        # An account that holds content stays no admin: the refusal is flashed.
        run_use_case(
            None,
            lambda: service.set_global_roles(
                user,
                platform_admin=form.platform_admin.data,
                secretariat=form.secretariat.data,
                actor=current_user,
            ),
            success=_("De rollen van %(name)s zijn opgeslagen.", name=user.name),
        )
    return redirect(url_for(".show", user_id=user.id))


@bp.post("/<int:user_id>/deactiveren")
@login_required
def deactivate(user_id):
    """Deactivate an account: every session ends at once; nothing is deleted."""
    user = load_or_404(User, user_id, "user.manage")
    run_use_case(
        None,
        lambda: service.deactivate_user(user, actor=current_user),
        success=_("Het account van %(name)s is gedeactiveerd.", name=user.name),
    )
    return redirect(url_for(".show", user_id=user.id))


@bp.post("/<int:user_id>/activeren")
@login_required
def reactivate(user_id):
    """Reactivate a deactivated account."""
    user = load_or_404(User, user_id, "user.manage")
    run_use_case(
        None,
        lambda: service.reactivate_user(user, actor=current_user),
        success=_("Het account van %(name)s is weer actief.", name=user.name),
    )
    return redirect(url_for(".show", user_id=user.id))


@bp.post("/<int:user_id>/sessies-beeindigen")
@login_required
def end_sessions(user_id):
    """End every session of this user."""
    user = load_or_404(User, user_id, "user.manage")
    run_use_case(
        None,
        lambda: service.end_user_sessions(user, actor=current_user),
        success=_("Alle sessies van %(name)s zijn beëindigd.", name=user.name),
    )
    return redirect(url_for(".show", user_id=user.id))


@bp.post("/<int:user_id>/lidmaatschappen")
@login_required
def add_membership(user_id):
    """Add an existing account to another organisation."""
    user = load_or_404(User, user_id, "user.manage")
    org = load_or_404(
        Organisation,
        form_int("organisation_id", 0),
        "organisation.manage_members",
    )
    role = request.form.get("role", OrgRole.MEMBER.value)
    if role not in {r.value for r in OrgRole}:
        flash(_("Kies een geldige rol."), "error")
        return redirect(url_for(".show", user_id=user.id))
    run_use_case(
        None,
        lambda: org_service.add_member(org, user, OrgRole(role), actor=current_user),
        success=_("%(name)s is lid geworden van %(org)s.", name=user.name, org=org.name),
    )
    return redirect(url_for(".show", user_id=user.id))


# --- data-subject requests (AVG art. 15 and 17) ------------------------------------------------


@bp.post("/<int:user_id>/inzage")
@login_required
def subject_export(user_id):
    """The subject-access export of the account as a zip: titles and metadata, no content (a
    platform admin reads none; the person's organisation releases it, or the command line
    `flask neig subject-export` includes it). Audited."""
    user = load_or_404(User, user_id, "user.manage")
    archive = commit_side_effect(build_archive, user, actor=current_user, include_content=False)
    return Response(
        archive,
        mimetype="application/zip",
        headers={
            "Content-Disposition": (
                f'attachment; filename="inzage-{user.id}-{utcnow():%Y%m%d}.zip"'
            ),
            "Cache-Control": "no-store",
        },
    )


@bp.route("/<int:user_id>/wissen", methods=["GET", "POST"])
@login_required
def erase(user_id):
    """Erase the account (a pseudonym everywhere), after typing its e-mail address."""
    user = load_or_404(User, user_id, "user.manage")
    form = EraseAccountForm(email=user.email)
    if form.validate_on_submit():
        result = run_use_case(
            form,
            lambda: erasure.erase_account(user, actor=current_user),
            success=lambda _result: _(
                "Het account is gewist; het heet nu %(name)s.", name=user.name
            ),
        )
        if result is not REFUSED:
            return redirect(url_for(".show", user_id=user.id))
    status = 422 if form.is_submitted() else 200
    return render_template("users/erase.html", user=user, form=form), status
