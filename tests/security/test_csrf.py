"""CSRF (SECURITY.md § Access control; ASVS 3.5.1, 3.5.3): every state-changing request needs the
session's token, and no GET changes anything.

The sweeps are cells of the route matrix (test_route_matrix.py), on the same request: every POST
row is sent without a token (and as the platform admin with another session's token) and must
change nothing at all; every GET must change nothing. Here: that the sweep covers every POST
route, the token in the query string, and GET on POST-only routes."""

from tests.helpers import form_token, login_as

from .route_table import ROUTES, build_context, db_snapshot

POSTS = [key for key in ROUTES if key[1] == "POST"]
GETS = [key for key in ROUTES if key[1] == "GET"]


def test_csrf_protection_is_on_in_the_tested_app(app):
    assert app.config.get("WTF_CSRF_ENABLED", True) is True
    assert "csrf" in app.extensions


def test_every_post_route_is_in_the_sweep(app):
    posts = {(rule.endpoint, "POST") for rule in app.url_map.iter_rules() if "POST" in rule.methods}
    assert posts == set(POSTS)


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
