"""The case list, opening a case, its page, editing, status, the address and links, through
HTTP as the personas see them."""

from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select

from neig_workspace.access import policy
from neig_workspace.access.roles import SpaceRole
from neig_workspace.accounts.models import User
from neig_workspace.audit.models import AuditEvent
from neig_workspace.cases import forms as case_forms
from neig_workspace.cases import service
from neig_workspace.cases.models import Case, CaseLink, CaseStatus
from neig_workspace.extensions import db
from neig_workspace.timeutil import utcnow
from tests.cases.helpers import ADDRESS, basis_id, case, open_case
from tests.conftest import count_queries
from tests.helpers import login_as, post_form


def _form(app, municipality_id, **overrides):
    with app.app_context():
        basis = basis_id()
        db.session.commit()
    data = {
        "municipality_id": municipality_id,
        "occurred_date": "2025-03-14",
        "occurred_time": "02:30",
        "target_type": "woning",
        "explosive_type": "zwaar_vuurwerk",
        "postcode4": "3011",
        "neighbourhood": "Stadsdriehoek",
        "address": "",
        "damage": "Voordeur vernield",
        "injured": "0",
        "description": "Explosie bij de voordeur.",
        "legal_basis_id": basis,
        "purpose": "Aanpak en nazorg",
    }
    data.update(overrides)
    return data


def _events(app, action, case_id=None):
    with app.app_context():
        query = select(func.count(AuditEvent.id)).where(AuditEvent.action == action)
        if case_id is not None:
            query = query.where(AuditEvent.target_id == str(case_id))
        return db.session.scalar(query)


# --- opening a case ---------------------------------------------------------------------------


def test_member_opens_a_case_for_own_municipality_with_participants(app, client, personas):
    login_as(app, client, personas.member_a)
    page = client.get("/casussen/nieuw").get_data(as_text=True)
    assert "Gemeente Rotterdam" in page
    municipalities = page.split('id="municipality_id"')[1].split("</select>")[0]
    assert f'value="{personas.orgs["gemeente_b"]}"' not in municipalities
    data = _form(
        app,
        personas.orgs["gemeente_a"],
        address=ADDRESS,
        org_1=personas.orgs["politie"],
        role_1=SpaceRole.CONTRIBUTOR.value,
        core_1="y",
        address_1="y",
        org_2=personas.orgs["corporatie"],
        role_2=SpaceRole.VIEWER.value,
    )
    response = post_form(client, "/casussen/nieuw", data)
    assert response.status_code == 302
    with app.app_context():
        created = db.session.scalar(select(Case))
        assert response.location.endswith(f"/casussen/{created.id}")
        by_org = {co.organisation_id: co for co in created.organisations}
        assert set(by_org) == {
            personas.orgs["gemeente_a"],
            personas.orgs["politie"],
            personas.orgs["corporatie"],
        }
        assert by_org[personas.orgs["politie"]].address_access
        assert not by_org[personas.orgs["corporatie"]].core
        assert service.decrypt_address(created) == ADDRESS


def test_the_creator_names_persons_with_a_role_of_their_own(app, client, personas):
    login_as(app, client, personas.member_a)
    data = _form(
        app,
        personas.orgs["gemeente_a"],
        org_1=personas.orgs["politie"],
        role_1=SpaceRole.VIEWER.value,
        core_1="y",
        people=f"{personas.police.email}\n",
        people_role=SpaceRole.EDITOR.value,
    )
    assert post_form(client, "/casussen/nieuw", data).status_code == 302
    with app.app_context():
        created = db.session.scalar(select(Case))
        with policy.assuming_mfa():
            police = db.session.get(User, personas.police.id)
            assert policy.can(police, "case.edit", created)
        events = _events(app, "case.user_added", created.id)
    assert events == 1


