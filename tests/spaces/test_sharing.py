"""Sharing a space (issue 15, finding 9): the "Wie" field starts at a named organisation, giving
the whole network access needs a confirmation that says how many it reaches, and the header
says who the space is shared with, from its grants."""

import html
import re

from sqlalchemy import select

from neig_workspace.audit.models import AuditEvent
from neig_workspace.spaces.models import PrincipalType, SpaceGrant
from tests.conftest import count_queries, db_ctx
from tests.helpers import login_as
from tests.spaces.test_grants import members_post, org_space


def selected_principal(page: str) -> str:
    """The option of the "Wie" field a browser submits when nobody touches it."""
    select_html = re.search(r'<select[^>]*name="principal".*?</select>', page, re.S).group(0)
    options = re.findall(r'<option([^>]*)value="([^"]*)"', select_html)
    chosen = [value for attrs, value in options if "selected" in attrs]
    return chosen[0] if chosen else options[0][1]


def header_of(page: str) -> str:
    return html.unescape(re.search(r'<p class="[^"]*space-meta">(.*?)</p>', page, re.S).group(1))


def network_grants(app, space_id) -> int:
    with db_ctx(app) as session:
        return len(
            session.scalars(
                select(SpaceGrant).where(
                    SpaceGrant.space_id == space_id,
                    SpaceGrant.principal_type == PrincipalType.NETWORK,
                )
            ).all()
        )


def grant_events(app) -> int:
    with db_ctx(app) as session:
        return len(
            session.scalars(select(AuditEvent).where(AuditEvent.action == "grant.added")).all()
        )


def test_the_who_field_starts_at_the_spaces_own_organisation_not_the_network(app, personas):
    space_id = org_space(app, personas)
    client = login_as(app, app.test_client(), personas.org_admin_a)
    page = client.get(f"/werkruimtes/{space_id}/leden").get_data(as_text=True)
    assert selected_principal(page) == f"org:{personas.orgs['gemeente_a']}"


def test_granting_the_network_without_confirmation_grants_nothing_and_says_whom_it_reaches(
    app, personas
):
    space_id = org_space(app, personas)
    client = login_as(app, app.test_client(), personas.org_admin_a)
    before = grant_events(app)

    response = members_post(client, space_id, {"principal": "network", "role": "10"})

    assert response.status_code == 422
    page = response.get_data(as_text=True)
    # The personas: 7 active organisations, 9 people in them.
    assert "7 organisaties" in page and "9 personen" in page
    assert 'id="confirm_network"' in page
    assert selected_principal(page) == "network"  # the input is kept
    assert network_grants(app, space_id) == 0
    assert grant_events(app) == before

    confirmed = {"principal": "network", "role": "10", "confirm_network": "y"}
    assert members_post(client, space_id, confirmed).status_code == 302
    assert network_grants(app, space_id) == 1


def test_the_reach_counts_only_active_organisations_and_people(app, personas):
    from neig_workspace.accounts.models import User
    from neig_workspace.organisations.models import Organisation

    with db_ctx(app) as session:
        session.get(Organisation, personas.orgs["corporatie"]).active = False
        session.get(User, personas.member_b.id).active = False
        session.commit()
    space_id = org_space(app, personas)
    client = login_as(app, app.test_client(), personas.org_admin_a)
    page = members_post(client, space_id, {"principal": "network", "role": "10"}).get_data(
        as_text=True
    )
    assert "6 organisaties" in page and "7 personen" in page


def test_the_header_says_who_the_space_is_shared_with(app, personas):
    space_id = org_space(app, personas)
    client = login_as(app, app.test_client(), personas.org_admin_a)
    members = f"/werkruimtes/{space_id}/leden"

    assert "Alleen Gemeente Rotterdam" in header_of(client.get(members).get_data(as_text=True))

    police, om = personas.orgs["politie"], personas.orgs["om"]
    members_post(client, space_id, {"principal": f"org:{police}", "role": "10"})
    members_post(client, space_id, {"principal": f"admins:{om}", "role": "10"})
    for path in ("", "/documenten", "/leden", "/activiteit"):
        header = header_of(client.get(f"/werkruimtes/{space_id}{path}").get_data(as_text=True))
        assert "Gedeeld met 3 organisaties" in header, path
        assert "intern" in header  # the classification stays, beside whom it reaches

    members_post(client, space_id, {"principal": "network", "role": "10", "confirm_network": "y"})
    header = header_of(client.get(members).get_data(as_text=True))
    assert "Gedeeld met het hele netwerk" in header
    assert "Alleen" not in header


def test_the_sharing_label_is_one_query_whatever_the_number_of_grants(app, personas):
    space_id = org_space(app, personas)
    client = login_as(app, app.test_client(), personas.org_admin_a)
    path = f"/werkruimtes/{space_id}"
    client.get(path)
    with count_queries(app) as few:
        assert client.get(path).status_code == 200
    for key in ("politie", "om", "corporatie", "gemeente_b"):
        members_post(client, space_id, {"principal": f"org:{personas.orgs[key]}", "role": "10"})
    client.get(path)  # warm up again: new grants, new access id sets (access/generation.py)
    with count_queries(app) as many:
        assert client.get(path).status_code == 200
    assert len(few) == len(many)


def test_a_space_shared_by_another_organisation_is_not_under_eigen_organisatie(app, personas):
    own = org_space(app, personas)
    amsterdam = org_space(app, personas, "gemeente_b")
    admin_b = login_as(app, app.test_client(), personas.org_admin_b)
    rotterdam = personas.orgs["gemeente_a"]
    members_post(admin_b, amsterdam, {"principal": f"org:{rotterdam}", "role": "10"})
    page = login_as(app, app.test_client(), personas.member_a).get("/werkruimtes")
    sections = dict(
        re.findall(r'<h2[^>]*id="kind-(\w+)"[^>]*>.*?</h2>(.*?)</section>', page.text, re.S)
    )
    assert f"/werkruimtes/{own}" in sections["organisation"]
    assert f"/werkruimtes/{amsterdam}" not in sections["organisation"]
    assert f"/werkruimtes/{amsterdam}" in sections["partner"]
    assert "Van andere organisaties" in page.text
