"""Space names: a second space named like one the admin can see is refused next to the field,
the typed name kept; a space hidden from the admin (a case space) is never revealed by it."""

import html

from sqlalchemy import func, select

from neig_workspace.extensions import db
from neig_workspace.spaces.models import Space
from tests.helpers import form_token, login_as, post_form
from tests.spaces.test_grants import org_space

NEW = "/beheer/werkruimtes/nieuw"


def _new(client, name: str):
    data = {"kind": "restricted", "name": name, "classification": "intern"}
    return client.post(NEW, data={"csrf_token": form_token(client, NEW), **data})


def _spaces_named(app, name: str) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).where(func.lower(Space.name) == name.lower()))


def test_a_second_space_with_a_known_name_is_refused_with_the_name_kept(app, personas):
    admin = login_as(app, app.test_client(), personas.platform_admin)
    assert _new(admin, "Werkgroep Nazorg").status_code == 302
    response = _new(admin, "werkgroep nazorg")
    assert response.status_code == 422
    page = html.unescape(response.get_data(as_text=True))
    assert 'id="name-error"' in page
    assert "Er is al een werkruimte met de naam ‘werkgroep nazorg’. Kies een andere naam." in page
    assert 'value="werkgroep nazorg"' in page
    assert _spaces_named(app, "Werkgroep Nazorg") == 1


def _id_of(app, name: str) -> int:
    with app.app_context():
        return db.session.scalar(select(Space.id).where(Space.name == name))


def _settings(client, space_id: int, name: str, description: str = ""):
    data = {"name": name, "description": description, "classification": "intern"}
    return post_form(client, f"/werkruimtes/{space_id}/instellingen", data)


def test_renaming_to_a_known_name_is_refused_and_keeping_its_own_name_is_not(app, personas):
    admin = login_as(app, app.test_client(), personas.platform_admin)
    _new(admin, "Werkgroep Nazorg")
    _new(admin, "Werkgroep Preventie")
    preventie = _id_of(app, "Werkgroep Preventie")
    refused = _settings(admin, preventie, "Werkgroep nazorg")
    assert refused.status_code == 422
    assert "Er is al een werkruimte met de naam" in html.unescape(refused.get_data(as_text=True))
    assert _settings(admin, preventie, "Werkgroep Preventie", "Nieuw doel").status_code == 302


def test_a_space_hidden_from_the_actor_is_not_revealed_by_the_name_check(app, personas):
    org_space(app, personas, "gemeente_b")  # "Gemeente Amsterdam", not seen by A's admin
    own = org_space(app, personas)
    admin = login_as(app, app.test_client(), personas.org_admin_a)
    assert _settings(admin, own, "Gemeente Amsterdam").status_code == 302