def test_a_person_outside_the_participants_is_refused_and_nothing_is_saved(app, client, personas):
    login_as(app, client, personas.member_a)
    data = _form(app, personas.orgs["gemeente_a"], people=f"{personas.member_b.email}")
    response = post_form(client, "/casussen/nieuw", data)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Geen actieve gebruiker van een deelnemende organisatie met dit e-mailadres." in page
    assert personas.member_b.email in page  # what was typed stays in the field
    with app.app_context():
        assert db.session.scalar(select(func.count(Case.id))) == 0


def test_an_empty_form_names_every_missing_field_at_once(app, client, personas):
    login_as(app, client, personas.member_a)
    empty = {key: "" for key in _form(app, 0)} | {"target_type": "woning"}
    empty["explosive_type"] = "zwaar_vuurwerk"
    response = post_form(client, "/casussen/nieuw", {**empty, "postcode4": "12"})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    for field_id, message in [
        ("municipality_id", "Kies een gemeente."),
        ("occurred_date", "Vul de datum van het incident in."),
        ("occurred_time", "Vul het tijdstip van het incident in."),
        ("postcode4", "Vul de vier cijfers van de postcode in, bijvoorbeeld 3011."),
        ("injured", "Het aantal gewonden is nul of meer."),
        ("legal_basis_id", "Kies een grondslag uit de lijst."),
        ("purpose", "Vul het doel in."),
    ]:
        error = page.split(f'id="{field_id}-error"', 1)[1].split("</div>", 1)[0]
        assert message in error, field_id
    with app.app_context():
        assert db.session.scalar(select(func.count(Case.id))) == 0


def test_an_incident_in_the_future_is_refused(app, client, personas, monkeypatch):
    # Dutch wall-clock time, fixed: noon on 1 June 2026
    monkeypatch.setattr(case_forms, "_local_now", lambda: datetime(2026, 6, 1, 12, 0))
    login_as(app, client, personas.member_a)
    municipality = personas.orgs["gemeente_a"]

    def send(day, time):
        form = _form(app, municipality, occurred_date=day, occurred_time=time)
        return post_form(client, "/casussen/nieuw", form)

    response = send("2030-01-01", "02:30")
    assert response.status_code == 422
    assert "De datum van het incident ligt in de toekomst." in response.get_data(as_text=True)
    response = send("2026-06-01", "12:30")
    assert response.status_code == 422
    assert "Het tijdstip van het incident ligt in de toekomst." in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count(Case.id))) == 0
    assert send("2026-06-01", "11:45").status_code == 302


def test_member_may_not_open_a_case_for_another_municipality(app, client, personas):
    login_as(app, client, personas.member_a)
    response = post_form(client, "/casussen/nieuw", _form(app, personas.orgs["gemeente_b"]))
    assert response.status_code == 422
    assert "Een gemeente maakt alleen casussen aan voor de eigen gemeente." in response.get_data(
        as_text=True
    )
    with app.app_context():
        assert db.session.scalar(select(func.count(Case.id))) == 0


def test_police_opens_a_case_for_any_municipality(app, client, personas):
    login_as(app, client, personas.police)
    page = client.get("/casussen/nieuw").get_data(as_text=True)
    assert "Gemeente Amsterdam" in page and "Gemeente Rotterdam" in page
    response = post_form(client, "/casussen/nieuw", _form(app, personas.orgs["gemeente_b"]))
    assert response.status_code == 302
    with app.app_context():
        created = db.session.scalar(select(Case))
        assert created.municipality_id == personas.orgs["gemeente_b"]


def test_housing_corporation_may_not_open_a_case(app, client, personas):
    login_as(app, client, personas.housing)
    assert client.get("/casussen/nieuw").status_code == 403
    assert "Nieuwe casus" not in client.get("/casussen").get_data(as_text=True)


