"""A knowledge space for the tests: Rotterdam (A) writes, the police reads, the secretariat
manages; Amsterdam (B) has no grant at all."""

from dataclasses import dataclass

from neig_workspace.access.roles import SpaceRole
from neig_workspace.accounts.models import User
from neig_workspace.extensions import db
from neig_workspace.knowledge import service
from neig_workspace.knowledge.models import ArticleKind, Theme
from neig_workspace.organisations.models import Organisation, OrgType
from neig_workspace.spaces import service as spaces
from neig_workspace.spaces.models import PrincipalType, SpaceKind


@dataclass
class World:
    space_id: int
    article_id: int


def make_space(personas, name="Kennisbank"):
    """The knowledge space (in the caller's app context; flushed, not committed)."""
    space = spaces.create_space(SpaceKind.SHARED, name, actor=None)
    for key, role in (
        ("gemeente_a", SpaceRole.CONTRIBUTOR),
        ("politie", SpaceRole.VIEWER),
        ("secretariaat", SpaceRole.MANAGER),
    ):
        organisation = db.session.get(Organisation, personas.orgs[key])
        spaces.add_grant(
            space, PrincipalType.ORGANISATION, role, organisation=organisation, actor=None
        )
    service.register_space(space)
    return space


def article_input(title="Handelingskader explosies", **changes) -> service.ArticleInput:
    values = {
        "title": title,
        "summary": "Wat een gemeente doet na een explosie.",
        "body": "# Eerste dag\n\nBel de **driehoek** bijeen.",
        "kind": ArticleKind.FRAMEWORK,
        "themes": [Theme.APPROACH, Theme.AFTERCARE],
        "audiences": [OrgType.MUNICIPALITY],
    }
    values.update(changes)
    return service.ArticleInput(**values)


def write_article(space, personas, author="member_a", **changes):
    user = db.session.get(User, personas[author].id)
    organisation = db.session.get(Organisation, personas[author].org_id)
    return service.create_article(space, organisation, article_input(**changes), actor=user)


def world(app, personas) -> World:
    with app.app_context():
        space = make_space(personas)
        article = write_article(space, personas)
        db.session.commit()
        return World(space_id=space.id, article_id=article.id)
