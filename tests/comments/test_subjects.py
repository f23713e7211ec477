"""The comment subjects: each feature whose pages carry threads registers an adapter, and the
comment code knows a subject only through it."""

import dataclasses
import subprocess  # noqa: S404 - a fresh interpreter, to see what create_app registers
import sys
from pathlib import Path

import pytest
from werkzeug.exceptions import NotFound

from neig_workspace.access import policy
from neig_workspace.actions.models import ActionItem
from neig_workspace.comments.models import Comment
from neig_workspace.comments.subjects import (
    CommentSubject,
    Subject,
    UnknownSubject,
    adapter_of,
    register_subject,
    registered_subjects,
    subject_adapter,
)
from neig_workspace.documents.models import Document
from neig_workspace.knowledge.models import Article
from neig_workspace.meetings.models import Meeting
from tests.comments.comment_helpers import working_group
from tests.helpers import csrf_token_of, login_as

#: What a comment can hang on: the models of its subject columns, by the audit name.
SUBJECT_COLUMNS = {
    "document": Comment.document,
    "action_item": Comment.action_item,
    "article": Comment.article,
}


@pytest.mark.one_database("the registry is in memory; no query")
def test_every_kind_of_subject_has_an_adapter_with_all_parts(app):
    adapters = {adapter.kind: adapter for adapter in registered_subjects()}
    assert set(adapters) == set(SUBJECT_COLUMNS)
    for kind, relationship in SUBJECT_COLUMNS.items():
        adapter = adapters[kind]
        assert adapter.model is relationship.property.mapper.class_
        assert subject_adapter(kind) is adapter
        for part in dataclasses.fields(CommentSubject):
            assert getattr(adapter, part.name) is not None, (kind, part.name)
        for action in (adapter.comment_action, adapter.manage_action):
            assert action.startswith(f"{kind}."), (kind, action)
            assert action in policy.ACTIONS, (kind, action)
        for part in ("load", "render_again", "url", "post_url", "mentions_url"):
            assert callable(getattr(adapter, part)), (kind, part)


@pytest.mark.one_database("the registry is in memory; no query")
def test_the_adapters_give_the_paths_and_checks_the_pages_always_had(app):
    with app.test_request_context():
        document, item, article = Document(id=4), ActionItem(id=5), Article(id=6)
        assert Subject(document).url == "/documenten/4"
        assert Subject(item).url == "/actiepunten/5"
        assert Subject(article).url == "/kennisbank/6"
        assert [Subject(o).kind for o in (document, item, article)] == [
            "document",
            "action_item",
            "article",
        ]
        assert [Subject(o).comment_action for o in (document, item, article)] == [
            "document.comment",
            "action_item.comment",
            "article.comment",
        ]
        assert [Subject(o).manage_action for o in (document, item, article)] == [
            "document.manage_drafts",
            "action_item.edit",
            "article.edit",
        ]
        assert adapter_of(document).post_url(document) == "/documenten/4/reacties"
        assert adapter_of(item).post_url(item) == "/actiepunten/5/reacties"
        assert adapter_of(article).post_url(article) == "/kennisbank/6/reacties"
        assert adapter_of(document).mentions_url(document) == "/documenten/4/vermeldingen"
        assert adapter_of(item).mentions_url(item) == "/actiepunten/5/vermeldingen"
        assert adapter_of(article).mentions_url(article) == "/kennisbank/6/vermeldingen"


@pytest.mark.one_database("the registry is in memory; no query")
def test_an_unknown_kind_of_subject_is_not_found(app):
    assert issubclass(UnknownSubject, NotFound) and UnknownSubject.code == 404
    with pytest.raises(UnknownSubject):
        subject_adapter("meeting")
    with pytest.raises(UnknownSubject):
        adapter_of(Meeting(id=1))
    with pytest.raises(UnknownSubject):
        _ = Subject(Meeting(id=1)).url


@pytest.mark.one_database("the registry is in memory; no query")
def test_a_model_is_one_kind_of_subject_only(app):
    document = subject_adapter("document")
    with pytest.raises(ValueError):
        register_subject(dataclasses.replace(document, kind="draft"))
    with pytest.raises(ValueError):
        register_subject(dataclasses.replace(document, model=Meeting))
    assert subject_adapter("document") is document
    assert {a.kind for a in registered_subjects()} == set(SUBJECT_COLUMNS)


def test_comments_on_a_thing_without_threads_are_not_found(app, client, personas):
    """There is no comment route for anything but the registered subjects (as before)."""
    group = working_group(app, personas)
    login_as(app, client, personas.police)
    token = csrf_token_of(app, client)
    for path in ("/bijeenkomsten/1/reacties", f"/werkruimtes/{group.space_id}/reacties"):
        response = client.post(path, data={"csrf_token": token, "body": "Hallo"})
        assert response.status_code == 404, path
    response = client.post(
        f"/documenten/{group.document_id + 1000}/reacties",
        data={"csrf_token": token, "body": "Hallo"},
    )
    assert response.status_code == 404


@pytest.mark.one_database("imports only; no query")
def test_create_app_registers_every_subject_also_outside_the_web(tmp_path):
    """The adapters come with the features' pages, which create_app imports for every app:
    the CLI and a script have them too, and importing the comment code alone registers none."""
    script = (
        "from neig_workspace.comments import service, subjects\n"
        "before = sorted(a.kind for a in subjects.registered_subjects())\n"
        "from neig_workspace import create_app\n"
        "create_app('testing')\n"
        "after = sorted(a.kind for a in subjects.registered_subjects())\n"
        "print(before, after)\n"
    )
    done = subprocess.run(  # noqa: S603
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
        env={"NEIG_INSTANCE_PATH": str(tmp_path), "PATH": "/usr/bin:/bin"},
        cwd=str(Path(__file__).parents[2]),
    )
    assert done.stdout.split("\n")[-2] == "[] ['action_item', 'article', 'document']"
