"""Who the user is in the network, fetched once per request: their memberships, the spaces a
grant gives them and which of those open now, their role in a space, and the case spaces in
which they belong to a core organisation. Every rule module reads these.

For the user at the keyboard the id sets are small tuples built once per request (`IN (1, 2,
…)` plans well; nested subqueries over the grants are costed in the millions), bound as one
array parameter on PostgreSQL (`_in`: `= ANY(…)`); for anyone else
(a notification's recipient), and outside a request, they stay subqueries: no query per
recipient. A write forgets them (`request_state.py`).
"""

from collections.abc import Callable
from functools import wraps

from flask import g, has_request_context
from sqlalchemy import (
    ColumnElement,
    String,
    case,
    exists,
    false,
    func,
    literal,
    or_,
    select,
    true,
    type_coerce,
)
from werkzeug.local import LocalProxy

from ..cases.models import Case, CaseOrganisation
from ..extensions import db
from ..organisations.models import Membership, Organisation
from ..queries import ids_in
from ..spaces.models import PrincipalType, Space, SpaceGrant, SpaceKind
from .generation import granted_spaces, kept
from .mfa import MFA_CLASSIFICATIONS, session_has_mfa
from .request_state import _loaded_memberships
from .roles import OrgRole, SpaceRole


def _in(column, ids) -> ColumnElement[bool]:
    """`column IN ids` for an id set of this module: a tuple as one array parameter on
    PostgreSQL (the statement stays short enough for SQLAlchemy and psycopg to cache), a SELECT
    as a subquery."""
    if isinstance(ids, tuple | list | set | frozenset):
        return ids_in(column, ids)
    return column.in_(ids)


def _active(user) -> bool:
    return bool(user is not None and user.is_authenticated and user.active)


def _is_platform_admin(user) -> bool:
    return _active(user) and user.is_platform_admin


def _platform_admin_only(user, obj=None) -> bool:
    return _is_platform_admin(user)


def unproxied(user):
    """The account behind flask-login's `current_user`: each attribute read through the proxy
    looks the user up again, and a page's filters read hundreds."""
    return user._get_current_object() if isinstance(user, LocalProxy) else user


def _per_request(build: Callable) -> Callable:
    """Build a filter once per request: one page asks for the same one many times (the header's
    count, the list, its total, the menu). The key holds all a filter reads when it is built:
    the builder, the user's id, roles and state, the arguments and the session's second
    factor; and the user's id sets, which for the user at the keyboard the access generation
    fixes. So for that user the filter is also kept across requests in this process, while
    the generation stays the same and the request wrote nothing (generation.kept): a builder
    reads nothing else (no clock, no row beyond the id sets; what the database decides is in
    the SQL it returns)."""

    @wraps(build)
    def cached(user, *args, **kwargs):
        if not has_request_context():
            return build(user, *args, **kwargs)
        user = unproxied(user)
        roles = (getattr(user, name, None) for name in ("is_platform_admin", "is_secretariat"))
        key = (build, getattr(user, "id", None), _active(user), *roles, args)
        key += (tuple(sorted(kwargs.items())), session_has_mfa())
        cache = g.setdefault("policy_filters", {})
        if key not in cache:
            if _at_the_keyboard(user):
                cache[key] = kept(user.id, key, lambda: build(user, *args, **kwargs))
            else:
                cache[key] = build(user, *args, **kwargs)
        return cache[key]

    return cached


def _at_the_keyboard(user) -> bool:
    """Is `user` the one this request serves? Only then are the id sets fetched as tuples."""
    if not has_request_context() or not _active(user):
        return False
    return getattr(g.get("_login_user"), "id", None) == user.id


def kept_across_requests(user, what: tuple, build: Callable):
    """`build()` kept in this process across requests for the user at the keyboard, while the
    access generation stays the same (generation.kept): for a statement built from the
    policy's filters alone, whose id sets the generation fixes. The key is `what` (the
    statement and its arguments) with all else a filter reads when built: the user's roles
    and the session's second factor. For anyone else, or a request that wrote, built anew."""
    if not _at_the_keyboard(user):
        return build()
    user = unproxied(user)
    key = (*what, user.is_platform_admin, user.is_secretariat, session_has_mfa())
    return kept(user.id, key, build)


def _row_exists(key, reference, clause) -> ColumnElement[bool]:
    """The row `reference` points at (by its primary key `key`) meets `clause`: an EXISTS on
    the primary key, never the set of all rows that do."""
    return exists(select(key).where(key == reference, clause))


# --- memberships ---------------------------------------------------------------------------


def _active_member_org_ids(user):
    return (
        select(Membership.organisation_id)
        .join(Organisation, Organisation.id == Membership.organisation_id)
        .where(Membership.user_id == user.id, Organisation.active.is_(True))
    )


