"""Making folders: a name taken by a folder beside it is refused next to the field, the typed
name kept; one in the trash or elsewhere in the tree does not count."""

import html
import re

from sqlalchemy import func, select

from neig_workspace.documents.models import Folder
from neig_workspace.extensions import db
from tests.documents.doc_helpers import org_space, post
from tests.documents.test_trash import make_folder, trash_folder
from tests.helpers import login_as


def _folder_count(app, space_id: int) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).where(Folder.space_id == space_id))


def _make(client, space_id: int, name: str, parent: int = 0):
    return post(
        client,
        f"/werkruimtes/{space_id}/mappen",
        {"name": name, "parent": str(parent)},
        token_from=f"/werkruimtes/{space_id}/documenten",
    )


def test_a_second_folder_with_the_same_name_beside_the_first_is_refused(app, client, personas):
    space_id = org_space(app, personas)
    login_as(app, client, personas.member_a)
    verslagen = make_folder(client, space_id, "Verslagen")
    response = _make(client, space_id, " verslagen ")
    assert response.status_code == 422
    page = html.unescape(response.get_data(as_text=True))
    assert 'id="name-error"' in page
    assert "Er staat hier al een map met de naam ‘verslagen’. Kies een andere naam." in page
    assert 'value=" verslagen "' in page or 'value="verslagen"' in page  # the input kept
    assert '<details class="folder-create" open>' in page
    assert _folder_count(app, space_id) == 1
    # The same name inside another folder is a different place.
    make_folder(client, space_id, "Verslagen", parent=verslagen)
    # A folder in the trash leaves its name free.
    editor = login_as(app, app.test_client(), personas.org_admin_a)
    assert trash_folder(editor, space_id, verslagen).status_code == 302
    make_folder(client, space_id, "Verslagen")
    assert _folder_count(app, space_id) == 3


def test_an_empty_name_is_refused_next_to_the_field_on_the_folder_it_was_typed_in(
    app, client, personas
):
    space_id = org_space(app, personas)
    login_as(app, client, personas.member_a)
    parent = make_folder(client, space_id, "Verslagen")
    response = _make(client, space_id, "  ", parent=parent)
    assert response.status_code == 422
    page = html.unescape(response.get_data(as_text=True))
    assert 'id="name-error"' in page and "Vul een naam in." in page
    assert re.search(r'<h1 class="utrecht-heading-1[^"]*">Verslagen</h1>', page)
