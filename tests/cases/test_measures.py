"""Measures of a case: adding and changing them, who sees which, and the audit trail."""

from datetime import date

from sqlalchemy import select

from neig_workspace.access.roles import SpaceRole
from neig_workspace.audit.models import AuditEvent
from neig_workspace.cases import item_service, service
from neig_workspace.cases.models import Disclosure, Measure, MeasureStatus, MeasureType
from neig_workspace.extensions import db
from tests.cases.helpers import case, open_case, org, user
from tests.helpers import login_as, post_form

CLOSURE = "Sluiting pand (art. 174a Gemeentewet)"
CAMERAS = "Cameratoezicht (art. 151c Gemeentewet)"


def _with_housing(app, personas) -> int:
    """A case of A (police and OM core) into which the housing corporation is brought for a
    limited part, as a contributor."""
    case_id = open_case(app, personas)
    with app.app_context():
        service.add_participant(
            case(case_id),
            service.Participant(
                org(personas.orgs["corporatie"]), SpaceRole.CONTRIBUTOR, core=False
            ),
            actor=user(personas.member_a),
        )
        db.session.commit()
    return case_id


def _measure(app, personas, case_id, org_key, measure_type=MeasureType.SLUITING_174A) -> int:
    with app.app_context():
        measure = item_service.add_measure(
            case(case_id),
            item_service.MeasureData(
                type=measure_type, responsible_organisation_id=personas.orgs[org_key]
            ),
            actor=user(personas.member_a),
        )
        db.session.commit()
        return measure.id


def _form(personas, **overrides) -> dict:
    data = {
        "type": "sluiting_174a",
        "description": "Woning drie maanden dicht",
        "responsible_organisation_id": str(personas.orgs["gemeente_a"]),
        "start_date": "2025-03-20",
        "end_date": "2025-06-20",
        "status": "actief",
    }
    return {**data, **overrides}


def test_case_editor_adds_a_measure(app, client, personas):
    case_id = open_case(app, personas)
    login_as(app, client, personas.member_a)
    path = f"/casussen/{case_id}/maatregelen/nieuw"
    response = post_form(client, path, _form(personas))
    assert response.status_code == 302
    assert response.location.endswith(f"/casussen/{case_id}#maatregel-1") or "#maatregel-" in (
        response.location
    )
    with app.app_context():
        measure = db.session.scalar(select(Measure).where(Measure.case_id == case_id))
        assert measure.type == MeasureType.SLUITING_174A
        assert measure.status == MeasureStatus.ACTIEF
        assert measure.end_date == date(2025, 6, 20)
        event = db.session.scalar(
            select(AuditEvent).where(AuditEvent.action == "case_measure.created")
        )
        assert event.target_id == str(measure.id)
        assert event.details == {"case": case_id, "organisation": personas.orgs["gemeente_a"]}
    page = client.get(f"/casussen/{case_id}").get_data(as_text=True)
    assert CLOSURE in page
    assert "Woning drie maanden dicht" in page


def test_end_before_start_is_refused_next_to_the_field_with_the_values_kept(app, client, personas):
    case_id = open_case(app, personas)
    login_as(app, client, personas.member_a)
    path = f"/casussen/{case_id}/maatregelen/nieuw"
    response = post_form(client, path, _form(personas, end_date="2025-03-01"))
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'id="end_date-error"' in html
    assert "De einddatum mag niet voor de startdatum liggen." in html
    assert "Woning drie maanden dicht" in html
    assert 'value="2025-03-01"' in html
    with app.app_context():
        assert db.session.scalar(select(Measure.id).where(Measure.case_id == case_id)) is None


def test_an_untouched_form_records_nothing_and_names_every_missing_field_at_once(
    app, client, personas
):
    case_id = open_case(app, personas)
    login_as(app, client, personas.member_a)
    path = f"/casussen/{case_id}/maatregelen/nieuw"
    form = client.get(path).get_data(as_text=True)
    assert 'value="" selected' in form or '<option selected value="">' in form  # no kind chosen
    untouched = _form(personas, type="", description="", start_date="", end_date="")
    response = post_form(client, path, {**untouched, "status": "voorgenomen"})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Kies een soort maatregel." in html and 'id="type-error"' in html
    assert "Vul de startdatum van de maatregel in." in html and 'id="start_date-error"' in html
    # "Overige maatregel" says nothing by itself: it needs a description.
    response = post_form(client, path, _form(personas, type="overig", description="  "))
    assert response.status_code == 422
    assert "bij een overige maatregel is de omschrijving verplicht" in response.get_data(
        as_text=True
    )
    with app.app_context():
        assert db.session.scalar(select(Measure.id).where(Measure.case_id == case_id)) is None


