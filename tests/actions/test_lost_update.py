"""The lost update of issue 16: two secretariat users open the same action item; A saves the
status "risico", B then saves a due date from the form loaded earlier. Before the fix B's save
put the status back to "op schema", and both saw "De gegevens zijn opgeslagen."."""

import re
import threading
import time
from datetime import date
from types import SimpleNamespace

import pytest
from sqlalchemy import select, update

from neig_workspace.accounts.models import User
from neig_workspace.actions import service
from neig_workspace.actions.models import ActionItem, ItemStatus
from neig_workspace.extensions import db
from neig_workspace.organisations.models import Membership, Organisation
from tests.actions.helpers import make_item, make_plan, plan_space
from tests.actions.helpers import user as user_of
from tests.browser_forms import edit_form, edit_form_of
from tests.conftest import db_ctx
from tests.helpers import csrf_token_of, login_as
from tests.security.route_table import db_snapshot


def _second_secretariat_user(personas) -> SimpleNamespace:
    other = User(email="secretariaat.twee@example.nl", name="Tweede", is_secretariat=True)
    db.session.add(other)
    organisation = db.session.get(Organisation, personas.orgs["secretariaat"])
    db.session.add(Membership(user=other, organisation=organisation))
    db.session.flush()
    return SimpleNamespace(id=other.id)


@pytest.fixture
def desk(app, personas):
    """An item "op schema" and two secretariat users, A and B, each with a client."""
    with app.app_context():
        plan = make_plan(plan_space(personas), actor=user_of(personas.secretariat))
        item = make_item(plan, personas, "P-01", status=ItemStatus.ON_TRACK)
        second = _second_secretariat_user(personas)
        db.session.commit()
        item_id = item.id
    a = login_as(app, app.test_client(), personas.secretariat)
    b = login_as(app, app.test_client(), second)
    return SimpleNamespace(a=a, b=b, item=item_id, url=f"/actiepunten/{item_id}/bewerken")


def _item(app, item_id) -> ActionItem:
    with db_ctx(app) as session:
        item = session.get(ActionItem, item_id)
        session.expunge(item)
        return item


def _conflict_rows(page: str) -> list[tuple[str, str, str]]:
    """(field, stored now, your input) per row of the conflict table."""
    table = page.split('class="utrecht-table conflict-table"', 1)[1].split("</table>", 1)[0]
    cells = r'<th[^>]*scope="row">(.*?)</th>\s*<td[^>]*>(.*?)</td>\s*<td[^>]*>(.*?)</td>'
    return [tuple(c.strip() for c in row) for row in re.findall(cells, table, re.S)]


def test_a_stale_save_of_another_field_keeps_both_changes_and_says_so(app, desk):
    form_a, form_b = edit_form(desk.a, desk.url), edit_form(desk.b, desk.url)

    assert desk.a.post(desk.url, data={**form_a, "status": "risico"}).status_code == 302
    response = desk.b.post(
        desk.url, data={**form_b, "due_date": "2025-12-01"}, follow_redirects=True
    )

    assert response.status_code == 200
    item = _item(app, desk.item)
    assert (item.status, item.due_date) == (ItemStatus.AT_RISK, date(2025, 12, 1))
    page = response.get_data(as_text=True)
    assert "De gegevens zijn opgeslagen." in page
    assert "Intussen had iemand anders ook iets gewijzigd: Status." in page


def test_a_stale_save_of_the_same_field_shows_both_values_keeps_the_input_and_saves_nothing(
    app, desk
):
    form_a, form_b = edit_form(desk.a, desk.url), edit_form(desk.b, desk.url)
    assert desk.a.post(desk.url, data={**form_a, "status": "risico"}).status_code == 302
    before = db_snapshot(app)

    typed = {**form_b, "status": "vertraagd", "title": "Andere titel"}
    response = desk.b.post(desk.url, data=typed)

    assert response.status_code == 409
    assert db_snapshot(app) == before
    page = response.get_data(as_text=True)
    assert "Iemand anders heeft dit intussen gewijzigd" in page
    assert _conflict_rows(page) == [("Status", "risico", "vertraagd")]
    again = edit_form_of(page)  # the input kept, at the version now stored
    assert (again["status"], again["title"]) == ("vertraagd", "Andere titel")
    assert again["version"] == str(_item(app, desk.item).version) != form_b["version"]

    assert desk.b.post(desk.url, data=again).status_code == 302
    item = _item(app, desk.item)
    assert (item.status, item.title) == (ItemStatus.DELAYED, "Andere titel")


def test_what_only_the_other_changed_is_taken_into_the_conflict_form(app, desk):
    """B saving the conflict page as it is must not undo A's change to a field B left alone."""
    form_a, form_b = edit_form(desk.a, desk.url), edit_form(desk.b, desk.url)
    changed = {"status": "risico", "title": "Titel van A"}
    assert desk.a.post(desk.url, data={**form_a, **changed}).status_code == 302

    response = desk.b.post(desk.url, data={**form_b, "status": "afgerond"})

    assert response.status_code == 409
    rows = _conflict_rows(response.get_data(as_text=True))
    assert ("Status", "risico", "afgerond") in rows
    assert [row[0] for row in rows if "niet door u gewijzigd" in row[2]] == ["Titel"]
    again = edit_form_of(response.get_data(as_text=True))
    assert (again["status"], again["title"]) == ("afgerond", "Titel van A")