@pytest.mark.parametrize(
    ("override", "field", "message"),
    [
        ({"postcode4": "30AB"}, "postcode4", "Vul de vier cijfers van de postcode in"),
        ({"occurred_date": "gisteren"}, "occurred_date", "Vul een geldige datum in"),
        ({"occurred_time": "25:99"}, "occurred_time", "Vul een tijd in, zoals 14:30."),
        ({"legal_basis_id": ""}, "legal_basis_id", "Kies een grondslag uit de lijst."),
        ({"injured": "-2"}, "injured", "Het aantal gewonden is nul of meer."),
        ({"purpose": ""}, "purpose", "Vul het doel in."),
    ],
)
def test_bad_input_is_named_next_to_its_field(app, client, personas, override, field, message):
    login_as(app, client, personas.member_a)
    data = _form(app, personas.orgs["gemeente_a"], neighbourhood="Kralingen", **override)
    response = post_form(client, "/casussen/nieuw", data)
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert f'id="{field}-error"' in page
    assert message in page.split(f'id="{field}-error"')[1][:300]
    assert 'value="Kralingen"' in page  # typed values are kept


# --- the case page ----------------------------------------------------------------------------


def test_case_page_shows_the_case_and_audits_every_opening(app, client, personas, monkeypatch):
    case_id = open_case(app, personas)
    login_as(app, client, personas.police)
    page = client.get(f"/casussen/{case_id}").get_data(as_text=True)
    assert "Stadsdriehoek" in page and "3011" in page
    assert "AVG art. 6 lid 1 sub e" in page and "Aanpak van de explosie en nazorg" in page
    assert "Coolsingel" not in page  # the address only on its own page
    assert "Volledig adres tonen" in page  # the police were given the address
    # A reload, or the redirect back after a change, is the same opening: one line each.
    client.get(f"/casussen/{case_id}")
    assert _events(app, "case.viewed", case_id) == 1
    manager = login_as(app, app.test_client(), personas.member_a)
    manager.get(f"/casussen/{case_id}")
    changed = post_form(manager, f"/casussen/{case_id}/status", {"status": "in_behandeling"})
    assert changed.status_code == 302, changed.status_code
    manager.get(changed.location)
    assert _events(app, "case.viewed", case_id) == 2
    # The police coming back later is a new opening.
    later = utcnow() + service.OPENING_WINDOW + timedelta(minutes=1)
    monkeypatch.setattr(service, "utcnow", lambda: later)
    client.get(f"/casussen/{case_id}")
    assert _events(app, "case.viewed", case_id) == 3


@pytest.mark.parametrize("persona", ["member_b", "secretariat", "platform_admin", "housing"])
def test_non_participants_get_404_everywhere(app, client, personas, persona):
    case_id = open_case(app, personas)
    login_as(app, client, personas[persona])
    for path in ("", "/adres", "/bewerken", "/deelnemers", "/toegangslog"):
        assert client.get(f"/casussen/{case_id}{path}").status_code == 404, path
    assert "NEIG-" not in client.get("/casussen").get_data(as_text=True)


def test_without_mfa_a_user_is_sent_to_enrol(app, client, personas):
    case_id = open_case(app, personas)
    login_as(app, client, personas.member_a, mfa_verified=False)
    for path in ("/casussen", f"/casussen/{case_id}", "/casussen/999999"):
        response = client.get(path)
        assert response.status_code == 302
        assert "/mfa" in response.location or "tweestaps" in response.location, response.location
    assert _events(app, "case.viewed") == 0


def test_address_page_is_audited_and_refused_without_address_access(app, client, personas):
    case_id = open_case(app, personas)  # the OM takes part without the address
    login_as(app, client, personas.police)
    page = client.get(f"/casussen/{case_id}/adres").get_data(as_text=True)
    assert ADDRESS in page
    assert _events(app, "case.address_viewed", case_id) == 1
    login_as(app, client, personas.om)
    assert "Volledig adres tonen" not in client.get(f"/casussen/{case_id}").get_data(as_text=True)
    assert client.get(f"/casussen/{case_id}/adres").status_code == 403
    assert _events(app, "case.address_viewed", case_id) == 1


