"""The subject-access export (AVG art. 15): `flask neig subject-export` writes one zip holding
every kind of record about the account, and nothing about another person; audited."""

import io
import json
import zipfile

import pytest
from sqlalchemy import select

from neig_workspace.audit.models import AuditEvent
from neig_workspace.extensions import db
from tests.subject_rights import world as subject_world

pytestmark = pytest.mark.personas_once

SECTIONS = (
    "profiel",
    "lidmaatschappen",
    "toegang_tot_werkruimtes",
    "sessies",
    "e_mailwijzigingen",
    "uitnodigingen",
    "bijeenkomsten",
    "meldingen",
    "documenten",
    "reacties",
    "actiepunten",
    "voortgangsberichten",
    "kennisbankartikelen",
    "tijdlijnnotities_in_casussen",
    "auditlog",
)


@pytest.fixture(scope="module")
def archive(app, test_db, world, tmp_path_factory):
    """The command's zip, made once (inside the planted state, rolled back after)."""
    path = tmp_path_factory.mktemp("inzage") / "inzage.zip"
    with test_db.rolled_back():
        outcome = app.test_cli_runner().invoke(
            args=["neig", "subject-export", subject_world.SUBJECT[0], "-o", str(path)]
        )
        assert outcome.exit_code == 0, outcome.output
        with app.app_context():
            exported = db.session.scalars(
                select(AuditEvent).where(AuditEvent.action == "account.subject_exported")
            ).all()
        yield zipfile.ZipFile(io.BytesIO(path.read_bytes())), exported


def test_the_archive_holds_every_kind_of_record(archive, world):
    zipped, _ = archive
    data = json.loads(zipped.read("gegevens.json"))
    assert data["profiel"]["e_mailadres"] == subject_world.SUBJECT[0]
    for section in SECTIONS:
        assert section in data
    for section in SECTIONS[1:-2]:  # the subject wrote no case entries
        assert data[section], section
    assert data["ledenoverzicht"]["telefoon"] == "010-1234567"
    assert data["sessies"][0]["ip"] == "203.0.113.7"
    assert [r["bijeenkomst"] for r in data["bijeenkomsten"]] == ["Kennissessie nazorg"]
    assert [d["titel"] for d in data["documenten"]] == ["nota-subjectstra.pdf"]
    assert data["reacties"][0]["tekst"] == "Mijn eigen opmerking."
    assert [(i["code"], i["verantwoordelijk"]) for i in data["actiepunten"]] == [("P-01", True)]
    assert data["voortgangsberichten"][0]["tekst"] == "Mijn eigen voortgang."
    assert [a["titel"] for a in data["kennisbankartikelen"]] == ["Aanpak subjectstra"]
    actions = {e["actie"] for e in data["auditlog"]}
    assert {"auth.login", "invitation.created", "account.email_change_requested"} <= actions
    # the file of a document in the own organisation's space is in it
    (attached,) = [d["inhoud_bijgevoegd"] for d in data["documenten"]]
    assert zipped.read(attached).startswith(b"%PDF")
    page = zipped.read("overzicht.html").decode()
    assert "Inzage in uw gegevens" in page and subject_world.SUBJECT[1] in page


def test_nothing_about_another_person(archive):
    zipped, _ = archive
    for name in zipped.namelist():
        text = zipped.read(name).decode("utf-8", errors="replace")
        for term in (*subject_world.OTHER, "198.51.100.9", "org.admin.a"):
            assert term.lower() not in text.lower(), (name, term)


def test_the_export_is_audited(archive, world):
    _, exported = archive
    assert [(e.target_type, e.target_id, e.details["content"]) for e in exported] == [
        ("user", str(world.subject), True)
    ]