@_per_request
def _memberships(user) -> list[tuple[int, OrgRole]]:
    """(organisation id, role) of the user's memberships of active organisations: as the
    login's query loaded them with the account (accounts/sessions.py), else one query."""
    loaded = _loaded_memberships(user)
    if loaded is not None:
        return loaded
    query = (
        select(Membership.organisation_id, Membership.role)
        .join(Organisation, Organisation.id == Membership.organisation_id)
        .where(Membership.user_id == user.id, Organisation.active.is_(True))
    )
    return [(org_id, OrgRole(role)) for org_id, role in db.session.execute(query)]


def _member_orgs(user, *, admins: bool = False):
    """The active organisations the user is a member (or admin) of: a tuple of ids for the user
    at the keyboard, a SELECT otherwise. Either goes into `_in(column, …)`."""
    if not _at_the_keyboard(user):
        query = _active_member_org_ids(user)
        return query.where(Membership.role == OrgRole.ORG_ADMIN) if admins else query
    return _member_org_tuple(user, admins)


@_per_request
def _member_org_tuple(user, admins: bool) -> tuple[int, ...]:
    return tuple(
        org_id for org_id, role in _memberships(user) if not admins or role == OrgRole.ORG_ADMIN
    )


def _member_org_ids(user) -> set[int]:
    return {m.organisation_id for m in user.memberships if m.organisation.active}


def _is_network_member(user) -> ColumnElement[bool]:
    """Is the user a member of an active organisation, as a clause."""
    if not _at_the_keyboard(user):
        return exists(_active_member_org_ids(user))
    return true() if _memberships(user) else false()


def _network_member(user, obj=None) -> bool:
    # One query, whatever the number of memberships: the main menu asks it on every page.
    if not _active(user):
        return False
    if _at_the_keyboard(user):
        return bool(_memberships(user))
    return bool(db.session.scalar(select(exists(_active_member_org_ids(user)))))


# --- grants and spaces ---------------------------------------------------------------------
#
# Content access always comes from a grant: a platform admin manages a space's metadata and
# grants (they "see" every space) but reads its content only through a grant of their own.


def _grants_matching(user) -> ColumnElement[bool]:
    member_orgs = _member_orgs(user)
    admin_orgs = _member_orgs(user, admins=True)
    return or_(
        (SpaceGrant.principal_type == PrincipalType.USER) & (SpaceGrant.user_id == user.id),
        (SpaceGrant.principal_type == PrincipalType.ORGANISATION)
        & _in(SpaceGrant.organisation_id, member_orgs),
        (SpaceGrant.principal_type == PrincipalType.ORGANISATION_ADMINS)
        & _in(SpaceGrant.organisation_id, admin_orgs),
        (SpaceGrant.principal_type == PrincipalType.NETWORK) & _is_network_member(user),
    )


@_per_request
def _granted_spaces(user) -> list:
    """The spaces a grant gives the user, with what decides whether they open now, and for a
    case space whether the user belongs to one of its core organisations (one query, for the
    user at the keyboard: each case space's core flag is an EXISTS on its case, not a query of
    its own). For the user at the keyboard kept across requests while the access generation
    stays the same (generation.py): then no query at all."""
    if not _at_the_keyboard(user):
        return db.session.execute(_granted_spaces_query(user)).all()
    return granted_spaces(user.id, lambda: db.session.execute(_granted_spaces_query(user)).all())


def _granted_spaces_query(user):
    core = exists(
        select(CaseOrganisation.case_id)
        .join(Case, Case.id == CaseOrganisation.case_id)
        .where(
            Case.space_id == Space.id,
            CaseOrganisation.core.is_(True),
            _in(CaseOrganisation.organisation_id, _member_orgs(user)),
        )
    )
    # kind and classification as their stored strings (StrEnum members compare equal to
    # them): hundreds of rows, each enum built in Python for nothing.
    # and the highest role the user's grants give in each (`space_role`): grouped by the
    # space's key, on which the other columns depend.
    return (
        select(
            Space.id,
            type_coerce(Space.kind, String).label("kind"),
            Space.archived_at,
            Space.mfa_required,
            type_coerce(Space.classification, String).label("classification"),
            case((Space.kind == SpaceKind.CASE, core), else_=false()).label("core_case"),
            func.max(SpaceGrant.role).label("role"),
        )
        .join(SpaceGrant, SpaceGrant.space_id == Space.id)
        .where(_grants_matching(user))
        .group_by(Space.id)
    )


def _opens_now(space, has_mfa: bool) -> bool:
    """`_open_spaces` in Python, for one row of `_granted_spaces`."""
    if space.archived_at is not None:
        return False
    return has_mfa or (
        not space.mfa_required
        and space.kind != SpaceKind.CASE
        and space.classification not in _MFA_CLASSIFICATION_VALUES
    )


_MFA_CLASSIFICATION_VALUES = frozenset(c.value for c in MFA_CLASSIFICATIONS)


