"""The route matrix (SECURITY.md § How we test it): every route × persona gives the answer of
tests/security/route_table.py, and a route without a row fails."""

from urllib.parse import urlsplit

import pytest

from .route_table import LOGIN, OUT, ROUTES, db_snapshot, matrix_cases, routes_in, run_cell

#: Refusals may be audited (SECURITY.md: "access denied" is a security event); nothing else
#: may change.
AUDIT = ("audit_events",)


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


@pytest.mark.parametrize(
    ("endpoint", "method", "column"),
    list(matrix_cases()),
    ids=lambda value: str(value),
)
def test_route_answers_per_persona(app, personas, endpoint, method, column):
    response, expected, before = run_cell(app, personas, endpoint, method, column)

    _assert_answer(response, expected, f"{method} {endpoint} as {column}")
    refused = expected in (403, 404) or (expected == LOGIN and column == "anonymous")
    if before is not None and refused:
        assert db_snapshot(app, skip=AUDIT) == before, "a refused request changed the database"
