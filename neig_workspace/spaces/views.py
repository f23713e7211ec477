"""Spaces: my spaces, a space's overview, members (grants), activity and settings."""

from flask import Blueprint, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import current_user, login_required
from sqlalchemy import select

from ..access.policy import (
    can,
    load_child_or_404,
    load_or_404,
    require,
    session_has_mfa,
    space_role,
)
from ..access.roles import SpaceRole
from ..accounts.service import find_user_by_email
from ..editing import Edit
from ..errors import ServiceError
from ..extensions import db
from ..forms import REFUSED, commit_side_effect, run_use_case
from ..links import path_before_id
from ..organisations.models import Organisation
from ..pagination import paginate
from . import queries, service
from .activity import feed
from .forms import (
    CLASSIFICATION_LABELS,
    KIND_LABELS,
    PRINCIPAL_LABELS,
    ROLE_LABELS,
    GrantForm,
    NewSpaceForm,
    RetentionHoldForm,
    SpaceForm,
)
from .models import Classification, PrincipalType, Space, SpaceGrant, SpaceKind

bp = Blueprint("spaces", __name__)


@bp.app_context_processor
def _labels():
    """The Dutch (or English) names of kinds, labels and roles, for every template."""
    return {
        "kind_labels": KIND_LABELS,
        "classification_labels": CLASSIFICATION_LABELS,
        "role_labels": ROLE_LABELS,
        "principal_labels": PRINCIPAL_LABELS,
        "sharing_label": sharing_label,
    }


def sharing_label(space: Space) -> str:
    """Who the space is shared with, from its grants (the header of every space page)."""
    reach = service.sharing_of(space)
    if reach.network:
        return _("Gedeeld met het hele netwerk")
    if reach.only_organisation:
        return _("Alleen %(organisation)s", organisation=reach.only_organisation)
    organisations = ngettext("%(num)d organisatie", "%(num)d organisaties", reach.organisations)
    people = ngettext("%(num)d persoon", "%(num)d personen", reach.people)
    if reach.organisations and reach.people:
        return _(
            "Gedeeld met %(organisations)s en %(people)s",
            organisations=organisations,
            people=people,
        )
    if reach.organisations or reach.people:
        return _("Gedeeld met %(whom)s", whom=organisations if reach.organisations else people)
    return _("Met niemand gedeeld")


@bp.get("/werkruimtes")
@login_required
def index():
    """My spaces, grouped by kind, with how many events happened since my last visit."""
    spaces = queries.my_spaces(current_user, with_case_spaces=session_has_mfa())
    return render_template(
        "spaces/index.html",
        space_groups=_group(spaces, _news_labels(spaces)),
        space_path=path_before_id("spaces.show", "space_id"),
    )


def _news_labels(spaces) -> dict[int, str]:
    """Number -> "3 nieuw", translated once per number rather than once per space."""
    labels: dict[int, str] = {}
    for space in spaces:
        if space.news and space.news not in labels:
            labels[space.news] = (
                _("%(num)d+ nieuw", num=queries.NEWS_COUNTED)
                if space.news > queries.NEWS_COUNTED
                else ngettext("%(num)d nieuw", "%(num)d nieuw", space.news)
            )
    return labels


#: The groups of the spaces list, in order: an organisation space is "Eigen organisatie" only
#: if it is of one of the user's own organisations.
GROUPS = (
    ("organisation", KIND_LABELS[SpaceKind.ORGANISATION]),
    ("partner", _l("Van andere organisaties")),
    ("shared", KIND_LABELS[SpaceKind.SHARED]),
    ("restricted", KIND_LABELS[SpaceKind.RESTRICTED]),
    ("case", KIND_LABELS[SpaceKind.CASE]),
)


def _group(spaces, news_labels: dict[int, str]) -> list[tuple[str, str, list]]:
    """(key, heading, [(space, "3 nieuw" or None)]) of each group that has spaces."""
    groups = {key: [] for key, _label in GROUPS}
    for space in spaces:
        key = space.kind.value
        if space.kind == SpaceKind.ORGANISATION and not space.own:
            key = "partner"
        groups[key].append((space, news_labels.get(space.news)))
    return [(key, label, groups[key]) for key, label in GROUPS if groups[key]]


