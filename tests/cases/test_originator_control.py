"""Originator control: a document or note supplied by the police leaves its case (copy, link
into another case, re-share, move) only with the approval of a police case manager; the
approval covers exactly one path and is used once."""

import html
from datetime import datetime

from sqlalchemy import func, select

from neig_workspace.audit.models import AuditEvent
from neig_workspace.cases.models import (
    CaseDocument,
    EntryKind,
    ReleaseAction,
    ReleaseRequest,
    ReleaseState,
    TimelineEntry,
    TimelineNarrowing,
)
from neig_workspace.documents import service as documents
from neig_workspace.documents.models import Document, Folder
from neig_workspace.extensions import db
from neig_workspace.notifications.models import Notification, NotificationKind
from neig_workspace.spaces.models import Space
from tests.cases.helpers import basis_id, case, open_case, user
from tests.cases.test_provenance import PARTICIPANTS, case_with_police, make_manager, upload_as
from tests.documents.doc_helpers import org_space
from tests.helpers import login_as, post_form


def events(app, action: str) -> list[dict]:
    with app.app_context():
        return [
            dict(e.details or {})
            for e in db.session.scalars(
                select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)
            )
        ]


def documents_in(app, space_id: int) -> int:
    with app.app_context():
        return db.session.scalar(
            select(func.count(Document.id)).where(Document.space_id == space_id)
        )


def release(app, request_id=None) -> ReleaseRequest:
    with app.app_context():
        query = select(ReleaseRequest).order_by(ReleaseRequest.id.desc())
        if request_id:
            query = query.where(ReleaseRequest.id == request_id)
        row = db.session.scalar(query)
        db.session.expunge(row)
        return row


def police_document(app, client, personas):
    """A case of A (member_a manages it), a document the police uploaded, A's own space."""
    case_id, space_id = case_with_police(app, personas)
    make_manager(app, case_id, personas.police)
    document_id = upload_as(app, client, personas.police, space_id)
    return case_id, space_id, document_id, org_space(app, personas)


def ask(client, case_id, item, action, target, reason="Nodig voor de aanpak."):
    path = f"/casussen/{case_id}/vrijgave/nieuw?item={item}&actie={action}&doel={target or ''}"
    return post_form(client, path, {"reason": reason})


def decide(client, case_id, request_id, decision="approve"):
    return post_form(
        client,
        f"/casussen/{case_id}/vrijgaven/{request_id}/besluit",
        {"decision": decision, "note": ""},
        token_from=f"/casussen/{case_id}/vrijgaven",
    )


def copy(client, document_id, space_id):
    return post_form(client, f"/documenten/{document_id}/kopieren", {"space": str(space_id)})


def approve(app, client, personas, case_id, item, action, target):
    """member_a asks, the police's case manager approves; member_a is logged in afterwards."""
    login_as(app, client, personas.member_a)
    assert ask(client, case_id, item, action, target).status_code == 302
    request_id = release(app).id
    login_as(app, client, personas.police)
    assert decide(client, case_id, request_id).status_code == 302
    login_as(app, client, personas.member_a)
    return request_id


def test_copy_out_is_refused_without_the_suppliers_approval(app, client, personas):
    case_id, _space, document_id, own_space = police_document(app, client, personas)
    login_as(app, client, personas.member_a)
    response = copy(client, document_id, own_space)
    assert response.status_code == 403
    page = html.unescape(response.get_data(as_text=True))
    assert "Toestemming van Politie Eenheid Rotterdam nodig" in page
    assert f"/casussen/{case_id}/vrijgave/nieuw?item=document:{document_id}&actie=copy" in page
    assert documents_in(app, own_space) == 0
    refused = events(app, "case.release_refused")
    assert refused[-1]["item_id"] == document_id and refused[-1]["action"] == "copy"


def test_approved_copy_goes_once(app, client, personas):
    case_id, _space, document_id, own_space = police_document(app, client, personas)
    request_id = approve(
        app, client, personas, case_id, f"document:{document_id}", "copy", own_space
    )
    assert release(app, request_id).state == ReleaseState.APPROVED

    assert copy(client, document_id, own_space).status_code == 302
    assert documents_in(app, own_space) == 1
    assert release(app, request_id).state == ReleaseState.USED
    assert events(app, "case.release_used")[-1]["request"] == request_id

    assert copy(client, document_id, own_space).status_code == 403  # used up
    assert documents_in(app, own_space) == 1


