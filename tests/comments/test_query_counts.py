"""A thread page runs the same number of queries with 500 comments as with 5."""

from neig_workspace.accounts.models import User
from neig_workspace.comments.models import Comment, CommentRevision
from neig_workspace.documents.models import Document
from neig_workspace.extensions import db
from tests.comments.comment_helpers import open_round_for, working_group
from tests.conftest import count_queries
from tests.helpers import login_as

AUTHORS = ("police", "om", "housing", "member_a")


def _fill(app, personas, document_id, round_id, threads: int) -> None:
    """`threads` comments, every fifth with two replies, edited once, mentioning someone, and
    every third answered: all the parts a thread page draws."""
    with app.app_context():
        document = db.session.get(Document, document_id)
        mention = f"@{personas.om.email}"
        for i in range(threads):
            persona = personas[AUTHORS[i % len(AUTHORS)]]
            author = db.session.get(User, persona.id)
            comment = Comment(
                document_id=document.id,
                version_number=1,
                round_id=round_id,
                paragraph=1 + i % 3,
                body=f"Reactie {i} voor {mention}",
                author_id=author.id,
                organisation_id=persona.org_id,
                response="Verwerkt" if i % 3 == 0 else "",
                responded_by_id=personas.org_admin_a.id if i % 3 == 0 else None,
                revisions=[CommentRevision(body="eerder", written_at=document.created_at)],
            )
            db.session.add(comment)
            db.session.flush()
            if i % 5 == 0:
                for j in range(2):
                    db.session.add(
                        Comment(
                            document_id=document.id,
                            version_number=1,
                            parent_id=comment.id,
                            body=f"Antwoord {j}",
                            author_id=personas.org_admin_a.id,
                            organisation_id=personas.org_admin_a.org_id,
                        )
                    )
        db.session.commit()


def _queries(app, client, path) -> int:
    client.get(path)  # warm up: the first request of a session loads the same as any other
    with count_queries(app) as statements:
        response = client.get(path)
    assert response.status_code == 200
    return len(statements)


def _second_draft(app, personas, space_id) -> int:
    from neig_workspace.documents import drafts
    from neig_workspace.spaces.models import Space
    from tests.comments.comment_helpers import DRAFT

    with app.app_context():
        space = db.session.get(Space, space_id)
        author = db.session.get(User, personas.org_admin_a.id)
        document = drafts.create_text_draft(space, title="Tweede", text=DRAFT, actor=author)
        db.session.commit()
        return document.id


def test_thread_pages_do_not_grow_with_the_number_of_comments(app, client, personas):
    group = working_group(app, personas)
    few_doc, many_doc = group.document_id, _second_draft(app, personas, group.space_id)
    few_round = open_round_for(app, personas, few_doc)
    many_round = open_round_for(app, personas, many_doc)
    _fill(app, personas, few_doc, few_round, 5)
    _fill(app, personas, many_doc, many_round, 500)
    login_as(app, client, personas.org_admin_a)
    assert _queries(app, client, f"/documenten/{many_doc}") == _queries(
        app, client, f"/documenten/{few_doc}"
    )
    assert _queries(app, client, f"/commentaarrondes/{many_round}") == _queries(
        app, client, f"/commentaarrondes/{few_round}"
    )
