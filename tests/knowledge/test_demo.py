"""The demo: five articles in the demo's Kennisbank space, readable by the whole network."""

from sqlalchemy import select

from neig_workspace.accounts.models import User
from neig_workspace.demo import load_demo_network
from neig_workspace.extensions import db
from neig_workspace.knowledge.demo import DEMO_ARTICLES
from neig_workspace.knowledge.models import Article, KnowledgeSpace
from tests.helpers import login_as
from tests.personas import Persona


def test_the_demo_articles_are_in_the_registered_kennisbank(app):
    with app.app_context():
        load_demo_network()  # with the knowledge base's demo
        db.session.commit()
        registered = db.session.scalars(select(KnowledgeSpace)).all()
        assert [k.space.name for k in registered] == ["Kennisbank"]
        articles = db.session.scalars(select(Article)).all()
        assert len(articles) == len(DEMO_ARTICLES) == 5
        assert {a.space_id for a in articles} == {registered[0].space_id}
        reader = db.session.scalar(select(User).where(User.is_platform_admin.is_(False)))
        persona = Persona("demo", reader.id, reader.email, reader.name, None)
    client = login_as(app, app.test_client(), persona)
    html = client.get("/kennisbank/?thema=juridisch").get_data(as_text=True)
    assert "artikel 13b Opiumwet" in html
    assert "Nazorg voor buurtbewoners" not in html
