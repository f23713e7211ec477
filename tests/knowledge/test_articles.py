"""Articles through HTTP: who reads and writes, forms, rich text, archive."""

import re

import pytest

from neig_workspace.audit.models import AuditEvent
from neig_workspace.extensions import db
from neig_workspace.knowledge.models import Article, ArticleKind, Theme
from tests.helpers import form_token, hidden_fields


def _show(world):
    return f"/kennisbank/{world.article_id}"


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("member_a", 200),
        ("police", 200),
        ("secretariat", 200),
        ("member_b", 404),
        ("platform_admin", 404),  # a platform admin reads content only through a grant
    ],
)
def test_who_reads_an_article(world, client_for, persona, status):
    assert client_for(persona).get(_show(world)).status_code == status


def test_anonymous_visitor_is_sent_to_login(world, client):
    response = client.get(_show(world))
    assert response.status_code == 302
    assert "/inloggen" in response.location


@pytest.mark.parametrize(
    ("persona", "status"),
    [("member_a", 200), ("secretariat", 200), ("police", 403), ("member_b", 404)],
)
def test_who_edits(world, client_for, persona, status):
    # A's members write it; the managing secretariat edits all; the reading police may not.
    assert client_for(persona).get(_show(world) + "/bewerken").status_code == status


def test_the_new_article_form_is_for_writers_only(world, client_for):
    assert client_for("member_a").get("/kennisbank/nieuw").status_code == 200
    assert client_for("police").get("/kennisbank/nieuw").status_code == 403
    assert client_for("member_b").get("/kennisbank/nieuw").status_code == 403


def _article_form(client, **changes):
    data = {
        "csrf_token": form_token(client, "/kennisbank/nieuw"),
        "title": "Nazorg voor buurtbewoners",
        "summary": "Wat werkt na een explosie in de straat.",
        "body": "Ga **binnen een dag** langs.",
        "kind": "best_practice",
        "themes": ["nazorg", "communicatie"],
        "audiences": ["municipality", "housing"],
    }
    data.update(changes)
    return data


def test_a_writer_publishes_an_article(app, world, client_for, personas):
    client = client_for("member_a")
    form = _article_form(client)
    html = client.get("/kennisbank/nieuw").get_data(as_text=True)
    form["space"] = str(world.space_id)
    form["organisation"] = str(personas["member_a"].org_id)
    assert "Namens organisatie" in html
    response = client.post("/kennisbank/nieuw", data=form)
    assert response.status_code == 302
    with app.app_context():
        article = db.session.scalar(
            db.select(Article).where(Article.title == "Nazorg voor buurtbewoners")
        )
        assert article.kind == ArticleKind.BEST_PRACTICE
        assert article.themes == [Theme.AFTERCARE, Theme.COMMUNICATION]
        assert article.organisation_id == personas["member_a"].org_id
        assert db.session.scalar(
            db.select(AuditEvent).where(
                AuditEvent.action == "article.created", AuditEvent.target_id == str(article.id)
            )
        )
    page = client.get(response.location).get_data(as_text=True)
    assert "<strong>binnen een dag</strong>" in page


def test_bad_input_is_refused_next_to_the_fields_and_kept(app, world, client_for, personas):
    client = client_for("member_a")
    form = _article_form(client, title="", themes=[], body="Mijn getypte tekst")
    form["space"] = str(world.space_id)
    form["organisation"] = str(personas["member_a"].org_id)
    response = client.post("/kennisbank/nieuw", data=form)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Vul een titel in." in html
    assert "Kies minstens één thema." in html
    assert "Mijn getypte tekst" in html
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(Article.id))) == 1


def test_writing_into_a_space_one_may_not_write_in_is_refused(app, world, client_for, personas):
    # The police reads the knowledge space but has no knowledge space to write in at all; A
    # naming another organisation than its own is refused next to the field.
    client = client_for("member_a")
    form = _article_form(client)
    form["space"] = str(world.space_id)
    form["organisation"] = str(personas.orgs["politie"])
    response = client.post("/kennisbank/nieuw", data=form)
    assert response.status_code == 422
    assert "Kies een organisatie waarvan u lid bent." in response.get_data(as_text=True)


def test_edit_keeps_the_facts_and_updates(app, world, client_for):
    client = client_for("member_a")
    page = client.get(_show(world) + "/bewerken").get_data(as_text=True)
    assert "Handelingskader explosies" in page
    data = {
        **hidden_fields(client, _show(world) + "/bewerken"),
        "title": "Handelingskader explosies 2.0",
        "summary": "Bijgewerkt.",
        "body": "Nieuwe tekst.",
        "kind": "handelingskader",
        "themes": ["aanpak"],
    }
    assert client.post(_show(world) + "/bewerken", data=data).status_code == 302
    with app.app_context():
        article = db.session.get(Article, world.article_id)
        assert article.title == "Handelingskader explosies 2.0"
        assert article.themes == [Theme.APPROACH]
        assert article.audiences == []


@pytest.mark.parametrize(
    "payload",
    [
        "<script>alert(1)</script>",
        '<img src=x onerror="alert(1)">',
        "[klik](javascript:alert(1))",
    ],
)
def test_the_body_goes_through_the_one_sanitiser(app, world, client_for, personas, payload):
    with app.app_context():
        article = db.session.get(Article, world.article_id)
        article.body = f"Tekst {payload} einde"
        db.session.commit()
    html = client_for("police").get(_show(world)).get_data(as_text=True)
    body = html.split('class="rich-text"', 1)[1].split("</div>", 1)[0]
    # Whatever is left is text, never a tag, an event handler or a javascript: link.
    assert "<script" not in body
    assert not re.search(r"<[^>]*\son\w+=", body)
    assert "javascript:" not in "".join(re.findall(r'href="([^"]*)"', body))
    assert "Tekst" in body and "einde" in body


def test_archive_hides_the_article_and_its_author_brings_it_back(app, world, client_for):
    writer, reader = client_for("member_a"), client_for("police")
    token = form_token(writer, _show(world))
    # A reader may not archive what another organisation wrote.
    police_token = form_token(reader, _show(world))
    assert (
        reader.post(_show(world) + "/archiveren", data={"csrf_token": police_token}).status_code
        == 403
    )
    assert writer.post(_show(world) + "/archiveren", data={"csrf_token": token}).status_code == 302
    assert reader.get(_show(world)).status_code == 404
    assert "Handelingskader explosies" not in reader.get("/kennisbank/").get_data(as_text=True)
    assert "Handelingskader explosies" in writer.get("/kennisbank/archief").get_data(as_text=True)
    assert writer.get(_show(world)).status_code == 200
    assert writer.post(_show(world) + "/terugzetten", data={"csrf_token": token}).status_code == 302
    assert reader.get(_show(world)).status_code == 200
    with app.app_context():
        actions = db.session.scalars(
            db.select(AuditEvent.action).where(AuditEvent.action.like("article.%"))
        ).all()
    assert {"article.archived", "article.restored"} <= set(actions)


def test_a_space_manager_archives_any_article(world, client_for):
    client = client_for("secretariat")
    token = form_token(client, _show(world))
    assert client.post(_show(world) + "/archiveren", data={"csrf_token": token}).status_code == 302
