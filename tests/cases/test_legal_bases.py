"""The legal bases admin: platform admins keep the list; names are unique; retired bases are
no longer offered."""

import html

from sqlalchemy import func, select

from neig_workspace.audit.models import AuditEvent
from neig_workspace.cases.legal_bases import DEFAULT_LEGAL_BASES
from neig_workspace.cases.models import LegalBasis
from neig_workspace.extensions import db
from tests.cases.helpers import basis_id
from tests.cases.test_provenance import case_with_police
from tests.documents.doc_helpers import upload_url
from tests.helpers import form_token, login_as, post_form

BASES = "/beheer/grondslagen"


def count(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count(LegalBasis.id)))


def test_only_platform_admins_keep_the_list(app, client, personas):
    assert client.get(BASES).status_code == 302  # anonymous: to the login page
    for persona in (personas.member_a, personas.org_admin_a, personas.secretariat):
        login_as(app, client, persona)
        assert client.get(BASES).status_code == 403
        assert client.get(BASES + "/nieuw").status_code == 403
    login_as(app, client, personas.platform_admin)
    assert client.get(BASES).status_code == 200


def test_a_member_cannot_post_a_basis(app, client, personas):
    seeded = count(app)  # migration 0009's bases
    login_as(app, client, personas.platform_admin)
    token = form_token(client, BASES + "/nieuw")
    login_as(app, client, personas.member_a)
    response = client.post(BASES + "/nieuw", data={"csrf_token": token, "name": "Eigen grond"})
    assert response.status_code in (400, 403)
    assert count(app) == seeded


def test_create_edit_and_unique_names(app, client, personas):
    seeded = count(app)  # migration 0009's bases
    login_as(app, client, personas.platform_admin)
    response = post_form(
        client, BASES + "/nieuw", {"name": "Wet politiegegevens art. 20", "active": "y"}
    )
    assert response.status_code == 302
    assert "Wet politiegegevens art. 20" in client.get(BASES).get_data(as_text=True)

    clash = post_form(client, BASES + "/nieuw", {"name": "WET POLITIEGEGEVENS  art. 20"})
    assert clash.status_code == 422
    assert "Er is al een grondslag met deze naam." in html.unescape(clash.get_data(as_text=True))
    assert count(app) == seeded + 1

    with app.app_context():
        basis = db.session.scalar(
            select(LegalBasis).where(LegalBasis.name == "Wet politiegegevens art. 20")
        )
        basis_id_ = basis.id
    response = post_form(
        client,
        f"{BASES}/{basis_id_}/bewerken",
        {"name": "Wpg art. 20 (samenwerking)", "description": "Doel"},
    )
    assert response.status_code == 302
    with app.app_context():
        basis = db.session.get(LegalBasis, basis_id_)
        assert (basis.name, basis.active) == ("Wpg art. 20 (samenwerking)", False)
        actions = db.session.scalars(
            select(AuditEvent.action).where(AuditEvent.action.like("legal_basis.%"))
        ).all()
    assert actions == ["legal_basis.created", "legal_basis.updated"]
    assert client.get(f"{BASES}/999999/bewerken").status_code == 404


def test_the_default_list_is_added_once(app, client, personas):
    login_as(app, client, personas.platform_admin)
    assert post_form(client, BASES + "/standaard", {}, token_from=BASES).status_code == 302
    assert count(app) == len(DEFAULT_LEGAL_BASES)
    assert post_form(client, BASES + "/standaard", {}, token_from=BASES).status_code == 302
    assert count(app) == len(DEFAULT_LEGAL_BASES)


def test_a_retired_basis_is_no_longer_offered(app, client, personas):
    _case_id, space_id = case_with_police(app, personas)
    with app.app_context():
        retired = basis_id("Wjsg art. 39f")
    login_as(app, client, personas.platform_admin)
    response = post_form(
        client, f"{BASES}/{retired}/bewerken", {"name": "Wjsg art. 39f", "description": ""}
    )
    assert response.status_code == 302
    login_as(app, client, personas.police)
    page = html.unescape(client.get(upload_url(space_id)).get_data(as_text=True))
    assert "Wjsg art. 39f" not in page
    assert "Wpg art. 20" in page