def test_any_other_write_over_a_change_it_did_not_see_answers_409(app, desk, monkeypatch):
    """Outside the edit forms (here archiving), a write of an item changed after it was read is
    refused by its version: a Dutch 409, nothing saved, no 500. (A progress note is not such a
    write: it adds to the item as it is now, see test_two_progress_notes_at_once_both_land.)"""
    set_item_archived = service.set_item_archived

    def changed_meanwhile(item, archived, **kwargs):
        rows = ActionItem.__table__  # another save, between our read and our write
        db.session.execute(
            update(rows).where(rows.c.id == item.id).values(version=rows.c.version + 1)
        )
        return set_item_archived(item, archived, **kwargs)

    monkeypatch.setattr(service, "set_item_archived", changed_meanwhile)
    before = db_snapshot(app)
    data = {"csrf_token": csrf_token_of(app, desk.a)}
    response = desk.a.post(f"/actiepunten/{desk.item}/archiveren", data=data)

    assert response.status_code == 409
    assert "Iemand anders wijzigde dit tegelijk" in response.get_data(as_text=True)
    assert db_snapshot(app) == before
    assert _item(app, desk.item).archived_at is None


@pytest.mark.commits("two saves on two connections at the same moment")
def test_simultaneous_saves_never_lose_a_change_nor_fail(app, personas, monkeypatch):
    """Both saves run at once (each holds its transaction open a moment): one wins; the other
    merges on top of it (different fields) or gets the conflict page (the same field)."""
    with app.app_context():
        plan = make_plan(plan_space(personas), actor=user_of(personas.secretariat))
        item_id = make_item(plan, personas, "P-01", status=ItemStatus.ON_TRACK).id
        second = _second_secretariat_user(personas)
        db.session.commit()
    clients = [login_as(app, app.test_client(), who) for who in (personas.secretariat, second)]
    url = f"/actiepunten/{item_id}/bewerken"
    update_item = service.update_item

    def slow_update(*args, **kwargs):
        time.sleep(0.2)  # keeps the first save's transaction open while the second arrives
        return update_item(*args, **kwargs)

    monkeypatch.setattr(service, "update_item", slow_update)

    answers = _at_once(clients, url, [{"due_date": "2025-11-01"}, {"status": "risico"}])
    assert sorted(answers) == [302, 302]
    item = _item(app, item_id)
    assert (item.status, item.due_date) == (ItemStatus.AT_RISK, date(2025, 11, 1))

    answers = _at_once(clients, url, [{"status": "vertraagd"}, {"status": "afgerond"}])
    assert sorted(answers) == [302, 409]
    winner = ("vertraagd", "afgerond")[answers.index(302)]
    assert _item(app, item_id).status == ItemStatus(winner)


def _at_once(clients, url, changes) -> list[int]:
    """Each client loads the form, then all post their change at the same moment."""
    forms = [edit_form(client, url) for client in clients]
    start = threading.Barrier(len(clients))
    answers = [None] * len(clients)

    def post(n):
        start.wait()
        answers[n] = clients[n].post(url, data={**forms[n], **changes[n]}).status_code

    threads = [threading.Thread(target=post, args=(n,)) for n in range(len(clients))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return answers


@pytest.mark.commits("two progress notes on two connections at the same moment")
def test_two_progress_notes_at_once_both_land(app, personas, monkeypatch):
    """Found by bench/load.py: a progress note adds to the item (its last update), so two at
    once each wrote over a version the other had just changed, and the second got 409. Both
    are read before either writes; each must land, the second on top of the first."""
    from neig_workspace.actions.models import ProgressUpdate

    with app.app_context():
        plan = make_plan(plan_space(personas), actor=user_of(personas.secretariat))
        item_id = make_item(plan, personas, "P-01", status=ItemStatus.ON_TRACK).id
        second = _second_secretariat_user(personas)
        db.session.commit()
    clients = [login_as(app, app.test_client(), who) for who in (personas.secretariat, second)]
    reporting_organisation = service._reporting_organisation

    def slow(*args, **kwargs):
        time.sleep(0.3)  # both requests have read the item before either writes
        return reporting_organisation(*args, **kwargs)

    monkeypatch.setattr(service, "_reporting_organisation", slow)
    url = f"/actiepunten/{item_id}/voortgang"
    notes = [{"note": "Eerste melding"}, {"note": "Tweede melding", "status": "risico"}]
    start, answers = threading.Barrier(2), [None, None]

    def post(n):
        data = {"csrf_token": csrf_token_of(app, clients[n]), **notes[n]}
        start.wait()
        answers[n] = clients[n].post(url, data=data).status_code

    threads = [threading.Thread(target=post, args=(n,)) for n in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert answers == [302, 302]
    with db_ctx(app) as session:
        stored = session.scalars(
            select(ProgressUpdate.note).where(ProgressUpdate.item_id == item_id)
        )
        assert sorted(stored) == ["Eerste melding", "Tweede melding"]
    assert _item(app, item_id).status == ItemStatus.AT_RISK