@bp.get("/werkruimtes/<int:space_id>")
@login_required
def show(space_id):
    """A space's overview: what it is for, who is in it and what happened lately."""
    space = load_or_404(Space, space_id, "space.view")
    if space.kind == SpaceKind.CASE:  # casework: a case space is shown as its case
        return _to_case(space, "cases.show")
    commit_side_effect(service.record_visit, space, current_user)
    return render_template(
        "spaces/show.html",
        space=space,
        my_role=space_role(current_user, space),
        recent=feed(db.session.scalars(queries.activity(current_user, space).limit(10)).all()),
    )


def _to_case(space: Space, endpoint: str):
    """casework: a case space's overview, activity and members are its case's pages
    (the case keeps its own timeline, access log and participants)."""
    from ..cases.models import Case

    case_id = db.session.scalar(select(Case.id).where(Case.space_id == space.id))
    return redirect(url_for(endpoint, case_id=case_id))


@bp.get("/werkruimtes/<int:space_id>/activiteit")
@login_required
def activity(space_id):
    """Everything that happened in the space, newest first."""
    space = load_or_404(Space, space_id, "space.view")
    if space.kind == SpaceKind.CASE:
        return _to_case(space, "cases.show")
    page = paginate(queries.activity(current_user, space))
    return render_template("spaces/activity.html", space=space, page=page, lines=feed(page.items))


@bp.get("/werkruimtes/<int:space_id>/leden")
@login_required
def members(space_id):
    """Who is in the space, through which grant; managers change the grants here."""
    space = load_or_404(Space, space_id, "space.see")
    if space.kind == SpaceKind.CASE:
        return _to_case(space, "cases.participants")
    grants = queries.grants(space)
    form = _grant_form(space) if can(current_user, "space.manage_grants", space) else None
    return render_template("spaces/members.html", space=space, grants=grants, form=form)


def _grant_form(space: Space, formdata=None) -> GrantForm:
    """Named organisations first, the whole network last and never preselected: the field
    starts at the space's own organisation (else the user's)."""
    form = GrantForm(formdata) if formdata is not None else GrantForm()
    orgs = queries.active_organisations()
    form.principal.choices = (
        [(f"org:{oid}", name) for oid, name in orgs]
        + [(f"admins:{oid}", _("beheerders van %(org)s", org=name)) for oid, name in orgs]
        + [
            ("user", _("één persoon (e-mailadres)")),
            ("network", str(PRINCIPAL_LABELS[PrincipalType.NETWORK])),
        ]
    )
    if formdata is None:
        form.principal.data = _default_principal(space, [oid for oid, _name in orgs])
    return form


def _default_principal(space: Space, org_ids: list[int]) -> str | None:
    own = [m.organisation_id for m in current_user.memberships]
    for candidate in (space.organisation_id, *own):
        if candidate in org_ids:
            return f"org:{candidate}"
    return f"org:{org_ids[0]}" if org_ids else None


@bp.post("/werkruimtes/<int:space_id>/leden")
@login_required
def add_grant(space_id):
    """Give a principal a role in the space (or change its role)."""
    space = load_or_404(Space, space_id, "space.manage_grants")
    form = _grant_form(space, request.form)
    if form.validate_on_submit():
        done = run_use_case(
            form, lambda: _apply_grant(space, form), success=_("De toegang is opgeslagen.")
        )
        if done is not REFUSED:
            return redirect(url_for(".members", space_id=space.id))
    page = render_template(
        "spaces/members.html", space=space, grants=queries.grants(space), form=form
    )
    return page, 422


def _apply_grant(space, form) -> None:
    role = SpaceRole(int(form.role.data))
    choice = form.principal.data
    if choice == "network":
        confirmed = bool(form.confirm_network.data)
        service.grant_network(space, role, confirmed=confirmed, actor=current_user)
        return
    if choice == "user":
        user = find_user_by_email(form.email.data)
        if user is None or not user.active:
            raise ServiceError(_("Er is geen actief account met dit e-mailadres."), "email")
        service.add_grant(space, PrincipalType.USER, role, user=user, actor=current_user)
        return
    kind, _sep, org_id = choice.partition(":")
    organisation = db.session.get(Organisation, int(org_id))
    principal = PrincipalType.ORGANISATION if kind == "org" else PrincipalType.ORGANISATION_ADMINS
    service.add_grant(space, principal, role, organisation=organisation, actor=current_user)


