"""The platform admin's side of data-subject requests, on the account's page: the export (a zip
without content: no action gives a platform admin content) and the erasure after typing the
address, with the refusal next to the field."""

import io
import json
import zipfile

import pytest
from sqlalchemy import select

from neig_workspace.accounts.models import User
from neig_workspace.audit.models import AuditEvent
from neig_workspace.extensions import db
from tests.helpers import csrf_token_of, login_as
from tests.subject_rights import world as subject_world

pytestmark = pytest.mark.personas_once


@pytest.fixture
def admin(app, personas):
    return login_as(app, app.test_client(), personas.platform_admin)


def test_the_page_exports_metadata_only_and_audits_it(app, world, admin):
    page = admin.get(f"/beheer/gebruikers/{world.subject}").get_data(as_text=True)
    assert "Gegevens exporteren (inzage)" in page and "Account wissen" in page
    response = admin.post(
        f"/beheer/gebruikers/{world.subject}/inzage", data={"csrf_token": csrf_token_of(app, admin)}
    )
    assert response.status_code == 200 and response.mimetype == "application/zip"
    zipped = zipfile.ZipFile(io.BytesIO(response.data))
    assert sorted(zipped.namelist()) == ["gegevens.json", "overzicht.html"]
    data = json.loads(zipped.read("gegevens.json"))
    assert data["reacties"][0]["tekst"] is None
    assert data["documenten"][0]["inhoud_bijgevoegd"] is None
    with app.app_context():
        event = db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "account.subject_exported")
        ).one()
        assert event.details["content"] is False and event.target_id == str(world.subject)


def test_the_page_erases_after_the_address_is_typed(app, world, admin):
    path = f"/beheer/gebruikers/{world.subject}/wissen"
    token = csrf_token_of(app, admin)
    wrong = admin.post(path, data={"csrf_token": token, "confirm": subject_world.OTHER[0]})
    assert wrong.status_code == 422
    assert "Dit is niet het e-mailadres van dit account." in wrong.get_data(as_text=True)
    done = admin.post(path, data={"csrf_token": token, "confirm": subject_world.SUBJECT[0]})
    assert done.status_code == 302
    with app.app_context():
        user = db.session.get(User, world.subject)
        assert user.email.startswith("verwijderd-") and not user.active
        assert db.session.scalar(
            select(AuditEvent.actor_id).where(AuditEvent.action == "account.erased")
        )
