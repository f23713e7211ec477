"""Organisation administration: the platform admin's list, create, edit, (de)activate; the
organisation admin's member roles and removals; what other members see; query counts."""

import html
import re

import pytest
from sqlalchemy import func, select

from neig_workspace.access.roles import OrgRole
from neig_workspace.accounts.models import User
from neig_workspace.audit.models import AuditEvent
from neig_workspace.organisations.models import Membership, Organisation, OrgType
from tests.conftest import count_queries, db_ctx
from tests.helpers import login_as, post_form

NEW = "/beheer/organisaties/nieuw"


def field_error(response, field_id: str) -> str:
    match = re.search(
        rf'<div class="utrecht-form-field-error-message" id="{field_id}-error">(.*?)</div>',
        response.get_data(as_text=True),
        re.S,
    )
    return html.unescape(re.sub(r"<[^>]+>", " ", match.group(1))).strip() if match else ""


def input_value(response, field_id: str) -> str | None:
    match = re.search(rf'<input[^>]*\bid="{field_id}"[^>]*>', response.get_data(as_text=True))
    value = re.search(r'value="([^"]*)"', match.group(0)) if match else None
    return html.unescape(value.group(1)) if value else None


def events(app, action: str) -> list[AuditEvent]:
    with db_ctx(app) as session:
        return list(
            session.scalars(
                select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)
            )
        )


def org(app, org_id: int) -> Organisation:
    with db_ctx(app) as session:
        return session.get(Organisation, org_id)


def membership(app, persona) -> Membership | None:
    with db_ctx(app) as session:
        return session.scalar(
            select(Membership).where(
                Membership.user_id == persona.id, Membership.organisation_id == persona.org_id
            )
        )


def listed_names(response) -> list[str]:
    return re.findall(r'href="/organisaties/\d+">([^<]+)</a>', response.get_data(as_text=True))


def flashes(response) -> str:
    return html.unescape(
        " ".join(
            re.findall(
                r'<div class="flashes" role="status">(.*?)</div>\s*</div>',
                response.get_data(as_text=True),
                re.S,
            )
        )
    )


# --- the list ----------------------------------------------------------------------------------


def test_platform_admin_lists_searches_and_filters_organisations(app, client, personas):
    login_as(app, client, personas.platform_admin)
    everything = client.get("/beheer/organisaties")
    assert everything.status_code == 200
    assert {"Gemeente Rotterdam", "Gemeente Amsterdam", "Politie Eenheid Rotterdam", "VNG"} <= set(
        listed_names(everything)
    )
    assert listed_names(client.get("/beheer/organisaties?q=amster")) == ["Gemeente Amsterdam"]
    assert listed_names(client.get("/beheer/organisaties?soort=police")) == [
        "Politie Eenheid Rotterdam"
    ]
    both = listed_names(client.get("/beheer/organisaties?q=rotterdam&soort=municipality"))
    assert both == ["Gemeente Rotterdam"]


def test_search_takes_percent_and_underscore_literally(app, client, personas):
    login_as(app, client, personas.platform_admin)
    assert listed_names(client.get("/beheer/organisaties?q=%25")) == []
    assert listed_names(client.get("/beheer/organisaties?q=GM_599")) == []
    assert listed_names(client.get("/beheer/organisaties?q=gm0599")) == ["Gemeente Rotterdam"]


@pytest.mark.parametrize("persona", ["member_a", "org_admin_a", "secretariat"])
def test_others_may_not_use_the_organisation_admin_pages(app, client, personas, persona):
    login_as(app, client, personas[persona])
    org_id = personas.orgs["gemeente_a"]
    assert client.get("/beheer/organisaties").status_code == 403
    assert client.get(NEW).status_code == 403
    assert client.get(f"/beheer/organisaties/{org_id}/bewerken").status_code in (403, 404)
    token_page = "/account"
    for action in ("deactiveren", "activeren"):
        response = post_form(
            client, f"/beheer/organisaties/{org_id}/{action}", {}, token_from=token_page
        )
        assert response.status_code in (403, 404)
    assert org(app, org_id).active