def test_status_change_and_reopen_are_audited(app, client, personas):
    case_id = open_case(app, personas)  # member_a opened it: the case manager
    login_as(app, client, personas.member_a)
    path = f"/casussen/{case_id}"
    assert (
        post_form(client, path + "/status", {"status": "afgesloten"}, token_from=path).status_code
        == 302
    )
    with app.app_context():
        assert case(case_id).status == CaseStatus.AFGESLOTEN
    refused = post_form(client, path + "/status", {"status": "nazorg"}, token_from=path)
    assert refused.status_code == 422
    assert "Deze statuswijziging is niet mogelijk." in refused.get_data(as_text=True)
    reopened = post_form(client, path + "/status", {"status": "in_behandeling"}, token_from=path)
    assert reopened.status_code == 302
    assert _events(app, "case.status_changed", case_id) == 1
    assert _events(app, "case.reopened", case_id) == 1


def test_a_reader_may_not_change_the_status_or_edit(app, client, personas):
    case_id = open_case(app, personas)  # the OM reads
    login_as(app, client, personas.om)
    path = f"/casussen/{case_id}"
    page = client.get(path).get_data(as_text=True)
    assert "Status wijzigen" not in page and "Casus bewerken" not in page
    response = post_form(client, path + "/status", {"status": "nazorg"}, token_from=path)
    assert response.status_code == 403
    assert client.get(path + "/bewerken").status_code == 403


def test_edit_keeps_or_removes_the_address(app, client, personas):
    case_id = open_case(app, personas)
    login_as(app, client, personas.member_a)
    path = f"/casussen/{case_id}/bewerken"
    page = client.get(path).get_data(as_text=True)
    assert "Coolsingel" not in page and 'value="Stadsdriehoek"' in page
    data = _form(app, None, neighbourhood="Cool", address="")
    data.pop("municipality_id")
    assert post_form(client, path, data).status_code == 302
    with app.app_context():
        assert case(case_id).neighbourhood == "Cool"
        assert service.decrypt_address(case(case_id)) == ADDRESS
    assert post_form(client, path, {**data, "remove_address": "y"}).status_code == 302
    with app.app_context():
        assert not case(case_id).has_address
        events = db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "case.updated")
        ).all()
        first, second = (e.details["fields"] for e in events)
        assert "neighbourhood" in first and "address" not in first
        assert second == ["address"]
    bad = post_form(client, path, {**data, "postcode4": "12"})
    assert bad.status_code == 422 and 'value="12"' in bad.get_data(as_text=True)


# --- links and matches ------------------------------------------------------------------------


def test_link_by_reference_and_unseen_linked_case_shows_a_placeholder(app, client, personas):
    first = open_case(app, personas)
    second = open_case(app, personas, participants=())  # the police do not take part
    with app.app_context():
        reference = case(second).reference
    login_as(app, client, personas.member_a)
    path = f"/casussen/{first}"
    response = post_form(
        client, path + "/koppelingen", {"reference": reference.lower()}, token_from=path
    )
    assert response.status_code == 302
    assert reference in client.get(path).get_data(as_text=True)
    login_as(app, client, personas.police)
    page = client.get(path).get_data(as_text=True)
    assert "Een casus waartoe u geen toegang hebt" in page
    assert reference not in page
    assert f"/casussen/{second}" not in page


def test_linking_an_unknown_or_unseen_case_gives_one_answer(app, client, personas):
    mine = open_case(app, personas)
    theirs = open_case(
        app, personas, creator="member_b", municipality="gemeente_b", participants=()
    )
    with app.app_context():
        their_reference = case(theirs).reference
    login_as(app, client, personas.member_a)
    path = f"/casussen/{mine}"
    for reference in (their_reference, "NEIG-1999-0001"):
        response = post_form(
            client, path + "/koppelingen", {"reference": reference}, token_from=path
        )
        assert response.status_code == 422
        assert "Geen casus gevonden die u mag bewerken met dit kenmerk" in response.get_data(
            as_text=True
        )
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(CaseLink)) == 0


