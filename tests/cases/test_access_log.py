"""The access log of a case: every read (the case, its address, its documents) by whom and
when, for the case managers only."""

import io

from neig_workspace.access.roles import SpaceRole
from neig_workspace.documents import service as documents
from neig_workspace.extensions import db
from tests.cases.helpers import case, open_case, user
from tests.conftest import count_queries
from tests.helpers import login_as

PDF = b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n"


def _document(app, personas, case_id, title="proces-verbaal.pdf") -> int:
    with app.app_context():
        document = documents.upload_document(
            case(case_id).space,
            documents.Upload(io.BytesIO(PDF), title),
            actor=user(personas.member_a),
        )
        db.session.commit()
        return document.id


def test_access_log_lists_who_read_what(app, client, personas):
    case_id = open_case(app, personas)
    document_id = _document(app, personas, case_id)
    login_as(app, client, personas.police)
    client.get(f"/casussen/{case_id}")
    client.get(f"/casussen/{case_id}/adres")
    assert client.get(f"/documenten/{document_id}").status_code == 200
    login_as(app, client, personas.member_a)  # the case manager
    page = client.get(f"/casussen/{case_id}/toegangslog").get_data(as_text=True)
    assert personas.police.name in page
    assert "Politie Eenheid Rotterdam" in page
    assert "de casus geopend" in page
    assert "het volledige adres geopend" in page
    assert "document geopend:" in page and "proces-verbaal" in page
    client.get(f"/casussen/{case_id}")
    filtered = client.get(
        f"/casussen/{case_id}/toegangslog?persoon={personas.member_a.id}"
    ).get_data(as_text=True)
    assert "het volledige adres geopend" not in filtered
    assert "1 inzage" in filtered  # member_a opened the case once


def test_access_log_is_refused_to_participants_who_do_not_manage(app, client, personas):
    case_id = open_case(app, personas, participants=(("politie", SpaceRole.EDITOR, True, True),))
    login_as(app, client, personas.police)
    assert client.get(f"/casussen/{case_id}").status_code == 200
    assert client.get(f"/casussen/{case_id}/toegangslog").status_code == 403
    assert "Toegangslog" not in client.get(f"/casussen/{case_id}").get_data(as_text=True)
    login_as(app, client, personas.member_b)
    assert client.get(f"/casussen/{case_id}/toegangslog").status_code == 404


def test_access_log_runs_as_many_queries_for_many_reads_as_for_few(app, client, personas):
    case_id = open_case(app, personas)
    document_id = _document(app, personas, case_id)
    login_as(app, client, personas.police)
    client.get(f"/documenten/{document_id}")
    login_as(app, client, personas.member_a)

    def queries():
        with count_queries(app) as statements:
            assert client.get(f"/casussen/{case_id}/toegangslog").status_code == 200
        return len(statements)

    queries()  # warm up: the access id sets kept across requests (access/generation.py)
    few = queries()
    for persona in ("police", "om", "member_a"):
        login_as(app, client, personas[persona])
        for _ in range(4):
            client.get(f"/casussen/{case_id}")
            client.get(f"/documenten/{document_id}")
    login_as(app, client, personas.member_a)
    assert queries() == few
