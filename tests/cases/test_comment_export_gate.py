"""The comment table of a round carries a document's text out of its case: for a case document
supplied by the police, a municipality case manager exports it only with an approved export
request (used once); a police case manager exports it without asking."""

import html
from datetime import timedelta

from sqlalchemy import select

from neig_workspace.audit.models import AuditEvent
from neig_workspace.cases.models import ReleaseRequest, ReleaseState
from neig_workspace.comments import service as comments
from neig_workspace.documents import drafts
from neig_workspace.extensions import db
from neig_workspace.spaces.models import Classification, Space
from neig_workspace.timeutil import utcnow
from tests.cases.helpers import user
from tests.cases.test_originator_control import approve
from tests.cases.test_provenance import case_with_police, make_manager
from tests.helpers import login_as


def police_round(app, personas) -> tuple[int, int, int]:
    """A case of A (member_a manages it); the police's case manager wrote a draft in it and
    member_a opened a comment round. (case id, document id, round id)"""
    case_id, space_id = case_with_police(app, personas)
    make_manager(app, case_id, personas.police)
    with app.app_context():
        document = drafts.create_text_draft(
            db.session.get(Space, space_id),
            title="Proces-verbaal",
            text="# Bevindingen\n\nDe verdachte is gezien.\n",
            classification=Classification.ZAAKVERTROUWELIJK,
            actor=user(personas.police),
        )
        comment_round = comments.start_round(
            document,
            deadline=utcnow() + timedelta(days=14),
            organisation_ids=[personas.orgs["om"]],
            actor=user(personas.member_a),
        )
        db.session.commit()
        return case_id, document.id, comment_round.id


def export(client, round_id):
    return client.get(f"/commentaarrondes/{round_id}/commentaartabel?formaat=csv")


def exported(app) -> int:
    with app.app_context():
        return len(
            db.session.scalars(
                select(AuditEvent.id).where(AuditEvent.action == "comment_round.exported")
            ).all()
        )


def test_a_municipality_case_manager_needs_the_polices_approval(app, client, personas):
    case_id, document_id, round_id = police_round(app, personas)
    login_as(app, client, personas.member_a)

    response = export(client, round_id)
    assert response.status_code == 403
    page = html.unescape(response.get_data(as_text=True))
    assert "Politie Eenheid Rotterdam" in page
    assert f"item=document:{document_id}&actie=export" in page
    assert exported(app) == 0
    with app.app_context():
        refused = db.session.scalars(
            select(AuditEvent.details).where(AuditEvent.action == "case.release_refused")
        ).all()
    assert refused[-1]["item_id"] == document_id and refused[-1]["action"] == "export"


def test_an_approved_export_request_lets_the_table_out_once(app, client, personas):
    case_id, document_id, round_id = police_round(app, personas)
    request_id = approve(app, client, personas, case_id, f"document:{document_id}", "export", None)

    response = export(client, round_id)
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert exported(app) == 1
    with app.app_context():
        assert db.session.get(ReleaseRequest, request_id).state == ReleaseState.USED

    assert export(client, round_id).status_code == 403  # the approval is used up
    assert exported(app) == 1


def test_the_suppliers_case_manager_exports_without_asking(app, client, personas):
    _case_id, _document_id, round_id = police_round(app, personas)
    login_as(app, client, personas.police)
    assert export(client, round_id).status_code == 200
    assert exported(app) == 1
