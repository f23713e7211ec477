"""Editing a document's details, narrowing it, and the audit of confidential views."""

import pytest

from tests.documents.doc_helpers import audit_events, org_space, pdf, post, uploaded_id
from tests.helpers import login_as


@pytest.fixture
def space_id(app, personas):
    return org_space(app, personas)


def edit(client, document_id, **fields):
    data = {
        "title": "Nota nazorg",
        "description": "",
        "tags": "",
        "classification": "intern",
        **fields,
    }
    path = f"/documenten/{document_id}/bewerken"
    return post(client, path, data, token_from=path)


def test_editing_details_is_audited_with_before_and_after(app, client, personas, space_id):
    login_as(app, client, personas.member_a)
    document_id = uploaded_id(client, space_id, pdf("a"), "a.pdf")
    response = edit(client, document_id, tags="Nazorg, woning", description="Voor de nazorg")
    assert response.status_code == 302
    [(actor, _target, space, details)] = audit_events(app, "document.updated", document_id)
    assert actor == personas.member_a.id and space == space_id
    assert details["before"]["tags"] == "" and details["after"]["tags"] == "|nazorg|woning|"
    assert details["after"]["description"] == "Voor de nazorg"
    # The status has its own form for editors now (tests/comments/test_drafts.py).


def test_a_label_below_the_space_is_refused_next_to_the_field(app, client, personas, space_id):
    login_as(app, client, personas.member_a)
    document_id = uploaded_id(client, space_id, pdf("a"), "a.pdf")
    response = edit(client, document_id, classification="openbaar", title="Getypte titel")
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'id="classification-error"' in html
    assert 'value="Getypte titel"' in html  # what was typed is kept


def test_narrowing_is_audited_and_hides_the_document_from_others(app, client, personas, space_id):
    login_as(app, client, personas.org_admin_a)
    document_id = uploaded_id(client, space_id, pdf("a"), "a.pdf")
    # Narrowing to an organisation without a grant in the space is not offered.
    response = edit(client, document_id, narrowing=[str(personas.orgs["politie"])])
    assert response.status_code == 422
    # Narrowed to Gemeente A itself: still readable for A, audited as a narrowing change.
    assert (
        edit(client, document_id, narrowing=[str(personas.orgs["gemeente_a"])]).status_code == 302
    )
    [(_a, _t, _s, details)] = audit_events(app, "document.narrowing_changed", document_id)
    assert details == {"before": [], "after": [personas.orgs["gemeente_a"]]}
    assert client.get(f"/documenten/{document_id}").status_code == 200


def test_viewing_a_confidential_document_is_audited(app, client, personas, space_id):
    login_as(app, client, personas.member_a)  # an MFA-verified session
    document_id = uploaded_id(client, space_id, pdf("a"), "a.pdf", classification="vertrouwelijk")
    assert client.get(f"/documenten/{document_id}").status_code == 200
    assert [e[0] for e in audit_events(app, "document.viewed", document_id)] == [
        personas.member_a.id
    ]


def test_viewing_an_internal_document_is_not_logged_as_a_view(app, client, personas, space_id):
    login_as(app, client, personas.member_a)
    document_id = uploaded_id(client, space_id, pdf("a"), "a.pdf")
    assert client.get(f"/documenten/{document_id}").status_code == 200
    assert audit_events(app, "document.viewed", document_id) == []