def test_anonymous_visitors_are_sent_to_login(client, personas):
    response = client.get("/beheer/organisaties")
    assert response.status_code == 302 and "/inloggen" in response.location


# --- create and edit ------------------------------------------------------------------------------


def test_create_an_organisation_is_audited(app, client, personas):
    login_as(app, client, personas.platform_admin)
    response = post_form(
        client, NEW, {"name": "Gemeente Utrecht", "type": "municipality", "cbs_code": "GM0344"}
    )
    assert response.status_code == 302
    with db_ctx(app) as session:
        created = session.scalar(
            select(Organisation).where(Organisation.name == "Gemeente Utrecht")
        )
        assert (
            created.type == OrgType.MUNICIPALITY and created.cbs_code == "GM0344" and created.active
        )
    assert response.location.endswith(f"/organisaties/{created.id}")
    (event,) = events(app, "organisation.created")
    assert event.actor_id == personas.platform_admin.id and event.target_id == str(created.id)


def test_a_name_is_required(app, client, personas):
    login_as(app, client, personas.platform_admin)
    response = post_form(client, NEW, {"name": "  ", "type": "police", "cbs_code": ""})
    assert response.status_code == 422
    assert field_error(response, "name")


def test_a_duplicate_name_is_refused_next_to_the_field_with_the_typed_value_kept(
    app, client, personas
):
    login_as(app, client, personas.platform_admin)
    response = post_form(
        client, NEW, {"name": "gemeente rotterdam", "type": "municipality", "cbs_code": "GM0599"}
    )
    assert response.status_code == 422
    assert "Er bestaat al een organisatie met deze naam." in field_error(response, "name")
    assert input_value(response, "name") == "gemeente rotterdam"
    with db_ctx(app) as session:
        assert session.scalar(select(func.count(Organisation.id))) == len(personas.orgs)


def test_a_municipality_needs_a_cbs_code(app, client, personas):
    login_as(app, client, personas.platform_admin)
    response = post_form(
        client, NEW, {"name": "Gemeente Utrecht", "type": "municipality", "cbs_code": ""}
    )
    assert response.status_code == 422
    assert "Kies de gemeente." in field_error(response, "cbs_code")
    assert input_value(response, "name") == "Gemeente Utrecht"


def test_only_a_municipality_has_a_cbs_code(app, client, personas):
    login_as(app, client, personas.platform_admin)
    response = post_form(
        client, NEW, {"name": "Politie Utrecht", "type": "police", "cbs_code": "GM0344"}
    )
    assert response.status_code == 422
    assert "Alleen een gemeente heeft een CBS-code." in field_error(response, "cbs_code")


def test_an_unknown_cbs_code_is_refused(app, client, personas):
    login_as(app, client, personas.platform_admin)
    response = post_form(
        client, NEW, {"name": "Gemeente Nergens", "type": "municipality", "cbs_code": "GM9999"}
    )
    assert response.status_code == 422
    assert field_error(response, "cbs_code")


def test_edit_an_organisation_is_audited(app, client, personas):
    login_as(app, client, personas.platform_admin)
    org_id = personas.orgs["corporatie"]
    path = f"/beheer/organisaties/{org_id}/bewerken"
    page = client.get(path)
    assert page.status_code == 200 and input_value(page, "name") == "Woonstad Rotterdam"
    duplicate = post_form(client, path, {"name": "VNG", "type": "housing", "cbs_code": ""})
    assert duplicate.status_code == 422 and "Er bestaat al" in field_error(duplicate, "name")
    response = post_form(
        client, path, {"name": "Woonstad Rotterdam N.V.", "type": "housing", "cbs_code": ""}
    )
    assert response.status_code == 302
    assert org(app, org_id).name == "Woonstad Rotterdam N.V."
    (event,) = events(app, "organisation.updated")
    assert event.details["before"]["name"] == "Woonstad Rotterdam"
    assert event.details["after"]["name"] == "Woonstad Rotterdam N.V."


