"""The timeline: dated entries by participants, narrowed to some organisations where needed,
registered as disclosures; and the case page's item sections stay flat in queries."""

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from neig_workspace.access.roles import SpaceRole
from neig_workspace.audit.models import AuditEvent
from neig_workspace.cases import item_service, service
from neig_workspace.cases.models import (
    AftercareKind,
    Disclosure,
    EntryKind,
    MeasureType,
    TimelineEntry,
)
from neig_workspace.extensions import db
from neig_workspace.notifications.models import Notification, NotificationKind
from tests.cases.helpers import basis_id, case, open_case, org, user
from tests.conftest import count_queries
from tests.helpers import login_as, post_form

POLICE_NOTE = "Informant meldt een tweede adres"


def _with_housing(app, personas) -> int:
    case_id = open_case(app, personas)
    with app.app_context():
        service.add_participant(
            case(case_id),
            service.Participant(org(personas.orgs["corporatie"]), SpaceRole.VIEWER, core=False),
            actor=user(personas.member_a),
        )
        db.session.commit()
    return case_id


def _form(personas, text=POLICE_NOTE, narrowing=(), **overrides) -> dict:
    with_basis = overrides.pop("legal_basis_id", None)
    data = {
        "occurred_at": "2025-03-15T09:30",
        "kind": "contact",
        "text": text,
        "legal_basis_id": str(with_basis or ""),
        "narrowing": [str(personas.orgs[key]) for key in narrowing],
    }
    return {**data, **overrides}


def _basis(app, name="AVG art. 6 lid 1 sub e") -> int:
    with app.app_context():
        return basis_id(name)


def _add(client, case_id, data):
    return post_form(client, f"/casussen/{case_id}/tijdlijn/nieuw", data)


def _entry(app, case_id) -> TimelineEntry:
    """The newest entry of the case, with its narrowing loaded (for use outside the context)."""
    with app.app_context():
        return db.session.scalar(
            select(TimelineEntry)
            .where(TimelineEntry.case_id == case_id)
            .order_by(TimelineEntry.id.desc())
            .options(selectinload(TimelineEntry.narrowing))
        )


def _disclosed_to(app, entry_id) -> set[int]:
    with app.app_context():
        return set(
            db.session.scalars(
                select(Disclosure.organisation_id).where(
                    Disclosure.item_type == "entry", Disclosure.item_id == entry_id
                )
            )
        )


def _case_updates(app, persona) -> int:
    with app.app_context():
        return len(
            db.session.scalars(
                select(Notification).where(
                    Notification.user_id == persona.id,
                    Notification.kind == NotificationKind.CASE_UPDATE,
                )
            ).all()
        )


def test_an_entry_for_the_core_shows_its_supplier_and_basis(app, client, personas):
    case_id = _with_housing(app, personas)
    basis = _basis(app, "Wpg art. 20")
    login_as(app, client, personas.member_a)
    form_page = client.get(f"/casussen/{case_id}/tijdlijn/nieuw").get_data(as_text=True)
    assert f'<option selected value="{_basis(app)}">' in form_page  # the case's basis by default
    response = _add(
        client, case_id, _form(personas, text="Buurt geïnformeerd", legal_basis_id=basis)
    )
    assert response.status_code == 302
    entry = _entry(app, case_id)
    assert response.location.endswith(f"#regel-{entry.id}")
    assert entry.occurred_at == datetime(2025, 3, 15, 8, 30)  # 09:30 in Amsterdam, in UTC
    assert entry.supplier_organisation_id == personas.orgs["gemeente_a"]
    assert entry.legal_basis_id == basis
    assert entry.narrowing == []
    assert _disclosed_to(app, entry.id) == {personas.orgs["politie"], personas.orgs["om"]}
    with app.app_context():
        event = db.session.scalar(
            select(AuditEvent).where(AuditEvent.action == "case_entry.created")
        )
        assert event.details == {
            "case": case_id,
            "supplier": personas.orgs["gemeente_a"],
            "legal_basis": basis,
            "narrowing": [],
        }
    login_as(app, client, personas.police)
    page = client.get(f"/casussen/{case_id}").get_data(as_text=True)
    assert "Buurt geïnformeerd" in page and "Wpg art. 20" in page and "Gemeente Rotterdam" in page
    assert _case_updates(app, personas.police) == 1
    login_as(app, client, personas.housing)  # not core: the entry was not given to it
    assert "Buurt geïnformeerd" not in client.get(f"/casussen/{case_id}").get_data(as_text=True)
    assert _case_updates(app, personas.housing) == 0


def test_a_narrowed_police_note_stays_with_police_and_om(app, client, personas):
    case_id = open_case(app, personas)
    login_as(app, client, personas.police)
    response = _add(client, case_id, _form(personas, narrowing=("om",), legal_basis_id=_basis(app)))
    assert response.status_code == 302
    entry = _entry(app, case_id)
    with app.app_context():
        entry = db.session.get(TimelineEntry, entry.id)
        assert entry.supplier_organisation_id == personas.orgs["politie"]
        assert sorted(entry.narrowing_ids) == sorted(
            [personas.orgs["politie"], personas.orgs["om"]]
        )
    assert _disclosed_to(app, entry.id) == {personas.orgs["om"]}
    login_as(app, client, personas.om)
    page = client.get(f"/casussen/{case_id}").get_data(as_text=True)
    assert POLICE_NOTE in page
    assert "Alleen voor" in page
    assert _case_updates(app, personas.om) == 1
    # The municipality is core but narrowed out: no entry, and no notice about it.
    login_as(app, client, personas.member_a)
    assert POLICE_NOTE not in client.get(f"/casussen/{case_id}").get_data(as_text=True)
    assert _case_updates(app, personas.member_a) == 0


