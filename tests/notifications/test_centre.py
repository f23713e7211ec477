"""The notification centre: only your own, visible ones; opening marks read; safe redirects;
the header count; and a page that does not grow with the number of notifications."""

import re

from sqlalchemy import select

from neig_workspace.access.roles import SpaceRole
from neig_workspace.extensions import db
from neig_workspace.notifications.models import Notification, NotificationKind
from neig_workspace.organisations.models import Organisation
from neig_workspace.spaces import service as spaces
from neig_workspace.spaces.models import PrincipalType, Space, SpaceGrant
from neig_workspace.timeutil import utcnow
from tests.conftest import count_queries
from tests.helpers import login_as, post_form
from tests.notifications.notif_helpers import document, notification_rows, send, shared_space


def _unread_badge(html: str) -> str | None:
    """What the header's badge on "Meldingen" says to a screen reader, if it is there."""
    link = re.search(r'<a class="site-header__notifications".*?</a>', html, re.S)
    assert link, "no Meldingen link in the header"
    badge = re.search(r'<span class="visually-hidden">([^<]*ongelezen[^<]*)</span>', link.group(0))
    return badge.group(1) if badge else None


def _page(client, path="/meldingen") -> str:
    response = client.get(path)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def _told(app, personas, recipient=None, **kwargs) -> tuple[int, int]:
    """A shared space of Rotterdam and the police, a document by member_a, and a notification
    for `recipient` (the police by default): (document id, notification id)."""
    space = shared_space(app, personas)
    doc = document(app, space, personas.member_a, **kwargs)
    nid = send(app, recipient or personas.police, doc, actor=personas.member_a)
    return doc, nid


def test_the_centre_lists_the_users_notifications_unread_in_text(app, personas):
    doc, nid = _told(app, personas, title="Plan van aanpak Zuid")
    client = login_as(app, app.test_client(), personas.police)
    html = _page(client)
    assert "Plan van aanpak Zuid" in html
    assert f"{personas.member_a.name} noemde u in een reactie" in html
    assert "Kunt u naar alinea 3 kijken?" in html
    assert "Ongelezen" in html and "notification--unread" in html
    assert _unread_badge(html) == "1 ongelezen melding"


def test_someone_else_sees_neither_the_notification_nor_its_count(app, personas):
    _doc, nid = _told(app, personas, title="Plan van aanpak Zuid")
    client = login_as(app, app.test_client(), personas.member_a)  # the actor, a reader too
    html = _page(client)
    assert "Plan van aanpak Zuid" not in html
    assert _unread_badge(html) is None


def test_another_users_notification_answers_404_and_stays_unread(app, personas):
    _doc, nid = _told(app, personas)
    for intruder in (personas.member_a, personas.member_b, personas.platform_admin):
        client = login_as(app, app.test_client(), intruder)
        response = post_form(client, f"/meldingen/{nid}/openen", {}, token_from="/meldingen")
        assert response.status_code == 404
    (row,) = notification_rows(app)
    assert row.read_at is None


def test_opening_marks_it_read_and_goes_to_the_subject(app, personas):
    doc, nid = _told(app, personas)
    client = login_as(app, app.test_client(), personas.police)
    response = post_form(client, f"/meldingen/{nid}/openen", {}, token_from="/meldingen")
    assert response.status_code == 302
    assert response.location == f"/documenten/{doc}#reactie-1"
    (row,) = notification_rows(app)
    assert row.read_at is not None
    html = _page(client)
    assert _unread_badge(html) is None
    assert "notification--unread" not in html


def test_opening_needs_a_csrf_token(app, personas):
    _doc, nid = _told(app, personas)
    client = login_as(app, app.test_client(), personas.police)
    assert client.post(f"/meldingen/{nid}/openen").status_code == 400
    assert notification_rows(app)[0].read_at is None


def test_opening_never_redirects_off_site(app, personas):
    _doc, nid = _told(app, personas)
    for bad in ("//evil.example/x", "https://evil.example/", "/\\evil.example"):
        with app.app_context():
            db.session.get(Notification, nid).url = bad  # as if stored by a faulty caller
            db.session.get(Notification, nid).read_at = None
            db.session.commit()
        client = login_as(app, app.test_client(), personas.police)
        response = post_form(client, f"/meldingen/{nid}/openen", {}, token_from="/meldingen")
        assert response.status_code == 302
        assert response.location == "/meldingen", bad


def test_notify_refuses_a_url_that_is_not_a_local_path(app, personas):
    import pytest

    from neig_workspace.accounts.models import User
    from neig_workspace.notifications import service

    space = shared_space(app, personas)
    doc = document(app, space, personas.member_a)
    with app.app_context():
        police = db.session.get(User, personas.police.id)
        for bad in ("https://evil.example/", "//evil.example", "documenten/1"):
            with pytest.raises(ValueError):
                service.notify(
                    police,
                    kind=NotificationKind.MENTION,
                    subject_type="document",
                    subject_id=doc,
                    url=bad,
                    title="x",
                )
        db.session.rollback()


def test_mark_all_read(app, personas):
    space = shared_space(app, personas)
    for title in ("Eén", "Twee", "Drie"):
        doc = document(app, space, personas.member_a, title=title)
        send(app, personas.police, doc, actor=personas.member_a)
    other = document(app, space, personas.police, title="Van de politie")
    send(app, personas.member_a, other, actor=personas.police)  # member_a's stays unread
    client = login_as(app, app.test_client(), personas.police)
    assert _unread_badge(_page(client)) == "3 ongelezen meldingen"
    response = post_form(client, "/meldingen/alles-gelezen", {}, token_from="/meldingen")
    assert response.status_code == 302
    assert _unread_badge(_page(client)) is None
    rows = notification_rows(app)
    assert [r.read_at is None for r in rows] == [False, False, False, True]