def _granted_space_ids(user):
    """Ids of the spaces a grant gives the user: a tuple at the keyboard, else a SELECT."""
    if not _at_the_keyboard(user):
        return select(SpaceGrant.space_id).where(_grants_matching(user))
    return _granted_space_tuple(user)


@_per_request
def _granted_space_tuple(user) -> tuple[int, ...]:
    return tuple(space.id for space in _granted_spaces(user))


@_per_request
def visible_spaces(user) -> ColumnElement[bool]:
    """Spaces whose content the user may read: a grant matches them."""
    if not _active(user):
        return false()
    return _in(Space.id, _granted_space_ids(user))


@_per_request
def _open_spaces(user):
    """Ids of the spaces whose content this session may read now (grant, not archived, MFA)."""
    query = select(Space.id).where(visible_spaces(user), Space.archived_at.is_(None))
    if not session_has_mfa():
        query = query.where(
            Space.mfa_required.is_(False),
            Space.kind != SpaceKind.CASE,
            Space.classification.not_in(MFA_CLASSIFICATIONS),
        )
    return query


def _open_space_ids(user, *, cases: bool = True):
    """Ids of the spaces whose content this session may read now (with `cases=False`: but no
    case space): a tuple at the keyboard, else a SELECT."""
    if not _at_the_keyboard(user):
        query = _open_spaces(user)
        return query if cases else query.where(Space.kind != SpaceKind.CASE)
    return _open_space_tuple(user, cases)


@_per_request
def _open_space_tuple(user, cases: bool) -> tuple[int, ...]:
    has_mfa = session_has_mfa()
    return tuple(
        space.id
        for space in _granted_spaces(user)
        if _opens_now(space, has_mfa) and (cases or space.kind != SpaceKind.CASE)
    )


def _grants_from(user, minimum: SpaceRole):
    """SELECT of the ids of the spaces in which a grant gives the user at least `minimum`."""
    return select(SpaceGrant.space_id).where(_grants_matching(user), SpaceGrant.role >= minimum)


def space_role(user, space: Space) -> SpaceRole | None:
    """The highest role any grant gives `user` in `space`: for the user at the keyboard read
    with the granted spaces, for anyone else one query (cached for the request)."""
    if not _active(user):
        return None
    if _at_the_keyboard(user):
        return _granted_roles(user).get(space.id)
    cache = g.setdefault("space_roles", {}) if has_request_context() else {}
    key = (user.id, space.id)
    if key not in cache:
        role = db.session.scalar(
            select(func.max(SpaceGrant.role)).where(
                SpaceGrant.space_id == space.id, _grants_matching(user)
            )
        )
        cache[key] = SpaceRole(role) if role is not None else None
    return cache[key]


@_per_request
def _granted_roles(user) -> dict[int, SpaceRole]:
    return {space.id: SpaceRole(space.role) for space in _granted_spaces(user)}


def _has_role(user, space: Space, minimum: SpaceRole) -> bool:
    role = space_role(user, space)
    if role is None or role < minimum:
        return False
    # A space that needs MFA opens only in a session that passed a second factor.
    return not space.requires_mfa or session_has_mfa()


# --- case spaces in which the user is core -------------------------------------------------
#
# In a case, a core organisation (the local triangle) reads every item that is not narrowed;
# any other participant reads only what was given to it. Documents ask this as well as cases.


def _core_case_spaces(user):
    return (
        select(Case.space_id)
        .join(CaseOrganisation, CaseOrganisation.case_id == Case.id)
        .where(
            CaseOrganisation.core.is_(True),
            _in(CaseOrganisation.organisation_id, _member_orgs(user)),
        )
    )


def _core_case_space_ids(user):
    """Case spaces in which the user belongs to a core organisation. At the keyboard a tuple
    of ids, and only those among the user's own case spaces (every filter that asks also
    requires a grant), read with the granted spaces: no query of its own."""
    if not _at_the_keyboard(user):
        return _core_case_spaces(user)
    return _case_space_tuple(user, core=True)


def _limited_case_space_ids(user):
    """Case spaces in which the user belongs to no core organisation. At the keyboard only
    those among the user's own spaces (a filter that asks also requires one of those)."""
    if not _at_the_keyboard(user):
        return select(Case.space_id).where(Case.space_id.not_in(_core_case_spaces(user)))
    return _case_space_tuple(user, core=False)


@_per_request
def _case_space_tuple(user, core: bool) -> tuple[int, ...]:
    """The user's granted case spaces in which they are core (or not)."""
    return tuple(
        space.id
        for space in _granted_spaces(user)
        if space.kind == SpaceKind.CASE and bool(space.core_case) is core
    )


def _case_core_in_space(user, space_id: int) -> bool:
    query = _core_case_spaces(user).where(Case.space_id == space_id)
    return db.session.scalar(select(literal(1)).where(exists(query))) is not None
