"""The route matrix (SECURITY.md § How we test it): every route × persona gives the answer of
tests/security/route_table.py, and a route without a row fails.

One request per cell, and every check on that response (SECURITY.md § Headers, § Access
control):
- the answer of the row;
- the security headers (CSP, nosniff, Referrer-Policy), `no-store` for a logged-in viewer, and
  no inline script or style in the HTML (the CSP would block them, so the page would silently
  break); a file shown inline has a sandboxed CSP of its own;
- a GET changes nothing (beyond the few recorded visits named below), and neither does a
  refused POST (it may audit the refusal);
- a POST (CSRF, ASVS 3.5.1): sent first without a token, and by the platform admin also with
  another session's token, it is refused with 400 and nothing at all changes, not even an audit
  event or a session record.

A's objects are planted once for the module (`world`); each cell runs in a savepoint that is
rolled back, so every cell starts from the same planted state.
"""

from urllib.parse import urlsplit

import pytest
from sqlalchemy import select

from neig_workspace.accounts.models import User
from neig_workspace.audit.models import AuditEvent
from tests.conftest import db_ctx

from .headers import assert_no_inline_code, assert_sandboxed_preview, assert_security_headers
from .route_table import (
    LOGIN,
    OUT,
    ROUTES,
    SELF_ROUTES,
    Cell,
    build_context,
    db_snapshot,
    matrix_cases,
    routes_in,
    table_rows,
)

#: Refusals may be audited (SECURITY.md: "access denied" is a security event); nothing else
#: may change.
AUDIT = ("audit_events",)


@pytest.fixture(scope="module")
def world(app, test_db, module_personas):
    """A's objects for every row, planted once for the module."""
    with test_db.rolled_back():
        yield build_context(app, module_personas)


def test_every_route_has_a_row(app):
    missing = routes_in(app) - set(ROUTES)
    assert not missing, (
        f"every new route needs a row in tests/security/route_table.py: {sorted(missing)}"
    )


def test_every_row_is_a_route(app):
    stale = set(ROUTES) - routes_in(app)
    assert not stale, f"rows for routes that no longer exist: {sorted(stale)}"


#: Ids of objects that belong to no organisation: the legal bases are one list for the whole
#: network (shown on every case), edited by platform admins only; another organisation's
#: member is refused those routes with 403 like any non-admin, which tells nothing.
PLATFORM_WIDE_IDS = {"basis_id"}


def test_every_route_with_an_object_id_hides_it_from_other_organisations(app):
    """Rows whose URL names an object say what member_b gets on A's object: always 404."""
    for rule in app.url_map.iter_rules():
        ids = {arg for arg in rule.arguments if arg.endswith("_id")}
        if not ids or ids <= PLATFORM_WIDE_IDS:
            continue
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            assert ROUTES[(rule.endpoint, method)].other == 404, (rule.endpoint, method)


def test_rows_are_well_formed(app):
    """`other` only where the URL names an object; form data only on POSTs."""
    object_routes = {
        rule.endpoint
        for rule in app.url_map.iter_rules()
        if any(a.endswith("_id") for a in rule.arguments)
    }
    for (endpoint, method), row in ROUTES.items():
        assert (row.other is not None) == (endpoint in object_routes), endpoint
        assert method == "POST" or (row.data is None and row.before is None), endpoint


def test_the_matrix_reaches_pages_for_admins_and_visitors():
    """The header checks are only worth something if the cells render pages, not refusals."""
    reached = {
        column: [
            key for key, row in ROUTES.items() if key[1] == "GET" and row.expect[column] == 200
        ]
        for column in ("anonymous", "platform_admin")
    }
    assert len(reached["platform_admin"]) >= 15 and len(reached["anonymous"]) >= 4


@pytest.mark.parametrize(
    ("endpoint", "method", "column"),
    list(matrix_cases()),
    ids=lambda value: str(value),
)
def test_route_answers_per_persona(app, world, endpoint, method, column):
    cell = Cell(app, world, endpoint, method, column)
    if method == "POST":
        before = _assert_refused_without_a_valid_token(app, cell)
    else:
        before = db_snapshot(app, AUDIT)
    users_before = table_rows(app, User.__table__) if endpoint == "accounts.mfa_enrol" else None

    response = cell.send()

    _assert_answer(response, cell.expected, cell.label)
    _assert_headers(response, cell)
    _assert_changed_only_what_may(app, cell, response, before, users_before)


