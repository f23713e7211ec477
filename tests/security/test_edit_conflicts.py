"""Every edit form is locked optimistically (neig_workspace/editing.py). Per edit route, on A's
objects of the route matrix (planted once for the module), with the forms a browser would send:

- a form loaded fresh saves (302);
- a form loaded before that save, changing the same field, answers 409 with the stored value
  next to the typed one, and changes nothing;
- the conflict page's form, saved as it is, goes through on top of the current version;
- where the row names another field: a form loaded before both saves, changing only that field,
  merges (302) and keeps both changes.
"""

from dataclasses import dataclass, field, replace

import pytest

from tests.browser_forms import edit_form, edit_form_of
from tests.helpers import login_as

from .route_table import build_context, db_snapshot


@dataclass(frozen=True)
class EditRoute:
    url: str  # filled from the matrix context, as in route_table.py
    editor: str  # persona key of one who may edit
    field: str  # the field both change
    values: tuple[str, str]  # what the first and the stale second save put in it
    merge: tuple[str, str] | None = None  # (another field, a value) for the merging save
    extra: dict = field(default_factory=dict)  # more form data every save sends ({c.…} filled)

    def extra_for(self, c) -> dict:
        return {name: value.format(c=c) for name, value in self.extra.items()}


ADMIN_ORG = "/beheer/organisaties/{c.org_a}"
PRIVACY = {
    "legal_basis_id": "{c.legal_basis}",
    "data_categories": "Namen en functies.",
    "retention": "2 jaar.",
    "contact": "privacy@rotterdam.example",
}
SSO = {"client_id": "neig", "client_secret": "een-geheim-van-24-tekens!", "domains": "a.example"}

# fmt: off
ROUTES = {
    "organisations.edit": EditRoute(ADMIN_ORG + "/bewerken", "platform_admin", "name", ("Gemeente R", "Gemeente Rdam"), ("cbs_code", "GM0503")),
    "sso.settings": EditRoute(ADMIN_ORG + "/sso", "platform_admin", "issuer", ("https://a.example", "https://b.example"), extra=SSO),
    "spaces.edit": EditRoute("/werkruimtes/{c.space}/instellingen", "org_admin_a", "name", ("Werkruimte R", "Werkruimte Rdam"), ("description", "Voor iedereen.")),
    "documents.edit": EditRoute("/documenten/{c.document}/bewerken", "org_admin_a", "title", ("Verslag A", "Verslag B"), ("tags", "nazorg")),
    "documents.edit_text": EditRoute("/documenten/{c.draft}/tekst", "org_admin_a", "text", ("Tekst van A.", "Tekst van B.")),
    "actions.edit_plan": EditRoute("/actieplannen/{c.plan}/instellingen", "secretariat", "name", ("Plan A", "Plan B"), ("description", "Het plan.")),
    "actions.edit_item": EditRoute("/actiepunten/{c.item}/bewerken", "secretariat", "title", ("Titel A", "Titel B"), ("due_date", "2025-10-01")),
    "cases.edit": EditRoute("/casussen/{c.case}/bewerken", "org_admin_a", "damage", ("Ruiten.", "Deur."), ("neighbourhood", "Centrum"), {"purpose": "Aanpak."}),
    "cases.edit_measure": EditRoute("/casussen/{c.case}/maatregelen/{c.case_measure}/bewerken", "org_admin_a", "description", ("Drie maanden.", "Zes maanden."), ("end_date", "2025-12-31")),
    "cases.edit_task": EditRoute("/casussen/{c.case}/nazorg/{c.case_task}/bewerken", "org_admin_a", "description", ("Brief A.", "Brief B."), ("due_date", "2025-05-01")),
    "cases.edit_legal_basis": EditRoute("/beheer/grondslagen/{c.legal_basis}/bewerken", "platform_admin", "description", ("Doel A.", "Doel B."), ("name", "AVG art. 6 (e)")),
    "meetings.edit": EditRoute("/bijeenkomsten/{c.meeting}/bewerken", "org_admin_a", "title", ("Overleg A", "Overleg B"), ("location", "Stadhuis")),
    "privacy.edit": EditRoute("/werkruimtes/{c.space}/privacy/bewerken", "org_admin_a", "purpose", ("Samenwerking A.", "Samenwerking B."), extra=PRIVACY),
    "knowledge.edit": EditRoute("/kennisbank/{c.article}/bewerken", "member_a", "title", ("Kader A", "Kader B"), ("summary", "Kort gezegd.")),
}
# fmt: on


@pytest.fixture(scope="module")
def world(app, test_db, module_personas):
    """A's objects of the route matrix, planted once for the module."""
    with test_db.rolled_back():
        yield build_context(app, module_personas)


#: Edit routes without a version, and why.
NOT_LOCKED = {
    "comments.edit": "only its author edits a comment, and each edit keeps the earlier text",
    "notifications.settings": "one's own preference, which nobody else edits",
}
EDIT_PATHS = ("/bewerken", "/instellingen", "/tekst", "/sso")


def test_every_edit_route_is_a_row(app):
    """A new edit route (a form that changes a row) needs a row here, or a reason above."""
    edit_routes = {
        rule.endpoint
        for rule in app.url_map.iter_rules()
        if "POST" in rule.methods and rule.rule.endswith(EDIT_PATHS)
    }
    assert edit_routes - set(NOT_LOCKED) == set(ROUTES)


@pytest.mark.parametrize("endpoint", sorted(ROUTES))
def test_a_stale_save_is_a_conflict_that_changes_nothing(app, world, endpoint):
    route = ROUTES[endpoint]
    url = route.url.format(c=world)
    first, second, third = (_client(app, world, route.editor) for _ in range(3))
    loaded = {client: edit_form(client, url) for client in (first, second, third)}
    a, b = route.values
    route = replace(route, extra=route.extra_for(world))

    assert _save(first, url, loaded[first], route, {route.field: a}).status_code == 302

    before = db_snapshot(app)
    response = _save(second, url, loaded[second], route, {route.field: b})
    assert response.status_code == 409, endpoint
    assert db_snapshot(app) == before, f"{endpoint}: a conflict changed the database"
    page = response.get_data(as_text=True)
    assert f">{a}</td>" in page and f">{b}</td>" in page, f"{endpoint}: both values shown"
    kept = edit_form_of(page)
    assert _text(kept[route.field]) == b, f"{endpoint}: the input is kept"

    assert _save(second, url, kept, route, {}).status_code == 302, endpoint
    assert _text(edit_form(second, url)[route.field]) == b, f"{endpoint}: saved on top"

    if route.merge:
        name, value = route.merge
        response = _save(third, url, loaded[third], route, {name: value})
        assert response.status_code == 302, f"{endpoint}: disjoint changes merge"
        now = edit_form(third, url)
        assert (_text(now[route.field]), now[name]) == (b, value), endpoint


def _client(app, world, persona_key):
    return login_as(app, app.test_client(), world.personas[persona_key])


def _save(client, url, form, route, change):
    return client.post(url, data={**form, **route.extra, **change})


def _text(value: str) -> str:
    return value.replace("\r\n", "\n").strip()
