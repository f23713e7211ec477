"""Aftercare tasks: given to a partner (and a person), who is told, who sees and reports on
them, and what the register and the audit log keep."""

from sqlalchemy import select

from neig_workspace.access.roles import SpaceRole
from neig_workspace.audit.models import AuditEvent
from neig_workspace.cases import item_service, service
from neig_workspace.cases.models import (
    AftercareKind,
    AftercareTask,
    Disclosure,
    TaskStatus,
)
from neig_workspace.extensions import db
from neig_workspace.notifications.models import Notification, NotificationKind
from tests.cases.helpers import case, open_case, org, user
from tests.helpers import login_as, post_form

LETTER = "Bewonersbrief"
REPAIR = "Herstel schade"
SECRET = "Bewoner op nummer 40 is getuige"


def _with_housing(app, personas) -> int:
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


def _task(app, personas, case_id, org_key, kind=AftercareKind.BEWONERSBRIEF, owner=None) -> int:
    with app.app_context():
        task = item_service.add_task(
            case(case_id),
            item_service.TaskData(
                kind=kind,
                organisation_id=personas.orgs[org_key],
                owner_id=owner.id if owner else None,
            ),
            actor=user(personas.member_a),
        )
        db.session.commit()
        return task.id


def _form(personas, org_key="corporatie", **overrides) -> dict:
    data = {
        "kind": "herstel_schade",
        "description": SECRET,
        "organisation_id": str(personas.orgs[org_key]),
        "owner_id": "",
        "due_date": "2025-04-01",
        "status": "open",
    }
    return {**data, **overrides}


def _notifications(app, persona, kind=NotificationKind.CASE_TASK) -> list[Notification]:
    with app.app_context():
        return db.session.scalars(
            select(Notification).where(
                Notification.user_id == persona.id, Notification.kind == kind
            )
        ).all()


def test_a_task_for_a_partner_tells_its_owner_without_case_content(app, client, personas, outbox):
    case_id = _with_housing(app, personas)
    login_as(app, client, personas.member_a)
    before = len(outbox())
    path = f"/casussen/{case_id}/nazorg/nieuw"
    form = _form(personas, owner_id=str(personas.housing.id))
    response = post_form(client, path, form)
    assert response.status_code == 302
    with app.app_context():
        task = db.session.scalar(select(AftercareTask).where(AftercareTask.case_id == case_id))
        assert task.owner_id == personas.housing.id
        assert task.kind == AftercareKind.HERSTEL_SCHADE
        reference = case(case_id).reference
        event = db.session.scalar(
            select(AuditEvent).where(AuditEvent.action == "case_task.created")
        )
        assert event.details == {
            "case": case_id,
            "organisation": personas.orgs["corporatie"],
            "owner": personas.housing.id,
        }
        register = db.session.scalars(
            select(Disclosure).where(Disclosure.item_type == "task", Disclosure.item_id == task.id)
        ).all()
        assert [(d.organisation_id, d.item_label) for d in register] == [
            (personas.orgs["corporatie"], REPAIR)
        ]
    [notice] = _notifications(app, personas.housing)
    assert notice.url == f"/casussen/{case_id}#taak-{task.id}"
    assert notice.confidential
    mails = [m for m in outbox()[before:] if m["To"] == personas.housing.email]
    assert len(mails) == 1
    text = mails[0].as_string()
    for content in (SECRET, reference, REPAIR, "Coolsingel", "Woonstad"):
        assert content not in text


def test_a_task_without_owner_tells_the_organisation(app, client, personas):
    case_id = _with_housing(app, personas)
    login_as(app, client, personas.member_a)
    response = post_form(client, f"/casussen/{case_id}/nazorg/nieuw", _form(personas))
    assert response.status_code == 302
    assert len(_notifications(app, personas.housing)) == 1
    assert _notifications(app, personas.police) == []


def test_the_owner_must_belong_to_the_organisation(app, client, personas):
    case_id = _with_housing(app, personas)
    login_as(app, client, personas.member_a)
    path = f"/casussen/{case_id}/nazorg/nieuw"
    response = post_form(client, path, _form(personas, owner_id=str(personas.police.id)))
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'id="owner_id-error"' in html
    assert "Kies als eigenaar iemand van de uitvoerende organisatie" in html
    assert SECRET in html
    # Someone of the organisation who may not open the case (member_b is of Amsterdam) neither.
    response = post_form(client, path, _form(personas, owner_id=str(personas.member_b.id)))
    assert response.status_code == 422
    with app.app_context():
        assert db.session.scalar(select(AftercareTask.id)) is None


