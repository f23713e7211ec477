"""Comments on action items: the same threads as on drafts, visible exactly when the item is
(narrowing included), without answers and decisions (those belong to comment rounds)."""

from sqlalchemy import select

from neig_workspace.comments.models import Comment
from neig_workspace.extensions import db
from neig_workspace.notifications.models import NotificationKind
from tests.actions.helpers import world
from tests.comments.comment_helpers import actions_logged, notifications_of, post
from tests.helpers import login_as


def _comment(client, item_id, body):
    page = f"/actiepunten/{item_id}"
    return post(client, f"{page}/reacties", {"body": body}, token_from=page)


def _comments(app, item_id) -> list[Comment]:
    with app.app_context():
        rows = db.session.scalars(
            select(Comment).where(Comment.action_item_id == item_id).order_by(Comment.id)
        ).all()
        db.session.expunge_all()
        return rows


def test_a_partner_comments_on_an_item_and_the_lead_hears_of_a_reply(app, client, personas):
    w = world(app, personas)
    item_id = w.items["P-01"]
    login_as(app, client, personas.police)  # a contributing organisation
    response = _comment(client, item_id, f"Wij leveren de cijfers. @{personas.member_a.email}")
    assert response.status_code == 302
    [thread] = _comments(app, item_id)
    assert response.location.endswith(f"/actiepunten/{item_id}#reactie-{thread.id}")
    assert thread.document_id is None and thread.version_number is None
    assert [n.kind for n in notifications_of(app, personas.member_a)] == [NotificationKind.MENTION]
    login_as(app, client, personas.member_a)
    page = client.get(f"/actiepunten/{item_id}").get_data(as_text=True)
    assert "Wij leveren de cijfers." in page and "Nieuwe reactie" in page
    path = f"/actiepunten/{item_id}"
    reply = post(
        client,
        f"/reacties/{thread.id}/antwoorden",
        {f"antwoord-{thread.id}-body": "Dank!"},
        token_from=path,
    )
    assert reply.status_code == 302
    assert NotificationKind.REPLY in [n.kind for n in notifications_of(app, personas.police)]
    assert actions_logged(app, "comment.created") == ["comment.created", "comment.created"]


def test_an_empty_comment_on_an_item_is_refused_on_the_item_page(app, client, personas):
    w = world(app, personas)
    login_as(app, client, personas.police)
    response = _comment(client, w.items["P-01"], "  ")
    assert response.status_code == 422
    assert "Schrijf een reactie." in response.get_data(as_text=True)
    assert _comments(app, w.items["P-01"]) == []


def test_comments_on_a_narrowed_item_stay_with_the_item(app, client, personas):
    w = world(app, personas)
    secret = w.items["N-01"]
    login_as(app, client, personas.police)
    assert (
        _comment(client, secret, f"Alleen voor ons. @{personas.member_a.email}").status_code == 302
    )
    [thread] = _comments(app, secret)
    assert notifications_of(app, personas.member_a) == []  # narrowed out: no notification
    login_as(app, client, personas.member_a)
    assert client.get(f"/actiepunten/{secret}").status_code == 404
    assert client.get(f"/reacties/{thread.id}/bewerken").status_code == 404
    assert _comment(client, secret, "Mag ik?").status_code == 404
    assert client.get(f"/actiepunten/{secret}/vermeldingen?q=po").status_code == 404
    activity = client.get(f"/werkruimtes/{w.space}/activiteit").get_data(as_text=True)
    assert "heeft gereageerd op" not in activity and "N-01" not in activity
    login_as(app, client, personas.police)
    activity = client.get(f"/werkruimtes/{w.space}/activiteit").get_data(as_text=True)
    assert "heeft gereageerd op actiepunt ‘N-01" in activity  # the police see their own


def test_no_answers_and_decisions_on_items_but_the_plan_manager_resolves(app, client, personas):
    w = world(app, personas)
    item_id = w.items["P-01"]
    login_as(app, client, personas.police)
    _comment(client, item_id, "Vraag over de planning")
    [thread] = _comments(app, item_id)
    login_as(app, client, personas.secretariat)
    assert client.get(f"/reacties/{thread.id}/beantwoorden").status_code == 403
    page = f"/actiepunten/{item_id}"
    assert post(client, f"/reacties/{thread.id}/afhandelen", {}, token_from=page).status_code == 302
    assert _comments(app, item_id)[0].resolved_at is not None
    login_as(
        app, client, personas.member_b
    )  # another municipality reads the plan, not the thread's author
    assert post(client, f"/reacties/{thread.id}/heropenen", {}, token_from=page).status_code == 403