def test_unlink(app, client, personas):
    first, second = open_case(app, personas), open_case(app, personas)
    with app.app_context():
        from neig_workspace.accounts.models import User

        with policy.assuming_mfa():
            service.link_cases(
                case(first), case(second), actor=db.session.get(User, personas.member_a.id)
            )
        db.session.commit()
    login_as(app, client, personas.member_a)
    path = f"/casussen/{first}"
    assert (
        post_form(
            client, f"{path}/koppelingen/{second}/verwijderen", {}, token_from=path
        ).status_code
        == 302
    )
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(CaseLink)) == 0
    assert _events(app, "case.unlinked", first) == 1


def test_a_match_shows_only_the_municipality_and_whom_to_contact(app, client, personas):
    mine = open_case(app, personas, description="Geheime omschrijving A")
    open_case(
        app,
        personas,
        creator="member_b",
        municipality="gemeente_b",
        participants=(),
        description="Geheime omschrijving B",
        neighbourhood="Oost",
        postcode4="1091",
    )
    login_as(app, client, personas.member_a)
    page = client.get(f"/casussen/{mine}").get_data(as_text=True)
    assert "Er is een casus van Gemeente Amsterdam op hetzelfde adres." in page
    assert personas.member_b.email in page
    assert "Geheime omschrijving B" not in page and "1091" not in page and "Oost" not in page
    with app.app_context():
        other_reference = db.session.scalar(
            select(Case.reference).where(Case.municipality_id == personas.orgs["gemeente_b"])
        )
    assert other_reference not in page


# --- the list ---------------------------------------------------------------------------------


def test_list_shows_only_my_cases_with_filters(app, client, personas):
    rotterdam = open_case(app, personas, neighbourhood="Kralingen")
    open_case(app, personas, creator="member_b", municipality="gemeente_b", participants=())
    police_case = open_case(
        app,
        personas,
        creator="police",
        municipality="gemeente_b",
        participants=(),
        postcode4="1011",
    )
    with app.app_context():
        refs = {i: case(i).reference for i in (rotterdam, police_case)}
    login_as(app, client, personas.police)
    page = client.get("/casussen").get_data(as_text=True)
    assert refs[rotterdam] in page and refs[police_case] in page
    assert "2 casussen" in page
    assert refs[police_case] not in client.get("/casussen?q=kral").get_data(as_text=True)
    assert refs[rotterdam] not in client.get("/casussen?q=1011").get_data(as_text=True)
    by_town = client.get(f"/casussen?gemeente={personas.orgs['gemeente_b']}").get_data(as_text=True)
    assert refs[police_case] in by_town and refs[rotterdam] not in by_town
    assert "0 casussen" in client.get("/casussen?status=afgesloten").get_data(as_text=True)
    assert "0 casussen" in client.get("/casussen?q=%25").get_data(as_text=True)  # escaped
    assert refs[rotterdam] in client.get("/casussen?q=3011").get_data(as_text=True)


def test_list_runs_as_many_queries_for_many_cases_as_for_few(app, client, personas):
    open_case(app, personas)
    login_as(app, client, personas.police)

    def queries():
        with count_queries(app) as statements:
            assert client.get("/casussen?status=gemeld").status_code == 200
        return len(statements)

    few = queries()
    for _ in range(12):
        open_case(app, personas, address="")
    assert queries() == few


def test_space_overview_of_a_case_space_redirects_to_the_case(app, client, personas):
    case_id = open_case(app, personas)
    with app.app_context():
        space_id = case(case_id).space_id
    login_as(app, client, personas.police)
    response = client.get(f"/werkruimtes/{space_id}")
    assert response.status_code == 302
    assert response.location.endswith(f"/casussen/{case_id}")
