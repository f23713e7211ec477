"""Provenance: every document in a case space records its supplier and legal basis, shown on
the document page; the upload form in a case space asks for the basis."""

import html

from sqlalchemy import select

from neig_workspace.access.roles import SpaceRole
from neig_workspace.cases import service
from neig_workspace.cases.legal_bases import save_legal_basis
from neig_workspace.cases.models import CaseDocument, LegalBasis
from neig_workspace.documents.models import Document
from neig_workspace.extensions import db
from tests.cases.helpers import basis_id, case, open_case, org, user
from tests.documents.doc_helpers import org_space, pdf, upload, upload_url, uploaded_id
from tests.helpers import login_as, post_form

#: The police contribute (and so upload); the OM reads; the housing corporation reads only
#: what is given to it.
PARTICIPANTS = (
    ("politie", SpaceRole.CONTRIBUTOR, True, True),
    ("om", SpaceRole.VIEWER, True, False),
    ("corporatie", SpaceRole.VIEWER, False, False),
)


def case_with_police(app, personas, **kw) -> tuple[int, int]:
    """A case of A (member_a manages it) with the police contributing; (case id, space id)."""
    case_id = open_case(app, personas, participants=PARTICIPANTS, **kw)
    with app.app_context():
        return case_id, case(case_id).space_id


def make_manager(app, case_id: int, persona) -> None:
    """Give `persona` a manager grant in the case (their organisation takes part already)."""
    with app.app_context():
        service.add_user(case(case_id), user(persona), SpaceRole.MANAGER, actor=None)
        db.session.commit()


def upload_as(app, client, persona, space_id: int, name: str = "pv.pdf", **fields) -> int:
    login_as(app, client, persona)
    fields.setdefault("classification", "zaakvertrouwelijk")
    return uploaded_id(client, space_id, pdf(name), name, **fields)


def provenance(app, document_id: int) -> tuple[int, int] | None:
    with app.app_context():
        row = db.session.get(CaseDocument, document_id)
        return (row.supplier_organisation_id, row.legal_basis_id) if row else None


def test_upload_in_a_case_records_the_uploaders_organisation_and_the_cases_basis(
    app, client, personas
):
    case_id, space_id = case_with_police(app, personas)
    document_id = upload_as(app, client, personas.police, space_id)
    with app.app_context():
        assert provenance(app, document_id) == (personas.orgs["politie"], basis_id())

    page = client.get(f"/documenten/{document_id}").get_data(as_text=True)
    expected = "Aangeleverd door Politie Eenheid Rotterdam · Grondslag: AVG art. 6 lid 1 sub e"
    assert expected in html.unescape(page)


def test_the_uploader_chooses_the_basis_in_a_case_space(app, client, personas):
    _case_id, space_id = case_with_police(app, personas)
    with app.app_context():
        wpg = basis_id("Wpg art. 20")
    document_id = upload_as(app, client, personas.police, space_id, legal_basis=str(wpg))
    assert provenance(app, document_id) == (personas.orgs["politie"], wpg)


def test_the_basis_select_shows_only_in_case_spaces_and_only_active_bases(app, client, personas):
    _case_id, space_id = case_with_police(app, personas)
    own_space = org_space(app, personas)
    with app.app_context():
        retired = db.session.scalar(select(LegalBasis).where(LegalBasis.name == "Wpg art. 19"))
        save_legal_basis(retired, name=retired.name, description="", active=False, actor=None)
        db.session.commit()
    login_as(app, client, personas.member_a)
    page = html.unescape(client.get(upload_url(space_id)).get_data(as_text=True))
    assert 'name="legal_basis"' in page
    assert "Wpg art. 20" in page
    assert "Wpg art. 19" not in page
    assert 'name="legal_basis"' not in client.get(upload_url(own_space)).get_data(as_text=True)


def test_a_retired_basis_is_refused(app, client, personas):
    _case_id, space_id = case_with_police(app, personas)
    with app.app_context():
        retired = db.session.scalar(select(LegalBasis).where(LegalBasis.name == "Wpg art. 19"))
        save_legal_basis(retired, name=retired.name, description="", active=False, actor=None)
        db.session.commit()
        retired_id = retired.id
    login_as(app, client, personas.police)
    response = upload(
        client,
        space_id,
        [(pdf("x"), "x.pdf")],
        classification="zaakvertrouwelijk",
        legal_basis=str(retired_id),
    )
    assert response.status_code == 422
    with app.app_context():
        assert db.session.scalar(select(Document.id).where(Document.space_id == space_id)) is None


def test_documents_outside_cases_have_no_provenance(app, client, personas):
    own_space = org_space(app, personas)
    login_as(app, client, personas.member_a)
    document_id = uploaded_id(client, own_space, pdf("a"), "a.pdf", classification="intern")
    assert provenance(app, document_id) is None
    assert "Aangeleverd door" not in client.get(f"/documenten/{document_id}").get_data(as_text=True)


def test_a_copy_into_a_case_is_supplied_by_the_copier(app, client, personas):
    _case_id, space_id = case_with_police(app, personas)
    own_space = org_space(app, personas)
    login_as(app, client, personas.member_a)
    original = uploaded_id(client, own_space, pdf("b"), "b.pdf", classification="intern")
    response = post_form(client, f"/documenten/{original}/kopieren", {"space": str(space_id)})
    assert response.status_code == 302
    with app.app_context():
        copy_id = db.session.scalar(select(Document.id).where(Document.space_id == space_id))
        default_basis = basis_id()
    assert provenance(app, copy_id) == (personas.orgs["gemeente_a"], default_basis)


def test_supplier_is_the_organisation_taking_part(app, personas):
    case_id, _space_id = case_with_police(app, personas)
    from neig_workspace.cases.originator import supplier_for

    with app.app_context():
        assert supplier_for(case(case_id), user(personas.police)) == personas.orgs["politie"]
        assert org(personas.orgs["politie"]).name == "Politie Eenheid Rotterdam"