def test_deactivate_and_reactivate_keep_the_organisation_and_are_audited(app, client, personas):
    login_as(app, client, personas.platform_admin)
    org_id = personas.orgs["corporatie"]
    show = f"/organisaties/{org_id}"
    assert (
        post_form(
            client, f"/beheer/organisaties/{org_id}/deactiveren", {}, token_from=show
        ).status_code
        == 302
    )
    assert org(app, org_id).active is False
    assert "gedeactiveerd" in client.get(show).get_data(as_text=True)
    assert membership(app, personas.housing) is not None  # nothing is deleted
    assert (
        post_form(
            client, f"/beheer/organisaties/{org_id}/activeren", {}, token_from=show
        ).status_code
        == 302
    )
    assert org(app, org_id).active is True
    assert len(events(app, "organisation.deactivated")) == 1
    assert len(events(app, "organisation.reactivated")) == 1


# --- members --------------------------------------------------------------------------------------


def test_org_admin_changes_a_member_role(app, client, personas):
    login_as(app, client, personas.org_admin_a)
    org_id = personas.orgs["gemeente_a"]
    target = membership(app, personas.member_a)
    response = post_form(
        client,
        f"/organisaties/{org_id}/leden/{target.id}/rol",
        {"role": "org_admin"},
        token_from=f"/organisaties/{org_id}",
    )
    assert response.status_code == 302
    assert membership(app, personas.member_a).role == OrgRole.ORG_ADMIN
    (event,) = events(app, "membership.role_changed")
    assert event.details == {
        "user_id": personas.member_a.id,
        "before": "member",
        "after": "org_admin",
    }


def test_an_unknown_role_is_refused_with_a_message(app, client, personas):
    login_as(app, client, personas.org_admin_a)
    org_id = personas.orgs["gemeente_a"]
    target = membership(app, personas.member_a)
    response = post_form(
        client,
        f"/organisaties/{org_id}/leden/{target.id}/rol",
        {"role": "god"},
        token_from=f"/organisaties/{org_id}",
    )
    assert response.status_code == 302
    assert "Kies een geldige rol." in flashes(client.get(response.location))
    assert membership(app, personas.member_a).role == OrgRole.MEMBER


def test_the_last_org_admin_cannot_be_demoted(app, client, personas):
    login_as(app, client, personas.org_admin_a)
    org_id = personas.orgs["gemeente_a"]
    own = membership(app, personas.org_admin_a)
    response = post_form(
        client,
        f"/organisaties/{org_id}/leden/{own.id}/rol",
        {"role": "member"},
        token_from=f"/organisaties/{org_id}",
    )
    assert response.status_code == 302
    assert "Een organisatie houdt minstens één beheerder." in flashes(client.get(response.location))
    assert membership(app, personas.org_admin_a).role == OrgRole.ORG_ADMIN
    assert events(app, "membership.role_changed") == []


def test_the_last_org_admin_cannot_be_removed(app, client, personas):
    login_as(app, client, personas.org_admin_a)
    org_id = personas.orgs["gemeente_a"]
    own = membership(app, personas.org_admin_a)
    response = post_form(
        client,
        f"/organisaties/{org_id}/leden/{own.id}/verwijderen",
        {},
        token_from=f"/organisaties/{org_id}",
    )
    assert response.status_code == 302
    assert "Een organisatie houdt minstens één beheerder." in flashes(client.get(response.location))
    assert membership(app, personas.org_admin_a) is not None


def test_with_a_second_admin_the_first_may_step_down(app, client, personas):
    org_id = personas.orgs["gemeente_a"]
    with db_ctx(app) as session:
        session.get(Membership, membership(app, personas.member_a).id).role = OrgRole.ORG_ADMIN
        session.commit()
    login_as(app, client, personas.org_admin_a)
    own = membership(app, personas.org_admin_a)
    response = post_form(
        client,
        f"/organisaties/{org_id}/leden/{own.id}/rol",
        {"role": "member"},
        token_from=f"/organisaties/{org_id}",
    )
    assert response.status_code == 302
    assert membership(app, personas.org_admin_a).role == OrgRole.MEMBER


