"""Importing cases from CSV: a dry run names every bad row and saves nothing; an import saves
every case or none; a municipality imports only its own cases."""

import io
from datetime import datetime

from sqlalchemy import func, select

from neig_workspace.audit.models import AuditEvent
from neig_workspace.cases import imports, service
from neig_workspace.cases.models import (
    Case,
    CaseOrganisation,
    CaseStatus,
    ExplosiveType,
    TargetType,
)
from neig_workspace.extensions import db
from tests.cases.helpers import basis_id
from tests.helpers import form_token, login_as

PATH = "/casussen/importeren"
BASIS = "AVG art. 6 lid 1 sub e"
HEADER = "gemeente,datum,tijd,doelwit,explosief,postcode,buurt,adres,schade,gewonden,omschrijving,status,grondslag"  # noqa: E501
GOOD = [
    f"GM0599,2025-03-14,02:30,woning,zwaar_vuurwerk,3011,Stadsdriehoek,Coolsingel 40,Ruiten,0,Explosie bij voordeur,,{BASIS}",  # noqa: E501
    f"Gemeente Rotterdam,15-03-2025,,voertuig,handgranaat,,,,,1,,nazorg,{BASIS}",
]


def csv_bytes(*rows, header=HEADER, sep=",", bom=False) -> bytes:
    text = "\n".join([header, *rows]).replace(",", sep) + "\n"
    return (b"\xef\xbb\xbf" if bom else b"") + text.encode()


def send(app, personas, data: bytes, *, persona="member_a", step="controleren"):
    with app.app_context():
        basis_id()  # the default legal bases exist
        db.session.commit()
    client = login_as(app, app.test_client(), personas[persona])
    return client.post(
        PATH,
        data={
            "csrf_token": form_token(client, PATH),
            "stap": step,
            "file": (io.BytesIO(data), "casussen.csv"),
        },
    )


def case_count(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count(Case.id)))


def test_the_page_documents_the_columns(app, personas):
    client = login_as(app, app.test_client(), personas.member_a)
    html = client.get(PATH).get_data(as_text=True)
    for column in imports.COLUMNS:
        assert f"<code>{column}</code>" in html


def test_a_dry_run_names_every_bad_row_and_imports_nothing(app, personas):
    data = csv_bytes(
        GOOD[0],
        f"GM0599,14/03/2025,25:00,kelder,zwaar_vuurwerk,,,,,0,,,{BASIS}",
        f"Gemeente Nergenshuizen,2025-03-14,,woning,bom,,,,,0,,,{BASIS}",
        "GM0599,2025-03-14,,woning,onbekend,12345,,,,-1,,weg,Geen grondslag",
    )
    response = send(app, personas, data)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "3 rijen kloppen niet. Er is niets geïmporteerd." in html
    assert 'scope="row">2</th>' not in html
    for line, problems in {
        3: ["datum: ‘14/03/2025’ is geen datum", "doelwit: ‘kelder’ is onbekend"],
        4: ["gemeente: ‘Gemeente Nergenshuizen’ is geen gemeente", "explosief: ‘bom’"],
        5: [
            "postcode: Vul de vier cijfers",
            "gewonden: Vul een heel getal",
            "status: ‘weg’ is onbekend",
            "grondslag: ‘Geen grondslag’ is geen actieve grondslag",
        ],
    }.items():
        row = html.split(f'scope="row">{line}</th>')[1].split("</tr>")[0]
        for problem in problems:
            assert problem in row, (line, problem)
    assert case_count(app) == 0


def test_a_dry_run_of_a_good_file_imports_nothing(app, personas):
    response = send(app, personas, csv_bytes(*GOOD))
    assert response.status_code == 200
    assert "Alle 2 rijen zijn in orde." in response.get_data(as_text=True)
    assert case_count(app) == 0