def test_narrowed_to_a_limited_partner_it_reaches_that_partner_and_the_supplier(
    app, client, personas
):
    case_id = _with_housing(app, personas)
    login_as(app, client, personas.member_a)
    response = _add(
        client,
        case_id,
        _form(personas, "Afspraak met de corporatie", ("corporatie",), legal_basis_id=_basis(app)),
    )
    assert response.status_code == 302
    entry = _entry(app, case_id)
    assert _disclosed_to(app, entry.id) == {personas.orgs["corporatie"]}
    for persona, sees in (
        (personas.housing, True),
        (personas.member_a, True),
        (personas.police, False),
    ):
        login_as(app, client, persona)
        page = client.get(f"/casussen/{case_id}").get_data(as_text=True)
        assert ("Afspraak met de corporatie" in page) is sees, persona.key


def test_bad_input_is_refused_with_the_values_kept(app, client, personas):
    case_id = open_case(app, personas)
    login_as(app, client, personas.member_a)
    response = _add(client, case_id, _form(personas, text="   ", legal_basis_id=_basis(app)))
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'id="text-error"' in html and "Vul de tekst in." in html
    response = _add(client, case_id, _form(personas, text="x" * 5001, legal_basis_id=_basis(app)))
    assert response.status_code == 422
    assert "De tekst is te lang" in response.get_data(as_text=True)
    data = _form(personas, narrowing=("gemeente_b",), legal_basis_id=_basis(app))
    response = _add(client, case_id, data)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Kies alleen organisaties die aan de casus deelnemen." in html
    assert POLICE_NOTE in html
    response = _add(
        client, case_id, _form(personas, occurred_at="gisteren", legal_basis_id=_basis(app))
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Vul een datum en tijd in, zoals 31-12-2025 14:30." in html
    assert 'value="gisteren"' in html
    response = _add(client, case_id, _form(personas))  # no legal basis
    assert response.status_code == 422
    assert "Kies een grondslag uit de lijst." in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(TimelineEntry.id)) is None


def test_readers_may_not_add_and_outsiders_get_404(app, client, personas):
    case_id = open_case(app, personas)
    login_as(app, client, personas.om)  # core, but a viewer
    assert client.get(f"/casussen/{case_id}/tijdlijn/nieuw").status_code == 403
    assert "Regel toevoegen" not in client.get(f"/casussen/{case_id}").get_data(as_text=True)
    for persona in (personas.member_b, personas.platform_admin, personas.secretariat):
        login_as(app, client, persona)
        assert client.get(f"/casussen/{case_id}/tijdlijn/nieuw").status_code == 404


def test_there_is_no_way_to_change_an_entry(app):
    """A correction is a new entry: no route edits or deletes one."""
    rules = [r for r in app.url_map.iter_rules() if "/tijdlijn/" in r.rule]
    assert "/casussen/<int:case_id>/tijdlijn/nieuw" in [r.rule for r in rules]
    for rule in rules:
        assert not {"bewerken", "verwijderen", "wijzigen"} & set(rule.rule.split("/"))


def _fill(app, personas, case_id, count):
    """`count` rounds of a measure, a task and an entry for each of A, the police and the
    housing corporation: with and without owner, narrowed and not."""
    with app.app_context():
        the_case, actor = case(case_id), user(personas.member_a)
        for n in range(count):
            for org_key in ("gemeente_a", "politie", "corporatie"):
                org_id = personas.orgs[org_key]
                item_service.add_measure(
                    the_case, item_service.MeasureData(MeasureType.OVERIG, org_id), actor=actor
                )
                owner = personas.police.id if org_key == "politie" and n % 2 else None
                item_service.add_task(
                    the_case,
                    item_service.TaskData(AftercareKind.OVERIG, org_id, owner_id=owner),
                    actor=actor,
                )
                item_service.add_entry(
                    the_case,
                    item_service.EntryData(
                        datetime(2025, 3, 15, 9, n % 60),
                        EntryKind.NOTITIE,
                        f"Regel {n}",
                        basis_id(),
                        [org_id] if n % 2 else [],
                    ),
                    actor=actor,
                )
        db.session.commit()


def _page_queries(app, client, case_id) -> int:
    with count_queries(app) as statements:
        assert client.get(f"/casussen/{case_id}").status_code == 200
    return len(statements)


def test_the_case_page_does_not_grow_in_queries_with_its_items(app, client, personas):
    small, large = _with_housing(app, personas), _with_housing(app, personas)
    _fill(app, personas, small, 2)
    _fill(app, personas, large, 20)
    for persona in (personas.member_a, personas.housing):
        login_as(app, client, persona)
        # Warm up the session's first-use queries, and open both: a page shown again within
        # minutes is the same opening, which the access log records once.
        _page_queries(app, client, small), _page_queries(app, client, large)
        assert _page_queries(app, client, large) == _page_queries(app, client, small), persona.key
