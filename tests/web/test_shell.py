"""The shell's kept parts (web/shell.py): the main menu and the header's tools are rendered once
per process for each set of values they read and kept. Whatever changes one of those values,
in this request or past the app, shows on the next page; the values filled in per request (the
CSRF token, the page's own path) are this request's."""

import re

from sqlalchemy import update

from neig_workspace.accounts.models import User
from neig_workspace.extensions import db
from neig_workspace.organisations.models import Membership, Organisation
from neig_workspace.web.shell import CSRF_SLOT, NEXT_SLOT
from tests.helpers import login_as


def _page(client, path: str = "/hulp") -> str:
    response = client.get(path)
    assert response.status_code == 200, path
    return response.get_data(as_text=True)


def _menu(html: str) -> str:
    found = re.search(r'<nav class="site-nav".*?</nav>', html, re.S)
    assert found, "no main menu"
    return found.group(0)


def _current(html: str) -> list[str]:
    """The labels of the shell's links marked as the page (menu and user menu)."""
    shell = html.split('<main id="main"', 1)[0]
    return re.findall(r'aria-current="page">([^<]+)</a>', shell)


def _write(app, statement) -> None:
    """As another process would: no app code runs, no request of this client."""
    with app.app_context():
        db.session.execute(statement)
        db.session.commit()


def test_the_menu_marks_the_page_it_is_on(app, personas):
    client = login_as(app, app.test_client(), personas.member_a)
    assert _current(_page(client, "/werkruimtes")) == ["Werkruimtes"]
    assert _current(_page(client, "/actieplannen")) == ["Actieplannen"]
    assert _current(_page(client, "/werkruimtes")) == ["Werkruimtes"]  # the kept copy
    assert _current(_page(client, "/account")) == ["Mijn account"]
    assert _current(_page(client, "/account/sessies")) == ["Sessies"]


def test_an_admin_role_given_past_the_app_shows_the_organisation_in_beheer(app, personas):
    client = login_as(app, app.test_client(), personas.member_a)
    assert "Beheer" not in _menu(_page(client))
    assert "Beheer" not in _menu(_page(client))  # kept
    _write(
        app,
        update(Membership)
        .where(Membership.user_id == personas.member_a.id)
        .values(role="org_admin"),
    )
    menu = _menu(_page(client))
    assert "Beheer" in menu and "Gemeente Rotterdam" in menu and "Toegangscontroles" in menu


def test_a_renamed_organisation_reads_with_its_new_name(app, personas):
    client = login_as(app, app.test_client(), personas.org_admin_a)
    assert "Gemeente Rotterdam" in _menu(_page(client))
    organisation = personas.orgs["gemeente_a"]
    _write(app, update(Organisation).where(Organisation.id == organisation).values(name="Rdam"))
    menu = _menu(_page(client))
    assert "Rdam" in menu and "Gemeente Rotterdam" not in menu
    current = _current(_page(client, f"/organisaties/{organisation}"))
    assert current == ["Rdam"]


def test_a_platform_admin_and_a_member_get_their_own_menus(app, personas):
    admin = login_as(app, app.test_client(), personas.platform_admin)
    member = login_as(app, app.test_client(), personas.member_a)
    for _ in range(2):
        assert "Auditlog" in _menu(_page(admin))
        assert "Auditlog" not in _menu(_page(member))


def test_the_header_follows_the_language_the_name_and_the_unread_count(app, personas):
    client = login_as(app, app.test_client(), personas.member_a)
    html = _page(client)
    assert "Uitloggen" in html and "Ingelogd als" in html
    _write(app, update(User).where(User.id == personas.member_a.id).values(locale="en"))
    html = _page(client)
    assert "Log out" in html and "Uitloggen" not in html
    assert "Overview" in _menu(html)
    _write(app, update(User).where(User.id == personas.member_a.id).values(name="Anne Nieuw"))
    assert "Anne Nieuw" in _page(client)


def test_the_header_forms_carry_this_requests_token_and_path(app, personas):
    client = login_as(app, app.test_client(), personas.member_a)
    for path in ("/hulp", "/hulp/documenten", '/hulp?a=<b>&c="'):
        html = _page(client, path)
        full_path = path if "?" in path else path + "?"  # as request.full_path reads
        escaped = full_path.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        nexts = re.findall(r'name="next" value="([^"]*)"', html)
        assert nexts == [escaped.replace('"', "&#34;")]
        assert CSRF_SLOT not in html and NEXT_SLOT not in html
    token = re.search(r'action="/uitloggen".*?name="csrf_token" value="([^"]+)"', html, re.S)
    assert client.post("/uitloggen", data={"csrf_token": token.group(1)}).status_code == 302
    assert client.get("/hulp").status_code == 302  # logged out: the header's token was valid


def test_a_name_with_a_slot_character_is_rendered_as_it_is(app, personas):
    name = f"Anne {CSRF_SLOT}{NEXT_SLOT} de Vries"
    _write(app, update(User).where(User.id == personas.member_a.id).values(name=name))
    client = login_as(app, app.test_client(), personas.member_a)
    html = _page(client)
    assert f"Ingelogd als {name}" in html
    assert re.findall(r'name="next" value="([^"]*)"', html) == ["/hulp?"]


def test_the_kept_copies_are_bounded(app, personas):
    client = login_as(app, app.test_client(), personas.member_a)
    _page(client)
    fragments = app.extensions["neig_shell_fragments"]
    assert 0 < len(fragments.entries) <= fragments.limit


def test_the_least_recently_used_fragment_goes_first():
    from neig_workspace.web.shell import Fragments

    fragments = Fragments(limit=2)
    fragments.get("a", lambda: "A")
    fragments.get("b", lambda: "B")
    assert fragments.get("a", lambda: "not asked") == "A"  # a is now the most recent
    fragments.get("c", lambda: "C")
    assert list(fragments.entries) == ["a", "c"]