def test_an_approval_covers_only_its_target(app, client, personas):
    case_id, _space, document_id, own_space = police_document(app, client, personas)
    elsewhere = org_space(app, personas, "gemeente_b")
    with app.app_context():
        from neig_workspace.access.roles import SpaceRole
        from neig_workspace.spaces import service as spaces
        from neig_workspace.spaces.models import PrincipalType

        spaces.add_grant(
            db.session.get(Space, elsewhere),
            PrincipalType.USER,
            SpaceRole.CONTRIBUTOR,
            user=user(personas.member_a),
            actor=None,
        )
        db.session.commit()
    approve(app, client, personas, case_id, f"document:{document_id}", "copy", own_space)
    assert copy(client, document_id, elsewhere).status_code == 403
    assert documents_in(app, elsewhere) == 0


def test_request_and_decision_notify_and_are_audited(app, client, personas):
    case_id, _space, document_id, own_space = police_document(app, client, personas)
    login_as(app, client, personas.member_a)
    assert ask(client, case_id, f"document:{document_id}", "copy", own_space).status_code == 302
    request_id = release(app).id
    with app.app_context():
        told = db.session.scalars(
            select(Notification.user_id).where(Notification.kind == NotificationKind.CASE_RELEASE)
        ).all()
    assert told == [personas.police.id]  # the police's case manager, not A's

    # member_a (A's case manager) sees their own request but may not decide on it.
    assert decide(client, case_id, request_id).status_code == 403
    login_as(app, client, personas.police)
    page = client.get(f"/casussen/{case_id}/vrijgaven").get_data(as_text=True)
    assert "Nodig voor de aanpak." in page
    assert decide(client, case_id, request_id, "refuse").status_code == 302
    assert release(app, request_id).state == ReleaseState.REFUSED
    with app.app_context():
        assert (
            db.session.scalar(
                select(func.count(Notification.id)).where(
                    Notification.user_id == personas.member_a.id,
                    Notification.kind == NotificationKind.CASE_RELEASE,
                )
            )
            == 1
        )
    for action in ("case.release_requested", "case.release_refused"):
        details = events(app, action)[-1]
        assert details["request"] == request_id
        assert "Nodig" not in str(details)  # ids only, never the reason

    login_as(app, client, personas.member_a)
    assert copy(client, document_id, own_space).status_code == 403  # refused stays refused


def test_the_suppliers_case_manager_needs_no_approval(app, client, personas):
    _case, _space, document_id, _own = police_document(app, client, personas)
    police_space = org_space(app, personas, "politie")
    login_as(app, client, personas.police)
    assert copy(client, document_id, police_space).status_code == 302
    assert documents_in(app, police_space) == 1


def test_a_contributor_of_the_supplier_needs_approval_too(app, client, personas):
    case_id, space_id = case_with_police(app, personas)  # the police contribute, none manages
    document_id = upload_as(app, client, personas.police, space_id)
    police_space = org_space(app, personas, "politie")
    assert copy(client, document_id, police_space).status_code == 403
    assert case_id


def test_linking_into_another_case_needs_a_link_approval(app, client, personas):
    case_id, _space, document_id, own_space = police_document(app, client, personas)
    other_id = open_case(app, personas, participants=PARTICIPANTS, address="")
    with app.app_context():
        other_space = case(other_id).space_id
    login_as(app, client, personas.member_a)
    assert copy(client, document_id, other_space).status_code == 403
    assert events(app, "case.release_refused")[-1]["action"] == "link"

    approve(app, client, personas, case_id, f"document:{document_id}", "link", other_space)
    assert copy(client, document_id, other_space).status_code == 302
    with app.app_context():
        linked = db.session.scalar(select(Document).where(Document.space_id == other_space))
        row = db.session.get(CaseDocument, linked.id)
        # The copy is still the police's: they decide about it in the other case too.
        assert (row.case_id, row.supplier_organisation_id) == (other_id, personas.orgs["politie"])
    assert own_space


