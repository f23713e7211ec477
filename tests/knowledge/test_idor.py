"""The knowledge routes are in the IDOR sweep of tests/security/test_idor.py: a member and an
org admin of B try every route with the ids of A's article and of A's document (an attachment
is a document), and get 404 with nothing changed. The sweep finds routes by the kind of their
last id; this test keeps every knowledge route with an id inside it."""

from tests.security import test_idor as sweep


def test_every_knowledge_route_with_an_id_is_in_the_idor_sweep(app):
    swept = {
        (rule.rule, method) for kind in sweep.KINDS for rule, method in sweep._routes_of(app, kind)
    }
    knowledge = {
        (rule.rule, method)
        for rule in app.url_map.iter_rules()
        if rule.endpoint.startswith("knowledge.") and any(a.endswith("_id") for a in rule.arguments)
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }
    assert len(knowledge) >= 10
    assert knowledge <= swept, sorted(knowledge - swept)
    assert "article" in sweep.KINDS and "document" in sweep.KINDS
