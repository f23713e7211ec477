"""Mention suggestions (issue 15, finding 5): only people who may read the subject, by name;
an e-mail address only of a colleague in one of the asker's own organisations or of someone
the member directory shows with it. A person whose address stays hidden is mentioned by a
token ("@persoon:<id>") that the server resolves like an address."""

import json

import pytest
from sqlalchemy import select

from neig_workspace.access.roles import SpaceRole
from neig_workspace.extensions import db
from neig_workspace.knowledge.models import Article
from neig_workspace.notifications.models import NotificationKind
from neig_workspace.spaces import service as spaces
from neig_workspace.spaces.models import PrincipalType, Space
from tests.comments.comment_helpers import comment_http, notifications_of, working_group
from tests.directory.helpers import opt_in
from tests.helpers import login_as
from tests.knowledge.helpers import world as knowledge_world


@pytest.fixture
def group(app, personas):
    return working_group(app, personas)


def suggestions(client, path: str, query: str) -> list[dict]:
    response = client.get(f"{path}/vermeldingen?q={query}")
    assert response.status_code == 200
    return response.get_json()


def by_name(found: list[dict]) -> dict[str, dict]:
    return {person["name"]: person for person in found}


def test_suggestions_show_no_address_of_someone_outside_the_own_organisation(
    app, client, personas, group
):
    login_as(app, client, personas.police)
    response = client.get(f"/documenten/{group.document_id}/vermeldingen?q=om")
    found = by_name(response.get_json())
    assert found["Om"]["email"] is None
    assert found["Om"]["mention"] == f"@persoon:{personas.om.id}"
    assert personas.om.email not in response.get_data(as_text=True)


def test_a_query_by_address_finds_only_addresses_the_asker_may_see(app, client, personas, group):
    """Otherwise typing an address letter by letter would spell out a hidden one."""
    login_as(app, client, personas.police)
    path = f"/documenten/{group.document_id}"
    assert suggestions(client, path, "example") == []
    assert suggestions(client, path, "om%40example.nl") == []

    opt_in(app, personas.member_a, "organisation", "email")
    login_as(app, client, personas.police)
    found = suggestions(client, path, "example")
    assert [(p["name"], p["email"]) for p in found] == [("Member A", personas.member_a.email)]
    assert found[0]["mention"] == f"@{personas.member_a.email}"


def test_colleagues_of_the_own_organisation_show_with_their_address(app, client, personas, group):
    login_as(app, client, personas.org_admin_a)
    found = by_name(suggestions(client, f"/documenten/{group.document_id}", "member"))
    assert found["Member A"]["email"] == personas.member_a.email
    assert "Member B" not in found  # no grant: not a reader


def test_an_address_shown_only_to_directory_members_needs_both_opt_ins(
    app, client, personas, group
):
    """The directory lists a person only with "organisation" on; an address alone stays hidden."""
    opt_in(app, personas.om, "email")
    login_as(app, client, personas.police)
    assert (
        by_name(suggestions(client, f"/documenten/{group.document_id}", "om"))["Om"]["email"]
        is None
    )


def test_a_platform_admin_is_never_suggested_not_even_in_a_network_space(app, client, personas):
    """Separation of duties: a platform admin reads no content, whatever grant reaches them."""
    with app.app_context():
        space = db.session.get(Space, knowledge_world(app, personas).space_id)
        spaces.add_grant(space, PrincipalType.NETWORK, SpaceRole.VIEWER, actor=None)
        article_id = db.session.scalar(select(Article.id).where(Article.space_id == space.id))
        db.session.commit()
    login_as(app, client, personas.police)
    found = suggestions(client, f"/kennisbank/{article_id}", "platform")
    assert found == []
    assert (
        by_name(suggestions(client, f"/kennisbank/{article_id}", "member"))["Member B"]["email"]
        is None
    )


def test_a_token_mention_notifies_the_reader_and_shows_the_name(app, client, personas, group):
    login_as(app, client, personas.police)
    body = f"Wat vindt @persoon:{personas.om.id} hiervan? En @persoon:{personas.member_b.id}?"
    response = comment_http(client, group.document_id, body)
    assert response.status_code == 302
    page = client.get(response.location).get_data(as_text=True)
    [notification] = notifications_of(app, personas.om)
    assert notification.kind == NotificationKind.MENTION
    assert notification.excerpt.startswith("Wat vindt @Om hiervan?")
    assert notifications_of(app, personas.member_b) == []  # not a reader
    assert '<span class="mention">@Om</span>' in page
    assert "Geen melding voor" in page and f"persoon:{personas.member_b.id}" in page
    assert personas.om.email not in page


def test_an_address_mention_still_works_for_whoever_knows_the_address(app, client, personas, group):
    login_as(app, client, personas.police)
    response = comment_http(client, group.document_id, f"Vraag aan @{personas.om.email}")
    assert response.status_code == 302
    assert [n.kind for n in notifications_of(app, personas.om)] == [NotificationKind.MENTION]


def test_the_article_and_action_item_suggestions_follow_the_same_rules(app, client, personas):
    from tests.actions.helpers import world as actions_world

    article_id = knowledge_world(app, personas).article_id
    login_as(app, client, personas.police)
    found = suggestions(client, f"/kennisbank/{article_id}", "member")
    assert [(p["name"], p["email"]) for p in found] == [("Member A", None)]

    item_id = actions_world(app, personas).items["P-01"]
    found = by_name(suggestions(client, f"/actiepunten/{item_id}", "member"))
    assert {"Member A", "Member B"} <= set(found)
    assert all(p["email"] is None for p in found.values())
    assert "@example.nl" not in json.dumps(found)