@bp.post("/werkruimtes/<int:space_id>/leden/<int:grant_id>/verwijderen")
@login_required
def remove_grant(space_id, grant_id):
    """Take a grant away; its members lose access at their next request."""
    space = load_or_404(Space, space_id, "space.manage_grants")
    grant = load_child_or_404(space, SpaceGrant, grant_id, "space.manage_grants")
    run_use_case(
        None,
        lambda: service.remove_grant(grant, actor=current_user),
        success=_("De toegang is ingetrokken."),
    )
    return redirect(url_for(".members", space_id=space.id))


@bp.route("/beheer/werkruimtes/nieuw", methods=["GET", "POST"])
@login_required
def create():
    """A new shared or restricted space (platform admins)."""
    require("space.create")
    form = NewSpaceForm()
    form.fill_legal_bases()
    if form.validate_on_submit():
        space = run_use_case(
            form,
            lambda: service.create_space(
                SpaceKind(form.kind.data),
                form.name.data,
                description=form.description.data or "",
                classification=Classification(form.classification.data),
                mfa_required=form.mfa_required.data,
                privacy=form.privacy_values(),
                actor=current_user,
            ),
            success=lambda space: _(
                "De werkruimte %(name)s is aangemaakt. Geef nu toegang.", name=space.name
            ),
        )
        if space is not REFUSED:
            return redirect(url_for(".members", space_id=space.id))
    status = 422 if form.is_submitted() else 200
    return render_template("spaces/form.html", form=form, space=None), status


@bp.route("/werkruimtes/<int:space_id>/instellingen", methods=["GET", "POST"])
@login_required
def edit(space_id):
    """Name, description, classification and MFA of a space."""
    space = load_or_404(Space, space_id, "space.manage_grants")
    form = SpaceForm(data=_values(space))
    edit = Edit(form, space, lambda: _values(space))
    if form.validate_on_submit():
        done = edit.save(
            lambda: service.update_space(
                space,
                name=form.name.data,
                description=form.description.data or "",
                classification=Classification(form.classification.data),
                mfa_required=form.mfa_required.data,
                actor=current_user,
            ),
            success=_("De instellingen zijn opgeslagen."),
        )
        if done is not REFUSED:
            return redirect(url_for(".members", space_id=space.id))
    return _settings_page(space, form, RetentionHoldForm(), edit.status)


def _settings_page(space: Space, form, hold_form, status: int):
    return render_template("spaces/form.html", form=form, space=space, hold_form=hold_form), status


@bp.post("/werkruimtes/<int:space_id>/bewaartermijn/blokkeren")
@login_required
def hold_retention(space_id):
    """Put the space on hold: `flask neig retention` destroys none of its documents."""
    space = load_or_404(Space, space_id, "space.manage_grants")
    hold_form = RetentionHoldForm()
    if hold_form.validate_on_submit():
        done = run_use_case(
            hold_form,
            lambda: service.hold_retention(space, hold_form.reason.data, actor=current_user),
            success=_("De werkruimte is geblokkeerd voor de bewaartermijn."),
        )
        if done is not REFUSED:
            return redirect(url_for(".edit", space_id=space.id))
    return _settings_page(space, SpaceForm(data=_values(space)), hold_form, 422)


@bp.post("/werkruimtes/<int:space_id>/bewaartermijn/vrijgeven")
@login_required
def release_retention(space_id):
    """Lift the hold: the retention applies again from the next dry run."""
    space = load_or_404(Space, space_id, "space.manage_grants")
    run_use_case(
        None,
        lambda: service.release_retention(space, actor=current_user),
        success=_("De blokkade is opgeheven; de bewaartermijn geldt weer."),
    )
    return redirect(url_for(".edit", space_id=space.id))


def _values(space: Space) -> dict:
    """The space's settings as their form shows them."""
    return {
        "name": space.name,
        "description": space.description,
        "classification": space.classification.value,
        "mfa_required": space.mfa_required,
    }


@bp.get("/beheer/werkruimtes")
@login_required
def admin_index():
    """Every space with its kind and classification (platform admins; no content)."""
    require("space.create")
    page = paginate(queries.all_spaces(current_user))
    return render_template("spaces/admin_index.html", page=page)