def test_a_deactivated_second_admin_does_not_count(app, client, personas):
    """Stepping down next to a deactivated admin would leave nobody to run the organisation."""
    org_id = personas.orgs["gemeente_a"]
    with db_ctx(app) as session:
        session.get(Membership, membership(app, personas.member_a).id).role = OrgRole.ORG_ADMIN
        session.get(User, personas.member_a.id).active = False
        session.commit()
    login_as(app, client, personas.org_admin_a)
    own = membership(app, personas.org_admin_a)
    token_page = f"/organisaties/{org_id}"
    demote = post_form(
        client,
        f"/organisaties/{org_id}/leden/{own.id}/rol",
        {"role": "member"},
        token_from=token_page,
    )
    assert "Een organisatie houdt minstens één beheerder." in flashes(client.get(demote.location))
    remove = post_form(
        client, f"/organisaties/{org_id}/leden/{own.id}/verwijderen", {}, token_from=token_page
    )
    assert "Een organisatie houdt minstens één beheerder." in flashes(client.get(remove.location))
    assert membership(app, personas.org_admin_a).role == OrgRole.ORG_ADMIN


def test_org_admin_removes_a_member_and_the_account_stays(app, client, personas):
    login_as(app, client, personas.org_admin_a)
    org_id = personas.orgs["gemeente_a"]
    target = membership(app, personas.member_a)
    response = post_form(
        client,
        f"/organisaties/{org_id}/leden/{target.id}/verwijderen",
        {},
        token_from=f"/organisaties/{org_id}",
    )
    assert response.status_code == 302
    assert "is geen lid meer van Gemeente Rotterdam" in flashes(client.get(response.location))
    assert membership(app, personas.member_a) is None
    with db_ctx(app) as session:
        assert session.get(User, personas.member_a.id) is not None
    (event,) = events(app, "membership.removed")
    assert event.details["user_id"] == personas.member_a.id


def test_org_admin_cannot_touch_a_membership_of_another_organisation(app, client, personas):
    login_as(app, client, personas.org_admin_a)
    own_org = personas.orgs["gemeente_a"]
    other = membership(app, personas.member_b)
    token_page = f"/organisaties/{own_org}"
    for org_id in (own_org, personas.orgs["gemeente_b"]):
        role = post_form(
            client,
            f"/organisaties/{org_id}/leden/{other.id}/rol",
            {"role": "org_admin"},
            token_from=token_page,
        )
        remove = post_form(
            client,
            f"/organisaties/{org_id}/leden/{other.id}/verwijderen",
            {},
            token_from=token_page,
        )
        assert role.status_code == remove.status_code == 404
    assert membership(app, personas.member_b).role == OrgRole.MEMBER


def test_a_plain_member_sees_the_page_but_may_not_manage(app, client, personas):
    login_as(app, client, personas.member_a)
    org_id = personas.orgs["gemeente_a"]
    page = client.get(f"/organisaties/{org_id}")
    body = page.get_data(as_text=True)
    assert page.status_code == 200 and "Org Admin A" in body
    assert "Rol wijzigen" not in body and "uitnodigen" not in body
    target = membership(app, personas.org_admin_a)
    token_page = f"/organisaties/{org_id}"
    role = post_form(
        client,
        f"/organisaties/{org_id}/leden/{target.id}/rol",
        {"role": "member"},
        token_from=token_page,
    )
    remove = post_form(
        client, f"/organisaties/{org_id}/leden/{target.id}/verwijderen", {}, token_from=token_page
    )
    assert role.status_code == remove.status_code == 403
    assert membership(app, personas.org_admin_a).role == OrgRole.ORG_ADMIN


@pytest.mark.parametrize("persona", ["member_a", "org_admin_a", "police", "secretariat"])
def test_another_organisation_page_is_not_found(app, client, personas, persona):
    login_as(app, client, personas[persona])
    response = client.get(f"/organisaties/{personas.orgs['gemeente_b']}")
    assert response.status_code == 404
    assert "Gemeente Amsterdam" not in response.get_data(as_text=True)