def test_widening_a_documents_narrowing_needs_approval(app, client, personas):
    case_id, space_id = case_with_police(app, personas)
    make_manager(app, case_id, personas.police)
    police, org_a, om = (personas.orgs[k] for k in ("politie", "gemeente_a", "om"))
    document_id = upload_as(
        app, client, personas.police, space_id, narrowing=[str(police), str(org_a)]
    )
    login_as(app, client, personas.member_a)
    edit = f"/documenten/{document_id}/bewerken"
    form = {"title": "pv", "classification": "zaakvertrouwelijk"}

    # Opening it to every core partner gives the OM access: refused, nothing changes.
    response = post_form(client, edit, form)
    assert response.status_code == 403
    assert "Politie Eenheid Rotterdam" in html.unescape(response.get_data(as_text=True))
    with app.app_context():
        narrowing = {n.organisation_id for n in db.session.get(Document, document_id).narrowing}
    assert narrowing == {police, org_a}
    assert events(app, "case.release_refused")[-1]["target_organisation"] == om

    # Narrowing further is always allowed.
    assert (
        post_form(client, edit, {**form, "narrowing": [str(police), str(org_a)]}).status_code == 302
    )

    # With the police's approval to share with the OM, it goes (and the OM is registered).
    approve(app, client, personas, case_id, f"document:{document_id}", "share", om)
    assert post_form(client, edit, form).status_code == 302
    with app.app_context():
        assert db.session.get(Document, document_id).narrowing == []
    assert release(app).state == ReleaseState.USED


def test_widening_an_entry_needs_approval_narrowing_does_not(app, client, personas):
    case_id, _space = case_with_police(app, personas)
    make_manager(app, case_id, personas.police)
    police, org_a, om = (personas.orgs[k] for k in ("politie", "gemeente_a", "om"))
    with app.app_context():
        entry = TimelineEntry(
            case_id=case_id,
            occurred_at=datetime(2025, 3, 14, 3, 0),
            kind=EntryKind.NOTITIE,
            text="Proces-verbaal van bevindingen.",
            author_id=personas.police.id,
            supplier_organisation_id=police,
            legal_basis_id=basis_id("Wpg art. 20"),
            narrowing=[TimelineNarrowing(organisation_id=o) for o in (police, org_a)],
        )
        db.session.add(entry)
        db.session.commit()
        entry_id = entry.id
    path = f"/casussen/{case_id}/tijdlijn/{entry_id}/delen"
    login_as(app, client, personas.member_a)
    response = post_form(client, path, {"narrowing": [str(police), str(org_a), str(om)]})
    assert response.status_code == 403
    assert f"item=entry:{entry_id}&actie=share&doel={om}" in html.unescape(
        response.get_data(as_text=True)
    )
    assert post_form(client, path, {"narrowing": [str(police), str(org_a)]}).status_code == 302

    approve(app, client, personas, case_id, f"entry:{entry_id}", "share", om)
    assert (
        post_form(client, path, {"narrowing": [str(police), str(org_a), str(om)]}).status_code
        == 302
    )
    with app.app_context():
        assert sorted(db.session.get(TimelineEntry, entry_id).narrowing_ids) == sorted(
            [police, org_a, om]
        )
    assert release(app).state == ReleaseState.USED


def test_a_case_document_cannot_move_into_another_spaces_folder(app, client, personas):
    _case, _space, document_id, own_space = police_document(app, client, personas)
    with app.app_context():
        folder = documents.create_folder(
            db.session.get(Space, own_space), "Elders", None, actor=user(personas.member_a)
        )
        db.session.commit()
        folder_id = folder.id
    login_as(app, client, personas.member_a)
    response = post_form(
        client, f"/documenten/{document_id}/verplaatsen", {"folder": str(folder_id)}
    )
    assert response.status_code == 404
    with app.app_context():
        document = db.session.get(Document, document_id)
        assert document.folder_id is None
        assert db.session.get(Folder, folder_id).space_id != document.space_id


def test_request_page_for_an_item_of_another_case_is_404(app, client, personas):
    case_id, _space, document_id, own_space = police_document(app, client, personas)
    other_id = open_case(app, personas, participants=PARTICIPANTS, address="")
    login_as(app, client, personas.member_a)
    path = f"/casussen/{other_id}/vrijgave/nieuw?item=document:{document_id}&actie=copy&doel={own_space}"
    assert client.get(path).status_code == 404
    assert (
        client.get(
            f"/casussen/{case_id}/vrijgave/nieuw?item=document:{document_id}&actie=copy&doel={own_space}"
        ).status_code
        == 200
    )
    with app.app_context():
        assert db.session.scalar(select(func.count(ReleaseRequest.id))) == 0
    assert ReleaseAction.COPY.value == "copy"
