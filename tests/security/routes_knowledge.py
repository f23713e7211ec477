# ruff: noqa: E501 - one line per route, as in route_table.py
"""Route matrix rows for the knowledge routes (see route_table.py for the columns and answers).

The objects (`plant` below): {c.knowledge_space} is a knowledge space in which A's members write
(contributor) and the secretariat's organisation reads; the platform admin has no grant (404 on
the article, as on any content), nor has member_b (other, 404). {c.article} is an article by A
with {c.article_document} attached; {c.knowledge_document} lies in the space, not attached.
"""

import io

from tests.security.route_table import LOGIN, R  # noqa: F401

ARTICLE = "/kennisbank/{c.article}"
PDF = b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n"


def _article(c):
    return {
        "space": c.knowledge_space,
        "organisation": c.org_a,
        "title": "Nazorg voor buurtbewoners",
        "summary": "Wat werkt na een explosie.",
        "body": "Ga **binnen een dag** langs.",
        "kind": "best_practice",
        "themes": ["nazorg"],
        "audiences": ["municipality"],
    }


def _edit_article(c):
    return {**_article(c), "version": c.version("articles", c.article)}


def _attachment(c):
    return {"files": (io.BytesIO(PDF), "draaiboek.pdf"), "title": "Draaiboek"}


# fmt: off
ROWS = {
    ("knowledge.index", "GET"):            R("/kennisbank/",                                               LOGIN, 200, 200, 200, 200),
    ("knowledge.archive", "GET"):          R("/kennisbank/archief",                                        LOGIN, 200, 200, 200, 200),
    # Only who may write in a knowledge space (A's contributors) opens the form.
    ("knowledge.create", "GET"):           R("/kennisbank/nieuw",                                          LOGIN, 200, 200, 403, 403),
    ("knowledge.create", "POST"):          R("/kennisbank/nieuw",                                          LOGIN, 302, 302, 403, 403, data=_article),
    ("knowledge.show", "GET"):             R(ARTICLE,                                                      LOGIN, 200, 200, 200, 404, other=404),
    # The author organisation edits; the reading secretariat may not.
    ("knowledge.edit", "GET"):             R(ARTICLE + "/bewerken",                                        LOGIN, 200, 200, 403, 404, other=404),
    ("knowledge.edit", "POST"):            R(ARTICLE + "/bewerken",                                        LOGIN, 302, 302, 403, 404, other=404, data=_edit_article),
    ("knowledge.archive_article", "POST"): R(ARTICLE + "/archiveren",                                      LOGIN, 302, 302, 403, 404, other=404),
    ("knowledge.restore_article", "POST"): R(ARTICLE + "/terugzetten",                                     LOGIN, 302, 302, 403, 404, other=404),
    # Every reader marks useful and comments.
    ("knowledge.toggle_useful", "POST"):   R(ARTICLE + "/nuttig",                                          LOGIN, 302, 302, 302, 404, other=404),
    ("knowledge.comment", "POST"):         R(ARTICLE + "/reacties",                                        LOGIN, 302, 302, 302, 404, other=404, data=lambda c: {"body": "Nuttig, dank."}),
    ("knowledge.mentions", "GET"):         R(ARTICLE + "/vermeldingen?q=me",                               LOGIN, 200, 200, 200, 404, other=404),
    ("knowledge.attach_upload", "POST"):   R(ARTICLE + "/bijlagen",                                        LOGIN, 302, 302, 403, 404, other=404, data=_attachment),
    ("knowledge.attach_existing", "POST"): R(ARTICLE + "/bijlagen/koppelen",                               LOGIN, 302, 302, 403, 404, other=404, data=lambda c: {"document": c.knowledge_document}),
    ("knowledge.detach", "POST"):          R(ARTICLE + "/bijlagen/{c.article_document}/ontkoppelen",       LOGIN, 302, 302, 403, 404, other=404),
}
# fmt: on


def plant(personas, target) -> dict:
    """Plant the objects these rows name (in build_context's transaction); returns their ids.

    The personas have no demo, so the knowledge space is made and registered here."""
    from neig_workspace.access.roles import SpaceRole
    from neig_workspace.documents import service as documents
    from neig_workspace.extensions import db
    from neig_workspace.knowledge import service as knowledge
    from neig_workspace.knowledge.models import ArticleKind, Theme
    from neig_workspace.organisations.models import Organisation
    from neig_workspace.spaces import service as spaces
    from neig_workspace.spaces.models import PrincipalType, SpaceKind

    org_a = db.session.get(Organisation, personas.orgs["gemeente_a"])
    secretariat = db.session.get(Organisation, personas.orgs["secretariaat"])
    space = spaces.create_space(SpaceKind.SHARED, "Kennisbank", actor=None)
    spaces.add_grant(
        space, PrincipalType.ORGANISATION, SpaceRole.CONTRIBUTOR, organisation=org_a, actor=None
    )
    spaces.add_grant(
        space, PrincipalType.ORGANISATION, SpaceRole.VIEWER, organisation=secretariat, actor=None
    )
    knowledge.register_space(space)
    data = knowledge.ArticleInput(
        title="Handelingskader explosies",
        summary="Wat een gemeente doet na een explosie.",
        body="Bel de **driehoek** bijeen.",
        kind=ArticleKind.FRAMEWORK,
        themes=[Theme.APPROACH],
        audiences=[],
    )
    article = knowledge.create_article(space, org_a, data, actor=target)
    attached = documents.upload_document(
        space, documents.Upload(io.BytesIO(PDF), "kader.pdf"), actor=target
    )
    loose = documents.upload_document(
        space, documents.Upload(io.BytesIO(PDF + b"% los\n"), "los.pdf"), actor=target
    )
    knowledge.attach_existing(article, attached.id, actor=target)
    return {
        "knowledge_space": space.id,
        "article": article.id,
        "article_document": attached.id,
        "knowledge_document": loose.id,
    }
