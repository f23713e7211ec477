"""Useful marks, the view count, attachments and comments on articles."""

import io
from datetime import date

from sqlalchemy import func, select

from neig_workspace.accounts.models import User
from neig_workspace.comments.models import Comment
from neig_workspace.documents.models import Document
from neig_workspace.extensions import db
from neig_workspace.knowledge import service
from neig_workspace.knowledge.models import Article, ArticleAttachment
from neig_workspace.notifications.models import Notification
from tests.documents.doc_helpers import pdf
from tests.helpers import form_token


def _show(world):
    return f"/kennisbank/{world.article_id}"


def _article(app, world) -> Article:
    with app.app_context():
        article = db.session.get(Article, world.article_id)
        db.session.expunge(article)
        return article


def _post(client, world, path, data=None, **kwargs):
    token = form_token(client, _show(world))
    return client.post(_show(world) + path, data={"csrf_token": token, **(data or {})}, **kwargs)


def test_useful_is_one_mark_per_user_and_toggles(app, world, client_for):
    police, secretariat = client_for("police"), client_for("secretariat")
    assert _post(police, world, "/nuttig").status_code == 302
    assert _post(secretariat, world, "/nuttig").status_code == 302
    assert _article(app, world).useful_count == 2
    page = police.get(_show(world)).get_data(as_text=True)
    assert "Niet meer als nuttig markeren" in page
    assert _post(police, world, "/nuttig").status_code == 302
    assert _article(app, world).useful_count == 1
    assert "Niet meer als nuttig markeren" not in police.get(_show(world)).get_data(as_text=True)


def test_an_outsider_cannot_mark_useful(app, world, client_for):
    outsider = client_for("member_b")
    token = form_token(outsider, "/kennisbank/")
    response = outsider.post(_show(world) + "/nuttig", data={"csrf_token": token})
    assert response.status_code == 404
    assert _article(app, world).useful_count == 0


def test_a_view_counts_once_per_reader_per_day(app, world, client_for, personas):
    police = client_for("police")
    police.get(_show(world))
    police.get(_show(world))
    client_for("member_a").get(_show(world))
    assert _article(app, world).view_count == 2
    with app.app_context():
        article = db.session.get(Article, world.article_id)
        user = db.session.get(User, personas["police"].id)
        service.record_view(article, user, today=date(2099, 1, 2))  # another day counts again
        db.session.commit()
    assert _article(app, world).view_count == 3


def test_outsiders_do_not_count_as_views(app, world, client_for):
    assert client_for("member_b").get(_show(world)).status_code == 404
    assert _article(app, world).view_count == 0


def test_upload_an_attachment_into_the_knowledge_space(app, world, client_for):
    writer = client_for("member_a")
    response = _post(
        writer,
        world,
        "/bijlagen",
        {"files": (io.BytesIO(pdf("bijlage")), "draaiboek.pdf"), "title": "Draaiboek"},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    with app.app_context():
        document = db.session.scalar(select(Document).where(Document.title == "Draaiboek"))
        assert document.space_id == world.space_id
    assert "Draaiboek" in client_for("police").get(_show(world)).get_data(as_text=True)


def test_a_refused_upload_leaves_nothing_behind(app, world, client_for):
    writer = client_for("member_a")
    response = _post(
        writer,
        world,
        "/bijlagen",
        {"files": (io.BytesIO(b"<script>alert(1)</script>"), "kwaad.html")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 422
    with app.app_context():
        assert db.session.scalar(select(func.count(Document.id))) == 0
        assert db.session.scalar(select(func.count()).select_from(ArticleAttachment)) == 0


def test_only_writers_attach(world, client_for):
    police = client_for("police")
    response = _post(
        police,
        world,
        "/bijlagen",
        {"files": (io.BytesIO(pdf("x")), "x.pdf")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 403


def test_link_and_unlink_a_document_of_the_space(app, world, client_for, personas):
    writer = client_for("member_a")
    _post(
        writer,
        world,
        "/bijlagen",
        {"files": (io.BytesIO(pdf("a")), "a.pdf"), "title": "Eerste"},
        content_type="multipart/form-data",
    )
    with app.app_context():
        document_id = db.session.scalar(select(Document.id).where(Document.title == "Eerste"))
    assert _post(writer, world, f"/bijlagen/{document_id}/ontkoppelen").status_code == 302
    assert (
        "Eerste" not in writer.get(_show(world)).get_data(as_text=True).split("Bijlagen")[1][:300]
    )
    assert _post(writer, world, "/bijlagen/koppelen", {"document": document_id}).status_code == 302
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(ArticleAttachment)) == 1
    # A document from outside the article's space is refused next to the field.
    response = _post(writer, world, "/bijlagen/koppelen", {"document": 999999})
    assert response.status_code == 422
    assert "Kies een document uit deze kennisbank." in response.get_data(as_text=True)


def test_comments_on_an_article_reach_its_readers_only(app, world, client_for, personas):
    police = client_for("police")
    response = _post(
        police, world, "/reacties", {"body": "Goed stuk, @" + personas["member_a"].email}
    )
    assert response.status_code == 302
    assert f"/kennisbank/{world.article_id}#reactie-" in response.location
    page = client_for("member_a").get(_show(world)).get_data(as_text=True)
    assert "Goed stuk" in page
    with app.app_context():
        comment = db.session.scalar(select(Comment))
        assert comment.article_id == world.article_id and comment.document_id is None
        notified = db.session.scalars(select(Notification.user_id)).all()
        assert notified == [personas["member_a"].id]
    # An outsider sees neither the thread nor the comment.
    outsider = client_for("member_b")
    assert outsider.get(_show(world)).status_code == 404
    assert outsider.get(f"/reacties/{comment.id}/bewerken").status_code == 404


def test_replies_and_edits_go_through_the_comment_routes(app, world, client_for):
    police = client_for("police")
    _post(police, world, "/reacties", {"body": "Eerste reactie"})
    with app.app_context():
        comment_id = db.session.scalar(select(Comment.id))
    token = form_token(police, _show(world))
    response = police.post(
        f"/reacties/{comment_id}/antwoorden",
        data={"csrf_token": token, f"antwoord-{comment_id}-body": "Een antwoord"},
    )
    assert response.status_code == 302
    assert "Een antwoord" in police.get(_show(world)).get_data(as_text=True)
    # Another reader may not edit the police's comment.
    writer = client_for("member_a")
    assert writer.get(f"/reacties/{comment_id}/bewerken").status_code == 403


def test_an_empty_comment_is_refused_on_the_article_page(world, client_for):
    response = _post(client_for("police"), world, "/reacties", {"body": "  "})
    assert response.status_code == 422
    assert "Handelingskader explosies" in response.get_data(as_text=True)


def test_no_comments_on_an_archived_article(app, world, client_for):
    writer = client_for("member_a")
    _post(writer, world, "/archiveren")
    assert _post(writer, world, "/reacties", {"body": "Nog iets"}).status_code == 403


def test_an_empty_reply_is_refused_on_the_article_page(app, world, client_for):
    police = client_for("police")
    _post(police, world, "/reacties", {"body": "Eerste reactie"})
    with app.app_context():
        comment_id = db.session.scalar(select(Comment.id))
    token = form_token(police, _show(world))
    response = police.post(
        f"/reacties/{comment_id}/antwoorden",
        data={"csrf_token": token, f"antwoord-{comment_id}-body": " "},
    )
    assert response.status_code == 422
    assert "Handelingskader explosies" in response.get_data(as_text=True)