def test_a_kind_must_be_chosen(app, client, personas):
    case_id = _with_housing(app, personas)
    login_as(app, client, personas.member_a)
    response = post_form(client, f"/casussen/{case_id}/nazorg/nieuw", _form(personas, kind="x"))
    assert response.status_code == 422
    assert "Kies een soort nazorg." in response.get_data(as_text=True)


def test_the_partner_sees_only_its_own_task_and_reports_on_it(app, client, personas):
    case_id = _with_housing(app, personas)
    own = _task(app, personas, case_id, "corporatie", AftercareKind.HERSTEL_SCHADE)
    other = _task(app, personas, case_id, "gemeente_a")
    login_as(app, client, personas.housing)
    page = client.get(f"/casussen/{case_id}").get_data(as_text=True)
    assert REPAIR in page
    assert LETTER not in page
    assert f'id="taak-{own}"' in page and f'id="taak-{other}"' not in page
    assert client.get(f"/casussen/{case_id}/nazorg/{own}/bewerken").status_code == 403
    assert client.get(f"/casussen/{case_id}/nazorg/{other}/bewerken").status_code == 404
    case_page = f"/casussen/{case_id}"
    status = f"/casussen/{case_id}/nazorg/{other}/status"
    assert post_form(client, status, {"status": "gereed"}, token_from=case_page).status_code == 404
    status = f"/casussen/{case_id}/nazorg/{own}/status"
    response = post_form(client, status, {"status": "bezig"}, token_from=case_page)
    assert response.status_code == 302
    assert response.location.endswith(f"#taak-{own}")
    with app.app_context():
        assert db.session.get(AftercareTask, own).status == TaskStatus.BEZIG
        assert db.session.get(AftercareTask, other).status == TaskStatus.OPEN
        event = db.session.scalar(
            select(AuditEvent).where(AuditEvent.action == "case_task.status_changed")
        )
        assert event.actor_id == personas.housing.id
        assert event.details == {"case": case_id, "from": "open", "to": "bezig"}


def test_a_reader_of_another_organisation_may_not_report(app, client, personas):
    case_id = open_case(app, personas)  # the OM reads (viewer), the police contributes
    task_id = _task(app, personas, case_id, "politie")
    login_as(app, client, personas.om)
    case_page = f"/casussen/{case_id}"
    path = f"/casussen/{case_id}/nazorg/{task_id}/status"
    assert post_form(client, path, {"status": "gereed"}, token_from=case_page).status_code == 403
    login_as(app, client, personas.police)
    assert post_form(client, path, {"status": "gereed"}, token_from=case_page).status_code == 302


def test_editing_a_task_moves_it_and_tells_the_new_organisation(app, client, personas):
    case_id = _with_housing(app, personas)
    task_id = _task(app, personas, case_id, "gemeente_a")
    login_as(app, client, personas.member_a)
    path = f"/casussen/{case_id}/nazorg/{task_id}/bewerken"
    assert client.get(path).status_code == 200
    response = post_form(client, path, _form(personas))
    assert response.status_code == 302
    with app.app_context():
        task = db.session.get(AftercareTask, task_id)
        assert task.organisation_id == personas.orgs["corporatie"]
        event = db.session.scalar(
            select(AuditEvent).where(AuditEvent.action == "case_task.updated")
        )
        assert "organisation_id" in event.details["fields"]
        assert SECRET not in str(event.details)
        assert (
            db.session.scalar(
                select(Disclosure.organisation_id).where(Disclosure.item_type == "task")
            )
            == personas.orgs["corporatie"]
        )
    assert len(_notifications(app, personas.housing)) == 1


def test_outsiders_get_404(app, client, personas):
    case_id = open_case(app, personas)
    task_id = _task(app, personas, case_id, "gemeente_a")
    for persona in (personas.member_b, personas.platform_admin, personas.secretariat):
        login_as(app, client, persona)
        assert client.get(f"/casussen/{case_id}/nazorg/nieuw").status_code == 404
        assert client.get(f"/casussen/{case_id}/nazorg/{task_id}/bewerken").status_code == 404
        path = f"/casussen/{case_id}/nazorg/{task_id}/status"
        response = post_form(
            client, path, {"status": "gereed"}, token_from="/meldingen/instellingen"
        )
        assert response.status_code == 404