def test_unread_only_filter(app, personas):
    space = shared_space(app, personas)
    read_doc = document(app, space, personas.member_a, title="Al gelezen stuk")
    unread_doc = document(app, space, personas.member_a, title="Nieuw stuk")
    read_id = send(app, personas.police, read_doc, actor=personas.member_a)
    send(app, personas.police, unread_doc, actor=personas.member_a)
    client = login_as(app, app.test_client(), personas.police)
    post_form(client, f"/meldingen/{read_id}/openen", {}, token_from="/meldingen")
    html = _page(client, "/meldingen?ongelezen=1")
    assert "Nieuw stuk" in html and "Al gelezen stuk" not in html
    html = _page(client, "/meldingen")
    assert "Nieuw stuk" in html and "Al gelezen stuk" in html


def test_the_centre_filters_only_the_subject_types_the_user_has(app, personas):
    """Only documents here: the list and its count carry no other type's filter (PostgreSQL
    planned them all on every visit), and read and unread notifications are listed alike."""
    _doc, read_id = _told(app, personas, title="Al gelezen stuk")
    client = login_as(app, app.test_client(), personas.police)
    post_form(client, f"/meldingen/{read_id}/openen", {}, token_from="/meldingen")
    _told(app, personas, title="Nieuw stuk")
    for path in ("/meldingen", "/meldingen?ongelezen=1"):
        with count_queries(app) as statements:
            html = _page(client, path)
        assert "Nieuw stuk" in html
        assert ("Al gelezen stuk" in html) == (path == "/meldingen")
        listing = [s for s in statements if "FROM notifications" in s and "subject_type =" in s]
        assert listing, path
        assert not any("action_items" in s or "comment_rounds" in s for s in listing), path


def _police_grant(app, personas, space_id: int, *, give: bool) -> None:
    with app.app_context():
        police = db.session.get(Organisation, personas.orgs["politie"])
        space = db.session.get(Space, space_id)
        if give:
            spaces.add_grant(
                space,
                PrincipalType.ORGANISATION,
                SpaceRole.CONTRIBUTOR,
                organisation=police,
                actor=None,
            )
        else:
            grant = db.session.scalar(
                select(SpaceGrant).where(
                    SpaceGrant.space_id == space_id,
                    SpaceGrant.principal_type == PrincipalType.ORGANISATION,
                    SpaceGrant.organisation_id == police.id,
                )
            )
            spaces.remove_grant(grant, actor=None)
        db.session.commit()


def test_a_lost_grant_hides_the_notification_and_the_count_drops(app, personas):
    space = shared_space(app, personas)
    other_space = shared_space(app, personas)
    lost = document(app, space, personas.member_a, title="Plan van aanpak Zuid")
    kept = document(app, other_space, personas.member_a, title="Ander stuk")
    nid = send(app, personas.police, lost, actor=personas.member_a, excerpt="Geheim detail")
    send(app, personas.police, kept, actor=personas.member_a)
    client = login_as(app, app.test_client(), personas.police)
    assert _unread_badge(_page(client)) == "2 ongelezen meldingen"

    _police_grant(app, personas, space, give=False)

    html = _page(client)
    assert "Plan van aanpak Zuid" not in html and "Geheim detail" not in html
    assert "Ander stuk" in html
    assert _unread_badge(html) == "1 ongelezen melding"
    response = post_form(client, f"/meldingen/{nid}/openen", {}, token_from="/meldingen")
    assert response.status_code == 404
    # Given back, it shows again: nothing was deleted, only hidden.
    _police_grant(app, personas, space, give=True)
    assert _unread_badge(_page(client)) == "2 ongelezen meldingen"


def test_narrowing_a_document_away_hides_its_notification(app, personas):
    from neig_workspace.accounts.models import User
    from neig_workspace.documents import service as documents
    from neig_workspace.documents.models import Document

    doc, _nid = _told(app, personas, title="Plan van aanpak Zuid")
    client = login_as(app, app.test_client(), personas.police)
    assert "Plan van aanpak Zuid" in _page(client)
    with app.app_context():
        row = db.session.get(Document, doc)
        documents.update_metadata(
            row,
            title=row.title,
            description=row.description,
            tags="",
            classification=row.classification,
            narrowing=[personas.orgs["gemeente_a"]],
            actor=db.session.get(User, personas.member_a.id),
        )
        db.session.commit()
    html = _page(client)
    assert "Plan van aanpak Zuid" not in html
    assert _unread_badge(html) is None


def test_the_centre_runs_as_many_queries_for_500_notifications_as_for_5(app, personas):
    space = shared_space(app, personas)
    doc = document(app, space, personas.member_a)

    def make(n: int) -> None:
        with app.app_context():
            db.session.execute(
                Notification.__table__.insert(),
                [
                    {
                        "user_id": personas.police.id,
                        "kind": NotificationKind.MENTION.value,
                        "subject_type": "document",
                        "subject_id": doc,
                        "url": f"/documenten/{doc}",
                        "title": f"Melding {i}",
                        "excerpt": "",
                        "actor_id": personas.member_a.id if i % 2 else personas.om.id,
                        "confidential": False,
                        "email_state": "sent",
                        "created_at": utcnow(),
                    }
                    for i in range(n)
                ],
            )
            db.session.commit()

    client = login_as(app, app.test_client(), personas.police)
    make(5)
    client.get("/meldingen")  # warm up (session record, caches)
    with count_queries(app) as few:
        assert client.get("/meldingen").status_code == 200
    make(495)
    with count_queries(app) as many:
        html = client.get("/meldingen").get_data(as_text=True)
    assert _unread_badge(html) == "500 ongelezen meldingen"
    assert len(many) == len(few), "\n".join(many)
