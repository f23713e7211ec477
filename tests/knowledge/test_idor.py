"""The IDOR sweep of tests/security/test_idor.py over the knowledge routes: a member and an
org admin of B try every knowledge route with the ids of A's article and of its attached
document, and get 404 with nothing changed. (Until the lead adds "article_id" to the sweep's
ID_ARGUMENTS, this test puts it there for its own run.)"""

import pytest

from tests.helpers import form_token, login_as
from tests.security import test_idor as sweep


@pytest.mark.parametrize("attacker", sweep.ATTACKERS)
def test_b_gets_404_on_every_knowledge_route_with_a_ids(app, personas, monkeypatch, attacker):
    monkeypatch.setitem(sweep.ID_ARGUMENTS, "article_id", ("article", ("article",)))
    # The sweep takes its CSRF token from the home page, which records a dashboard visit (a
    # change of its own); the knowledge list changes nothing.
    monkeypatch.setattr(
        sweep, "form_token", lambda client, path: form_token(client, "/kennisbank/")
    )
    routes = [
        (rule, method)
        for kind in ("article", "document")
        for rule, method in sweep._routes_of(app, kind)
        if rule.endpoint.startswith("knowledge.")
    ]
    assert len(routes) >= 10
    ctx = sweep._plant(app, personas)
    ctx.viewer = attacker
    client = login_as(app, app.test_client(), personas[attacker])
    problems = []
    for rule, method in routes:
        for url, control in sweep._urls(rule, ctx):
            problems += sweep._attempt(app, client, ctx, rule.endpoint, method, url, control)
    assert not problems, "\n".join(problems)