@pytest.mark.parametrize(
    ("endpoint", "method", "what", "column"),
    [
        (endpoint, method, what, column)
        for endpoint, method, what in SELF_ROUTES
        for column in ("anonymous", "member", "org_admin", "secretariat", "platform_admin")
    ],
    ids=lambda value: str(value),
)
def test_own_account_per_persona(app, world, endpoint, method, what, column):
    """The routes that give access, for the viewer's own account (routes_self.py): the answer,
    the headers, CSRF; a refusal changes nothing but the audit log, and a refusal by the
    separation of duties is audited as such."""
    cell = Cell(app, world, endpoint, method, column, what)
    before = _assert_refused_without_a_valid_token(app, cell)
    refusals = _separation_refusals(app)

    response = cell.send()

    _assert_answer(response, cell.expected, cell.label)
    _assert_headers(response, cell)
    if cell.expected != 302:
        after = db_snapshot(app, AUDIT)
        changed = sorted(name for name in before if before[name] != after[name])
        assert not changed, f"{cell.label} changed {changed}"
    audited = _separation_refusals(app) - refusals
    assert audited == (1 if column in cell.row.audited else 0), cell.label


def _separation_refusals(app) -> int:
    with db_ctx(app) as session:
        return len(
            session.scalars(
                select(AuditEvent.id).where(AuditEvent.action == "separation.refused")
            ).all()
        )


def _assert_answer(response, expected, label):
    location = urlsplit(response.location or "").path
    if expected in (LOGIN, OUT):
        assert (response.status_code, location) == (302, "/inloggen"), label
    else:
        assert response.status_code == expected, (
            f"{label}: {response.status_code} (to {location or '-'})"
        )
    if expected == 302:  # a redirect that is not the login page: the request was let through
        assert location != "/inloggen", label


def _assert_refused_without_a_valid_token(app, cell) -> dict:
    """No token, or (for the platform admin, the most valuable victim) another session's:
    400, and not even an audit event or a session record is written. Returns the snapshot the
    real request starts from."""
    before = db_snapshot(app)
    assert cell.without_token().status_code == 400, f"{cell.label} without a CSRF token"
    if cell.column == "platform_admin":
        response = cell.with_foreign_token()
        assert response.status_code == 400, f"{cell.label} with another session's CSRF token"
    after = db_snapshot(app)
    assert after == before, f"{cell.label}: a request without a valid token changed it"
    return {table: contents for table, contents in after.items() if table not in AUDIT}


def _assert_headers(response, cell):
    if cell.endpoint == "documents.preview" and response.status_code == 200:
        assert_sandboxed_preview(response)
        return
    assert_security_headers(response, logged_in=cell.column != "anonymous")
    assert_no_inline_code(response)


#: GET endpoints that record something when they show a page, and the tables they may touch.
RECORDS_ON_VIEW = {
    # The dashboard records the visit, for "what changed since my last visit".
    "web.index": {"dashboard_visits"},
    # Opening a space records the visit, for "what changed since my last visit".
    "spaces.show": {"space_visits"},
    # Reading an article counts a view (once per reader a day), for "what helps the network".
    "knowledge.show": {"article_views", "articles"},
}


def _assert_changed_only_what_may(app, cell, response, before, users_before):
    refused = cell.expected in (403, 404) or (cell.expected == LOGIN and cell.column == "anonymous")
    if cell.method == "POST" and not refused:
        return  # a successful POST changes what it is for; its own tests say what
    after = db_snapshot(app, AUDIT)
    changed = {name for name in before if before[name] != after[name]}
    if cell.method == "GET" and response.status_code == 200:
        if cell.endpoint == "accounts.mfa_enrol":
            assert changed <= {"users"}, cell.label
            _assert_only_pending_secret_changed(app, cell, users_before)
            return
        allowed = RECORDS_ON_VIEW.get(cell.endpoint, set()) if cell.viewer else set()
        assert changed <= allowed, f"{cell.label} changed {sorted(changed - allowed)}"
        return
    assert not changed, f"{cell.label} changed {sorted(changed)}"


def _assert_only_pending_secret_changed(app, cell, users_before):
    """The enrolment page shows a fresh secret, so it stores one (encrypted, not yet in force:
    mfa_enabled_at stays empty). That pending secret is the only change allowed."""
    user_id = cell.ctx.personas[cell.viewer].id
    with db_ctx(app) as session:
        user = session.scalar(select(User).where(User.id == user_id))
        assert user.mfa_enabled_at is None and user.totp_secret_encrypted, cell.label
        columns = [column.name for column in User.__table__.columns]
    pending = {columns.index("totp_secret_encrypted"), columns.index("totp_last_step")}
    for old, new in zip(users_before, table_rows(app, User.__table__), strict=True):
        changed = {i for i, (a, b) in enumerate(zip(old, new, strict=True)) if a != b}
        assert changed <= (pending if old[0] == user_id else set()), (cell.label, old[0])