def test_a_valid_file_imports_every_case(app, personas):
    response = send(app, personas, csv_bytes(*GOOD), step="importeren")
    assert response.status_code == 302
    with app.app_context():
        first, second = db.session.scalars(select(Case).order_by(Case.id)).all()
        # 02:30 Dutch winter time is stored as 01:30 UTC
        assert first.occurred_at == datetime(2025, 3, 14, 1, 30)
        assert (first.target_type, first.explosive_type) == (
            TargetType.WONING,
            ExplosiveType.ZWAAR_VUURWERK,
        )
        assert (first.postcode4, first.neighbourhood, first.status) == (
            "3011",
            "Stadsdriehoek",
            CaseStatus.GEMELD,
        )
        assert service.decrypt_address(first) == "Coolsingel 40"
        assert first.created_by_id == personas.member_a.id
        assert first.municipality_id == personas.orgs["gemeente_a"]
        assert second.occurred_at == datetime(2025, 3, 14, 23, 0)  # midnight in Amsterdam
        assert (second.status, second.injured) == (CaseStatus.NAZORG, 1)
        assert second.legal_basis.name == BASIS
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "case.imported"))
        assert event.details == {"cases": 2} and event.actor_id == personas.member_a.id


def test_one_bad_row_imports_nothing(app, personas):
    data = csv_bytes(*GOOD, f"GM0599,2025-13-01,,woning,onbekend,,,,,0,,,{BASIS}")
    response = send(app, personas, data, step="importeren")
    assert response.status_code == 422
    assert "1 rij klopt niet. Er is niets geïmporteerd." in response.get_data(as_text=True)
    assert case_count(app) == 0


def test_semicolons_a_bom_and_dutch_words(app, personas):
    data = csv_bytes(
        f"Rotterdam,01-02-2025,23:15,Bedrijfspand,geïmproviseerd explosief,,,,,0,,in behandeling,{BASIS}",  # noqa: E501
        f"gm0599,2025-02-02,,OVERIG,Zwaar vuurwerk,,,,,0,,afgesloten,{BASIS.upper()}",
        sep=";",
        bom=True,
    )
    response = send(app, personas, data, step="importeren")
    assert response.status_code == 302, response.get_data(as_text=True)
    with app.app_context():
        first, second = db.session.scalars(select(Case).order_by(Case.id)).all()
        assert (first.target_type, first.explosive_type, first.status) == (
            TargetType.BEDRIJFSPAND,
            ExplosiveType.GEIMPROVISEERD,
            CaseStatus.IN_BEHANDELING,
        )
        assert (second.explosive_type, second.status) == (
            ExplosiveType.ZWAAR_VUURWERK,
            CaseStatus.AFGESLOTEN,
        )
        assert second.closed_at is not None


def test_a_municipality_imports_only_its_own_cases(app, personas):
    amsterdam = f"GM0363,2025-03-14,,woning,onbekend,,,,,0,,,{BASIS}"
    response = send(app, personas, csv_bytes(GOOD[0], amsterdam), step="importeren")
    assert response.status_code == 422
    row = response.get_data(as_text=True).split('scope="row">3</th>')[1]
    assert "gemeente: U importeert alleen casussen van uw eigen gemeente." in row
    assert case_count(app) == 0
    # The police import for any municipality; that municipality joins as a core participant.
    response = send(app, personas, csv_bytes(amsterdam), persona="police", step="importeren")
    assert response.status_code == 302
    with app.app_context():
        case = db.session.scalar(select(Case))
        core = {
            co.organisation_id: co.core
            for co in db.session.scalars(
                select(CaseOrganisation).where(CaseOrganisation.case_id == case.id)
            )
        }
        assert core == {personas.orgs["politie"]: True, personas.orgs["gemeente_b"]: True}


def test_who_may_import(app, personas):
    for persona, status in (("secretariat", 200), ("platform_admin", 403), ("housing", 403)):
        client = login_as(app, app.test_client(), personas[persona])
        assert client.get(PATH).status_code == status, persona
    response = send(app, personas, csv_bytes(*GOOD), persona="platform_admin", step="importeren")
    assert response.status_code in (400, 403)
    assert case_count(app) == 0


def test_limits_on_size_rows_and_header(app, personas):
    too_big = csv_bytes(GOOD[0]) + b"#" * imports.MAX_BYTES
    html = send(app, personas, too_big).get_data(as_text=True)
    assert "Het bestand is groter dan 2 MB." in html
    too_many = csv_bytes(*([GOOD[1]] * (imports.MAX_ROWS + 1)))
    html = send(app, personas, too_many).get_data(as_text=True)
    assert "Importeer hooguit 5000 casussen tegelijk." in html
    no_basis = csv_bytes(
        "GM0599,2025-03-14,woning,onbekend", header="gemeente,datum,doelwit,explosief"
    )
    html = send(app, personas, no_basis).get_data(as_text=True)
    assert "De kopregel mist de kolom(men): grondslag." in html
    assert case_count(app) == 0