def test_a_deactivated_organisation_can_no_longer_be_managed_by_its_admin(app, client, personas):
    org_id = personas.orgs["gemeente_a"]
    with db_ctx(app) as session:
        session.get(Organisation, org_id).active = False
        session.commit()
    login_as(app, client, personas.org_admin_a)
    assert client.get(f"/organisaties/{org_id}/uitnodigen").status_code == 403


# --- query counts ---------------------------------------------------------------------------------


def _add_organisations(app, n: int, start: int) -> None:
    with db_ctx(app) as session:
        user_ids = session.scalars(select(User.id)).all()
        for i in range(start, start + n):
            extra = Organisation(
                name=f"Partner {i:03d}", slug=f"partner-{i:03d}", type=OrgType.BUSINESS
            )
            session.add(extra)
            session.flush()
            session.add(Membership(user_id=user_ids[i % len(user_ids)], organisation_id=extra.id))
        session.commit()


def _add_members(app, org_id: int, n: int, start: int) -> None:
    with db_ctx(app) as session:
        for i in range(start, start + n):
            user = User(email=f"lid{i:03d}@rotterdam.nl", name=f"Lid {i:03d}", password_hash="x")
            session.add(user)
            session.flush()
            session.add(Membership(user_id=user.id, organisation_id=org_id))
        session.commit()


def _queries(app, client, path: str) -> int:
    with count_queries(app) as statements:
        response = client.get(path)
    assert response.status_code == 200
    return len(statements)


def test_the_organisation_list_runs_as_many_queries_for_5_as_for_60(app, client, personas):
    login_as(app, client, personas.platform_admin)
    client.get("/beheer/organisaties")  # warm up
    _add_organisations(app, 5, 0)
    few = _queries(app, client, "/beheer/organisaties")
    _add_organisations(app, 55, 5)
    many = _queries(app, client, "/beheer/organisaties")
    assert few == many
    assert "Pagina 1 van 3" in client.get("/beheer/organisaties").get_data(as_text=True)


def test_an_organisation_page_runs_as_many_queries_for_5_as_for_60_members(app, client, personas):
    org_id = personas.orgs["gemeente_a"]
    for who in ("platform_admin", "org_admin_a"):
        viewer = login_as(app, app.test_client(), personas[who])
        viewer.get(f"/organisaties/{org_id}")
    _add_members(app, org_id, 5, 0)
    few = {
        who: _queries(
            app, login_as(app, app.test_client(), personas[who]), f"/organisaties/{org_id}"
        )
        for who in ("platform_admin", "org_admin_a")
    }
    _add_members(app, org_id, 55, 5)
    many = {
        who: _queries(
            app, login_as(app, app.test_client(), personas[who]), f"/organisaties/{org_id}"
        )
        for who in ("platform_admin", "org_admin_a")
    }
    assert few == many


def test_a_municipality_joins_the_network_once(app, client, personas):
    login_as(app, client, personas.platform_admin)
    data = {"name": "Gemeente Rotterdam-bis", "type": "municipality", "cbs_code": "GM0599"}
    response = post_form(client, NEW, data)
    assert response.status_code == 422
    assert "al een organisatie" in field_error(response, "cbs_code")


def test_an_org_admin_who_removes_themselves_lands_on_the_overview(app, client, personas):
    with db_ctx(app) as session:  # a second admin, so the first may leave
        other = session.scalar(select(Membership).where(Membership.user_id == personas.member_a.id))
        other.role = OrgRole.ORG_ADMIN
        own_id = session.scalar(
            select(Membership.id).where(Membership.user_id == personas.org_admin_a.id)
        )
        session.commit()
    login_as(app, client, personas.org_admin_a)
    path = f"/organisaties/{personas.org_admin_a.org_id}"
    response = post_form(client, f"{path}/leden/{own_id}/verwijderen", {}, token_from=path)
    assert response.status_code == 302
    assert response.location.endswith("/")