def test_only_participating_organisations_carry_a_measure(app, client, personas):
    case_id = open_case(app, personas)
    login_as(app, client, personas.member_a)
    outsider = str(personas.orgs["gemeente_b"])
    path = f"/casussen/{case_id}/maatregelen/nieuw"
    response = post_form(client, path, _form(personas, responsible_organisation_id=outsider))
    assert response.status_code == 422
    assert "Kies een organisatie die aan de casus deelneemt." in response.get_data(as_text=True)


def test_editing_a_measure_is_audited_with_field_names_only(app, client, personas):
    case_id = open_case(app, personas)
    measure_id = _measure(app, personas, case_id, "gemeente_a")
    login_as(app, client, personas.member_a)
    path = f"/casussen/{case_id}/maatregelen/{measure_id}/bewerken"
    assert client.get(path).status_code == 200
    response = post_form(client, path, _form(personas, description="Geheime reden"))
    assert response.status_code == 302
    with app.app_context():
        event = db.session.scalar(
            select(AuditEvent).where(AuditEvent.action == "case_measure.updated")
        )
        assert event.details["case"] == case_id
        assert set(event.details["fields"]) == {
            "description",
            "start_date",
            "end_date",
            "status",
        }
        assert "Geheime reden" not in str(event.details)


def test_a_contributor_without_edit_rights_may_not_add_or_change(app, client, personas):
    case_id = open_case(app, personas)
    measure_id = _measure(app, personas, case_id, "gemeente_a")
    login_as(app, client, personas.police)  # a core contributor, not an editor
    assert client.get(f"/casussen/{case_id}/maatregelen/nieuw").status_code == 403
    assert client.get(f"/casussen/{case_id}/maatregelen/{measure_id}/bewerken").status_code == 403
    page = client.get(f"/casussen/{case_id}").get_data(as_text=True)
    assert CLOSURE in page
    assert "Maatregel toevoegen" not in page


def test_a_limited_participant_sees_only_the_measures_it_carries_out(app, client, personas):
    case_id = _with_housing(app, personas)
    own = _measure(app, personas, case_id, "corporatie", MeasureType.CAMERATOEZICHT_151C)
    other = _measure(app, personas, case_id, "gemeente_a")
    login_as(app, client, personas.housing)
    page = client.get(f"/casussen/{case_id}").get_data(as_text=True)
    assert CAMERAS in page
    assert CLOSURE not in page
    assert client.get(f"/casussen/{case_id}/maatregelen/{other}/bewerken").status_code == 404
    assert client.get(f"/casussen/{case_id}/maatregelen/{own}/bewerken").status_code == 403
    with app.app_context():
        given = db.session.scalars(
            select(Disclosure.organisation_id).where(
                Disclosure.item_type == "measure", Disclosure.case_id == case_id
            )
        ).all()
        assert given == [personas.orgs["corporatie"]]


def test_a_measure_answers_only_under_its_own_case(app, client, personas):
    case_id, other_case = open_case(app, personas), open_case(app, personas)
    measure_id = _measure(app, personas, case_id, "gemeente_a")
    login_as(app, client, personas.member_a)
    assert (
        client.get(f"/casussen/{other_case}/maatregelen/{measure_id}/bewerken").status_code == 404
    )


def test_outsiders_get_404(app, client, personas):
    case_id = open_case(app, personas)
    measure_id = _measure(app, personas, case_id, "gemeente_a")
    for persona in (personas.member_b, personas.platform_admin, personas.secretariat):
        login_as(app, client, persona)
        assert client.get(f"/casussen/{case_id}/maatregelen/nieuw").status_code == 404
        path = f"/casussen/{case_id}/maatregelen/{measure_id}/bewerken"
        assert client.get(path).status_code == 404
