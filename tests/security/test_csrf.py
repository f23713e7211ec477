"""CSRF (SECURITY.md § Access control; ASVS 3.5.1, 3.5.3): every state-changing request needs the
session's token, and no GET changes anything."""

import pytest
from sqlalchemy import select

from neig_workspace.accounts.models import User
from tests.conftest import db_ctx
from tests.helpers import form_token, login_as

from .route_table import COLUMNS, ROUTES, build_context, context_for, db_snapshot, run_cell

POSTS = [key for key in ROUTES if key[1] == "POST"]
GETS = [key for key in ROUTES if key[1] == "GET"]


def test_csrf_protection_is_on_in_the_tested_app(app):
    assert app.config.get("WTF_CSRF_ENABLED", True) is True
    assert "csrf" in app.extensions


def test_every_post_route_is_in_the_sweep(app):
    posts = {(rule.endpoint, "POST") for rule in app.url_map.iter_rules() if "POST" in rule.methods}
    assert posts == set(POSTS)


@pytest.mark.parametrize("column", COLUMNS)
@pytest.mark.parametrize(("endpoint", "method"), POSTS, ids=str)
def test_post_without_token_is_refused_and_changes_nothing(app, personas, endpoint, method, column):
    # Nothing at all may change: not even an audit event or a session record.
    response, _, before = run_cell(
        app, personas, endpoint, method, column, with_token=False, skip=()
    )
    assert response.status_code == 400
    assert db_snapshot(app) == before


@pytest.mark.parametrize(("endpoint", "method"), POSTS, ids=str)
def test_post_with_another_sessions_token_is_refused(app, personas, endpoint, method):
    """The token must be this session's: one copied from the attacker's own session fails."""
    attacker = login_as(app, app.test_client(), personas.member_b)
    foreign = form_token(attacker, "/")
    ctx = context_for(app, personas, "platform_admin", endpoint, method)
    victim = login_as(app, app.test_client(), personas.platform_admin)
    form_token(victim, "/")  # the victim's session has a token of its own
    row = ROUTES[(endpoint, method)]
    before = db_snapshot(app)
    data = row.data(ctx) if row.data else {}
    assert victim.post(row.path(ctx), data={**data, "csrf_token": foreign}).status_code == 400
    assert db_snapshot(app) == before


def test_the_token_is_also_refused_in_the_query_string(app, client, personas):
    """A token in the URL would leak through logs and Referer: only form or header count."""
    login_as(app, client, personas.member_a)
    token = form_token(client, "/")
    assert (
        client.post(f"/account?csrf_token={token}", data={"name": "X", "locale": "nl"}).status_code
        == 400
    )


# --- GET changes nothing -------------------------------------------------------------------------


def test_post_only_routes_answer_get_with_405(app, personas):
    client = login_as(app, app.test_client(), personas.platform_admin)
    ctx = build_context(app, personas, "platform_admin")
    # By URL, not endpoint: adding a grant posts to the members page, which GET shows.
    get_urls = {rule.rule for rule in app.url_map.iter_rules() if "GET" in rule.methods}
    post_only = [
        key
        for key in POSTS
        if all(rule.rule not in get_urls for rule in app.url_map.iter_rules(key[0]))
    ]
    assert post_only, "there are POST-only routes (logout, deactivate, …)"
    before = db_snapshot(app)
    for endpoint, _ in post_only:
        assert client.get(ROUTES[(endpoint, "POST")].path(ctx)).status_code == 405, endpoint
    assert db_snapshot(app) == before


@pytest.mark.parametrize("column", ["anonymous", "member", "platform_admin"])
@pytest.mark.parametrize(("endpoint", "method"), GETS, ids=str)
def test_get_changes_nothing(app, personas, endpoint, method, column):
    response, _, before = run_cell(app, personas, endpoint, method, column, skip=("audit_events",))
    after = db_snapshot(app, skip=("audit_events",))
    if (endpoint, column) == ("accounts.mfa_enrol", "member"):
        # The enrolment page shows a fresh secret, so it stores one (encrypted, not yet in
        # force: mfa_enabled_at stays empty). That pending secret is the only change allowed.
        assert response.status_code == 200
        _assert_only_pending_secret_changed(app, personas.member_a.id, before, after)
        return
    if endpoint == "web.index" and response.status_code == 200 and column != "anonymous":
        # The dashboard records the visit, for "what changed since my last visit".
        assert {name for name in before if before[name] != after[name]} <= {"dashboard_visits"}
        return
    if endpoint == "knowledge.show" and response.status_code == 200:
        # Reading an article counts a view (once per reader a day), for "what helps the network".
        assert {name for name in before if before[name] != after[name]} <= {
            "article_views",
            "articles",
        }
        return
    if endpoint == "spaces.show" and response.status_code == 200:
        # Opening a space records the visit, for "what changed since my last visit".
        assert {name for name in before if before[name] != after[name]} <= {"space_visits"}
        return
    assert after == before


def _assert_only_pending_secret_changed(app, user_id, before, after):
    assert {name for name in before if before[name] != after[name]} <= {"users"}
    with db_ctx(app) as session:
        user = session.scalar(select(User).where(User.id == user_id))
        assert user.mfa_enabled_at is None and user.totp_secret_encrypted
        columns = [column.name for column in User.__table__.columns]
    pending = {columns.index("totp_secret_encrypted"), columns.index("totp_last_step")}
    for old, new in zip(before["users"], after["users"], strict=True):
        changed = {i for i, (a, b) in enumerate(zip(old, new, strict=True)) if a != b}
        assert changed <= (pending if old[0] == user_id else set()), old[0]
