"""The extension point of documents keyed by the kind of space (documents/hooks.py): the
defaults every kind without hooks gets, casework's hooks for case spaces, and that the
document use cases call the hooks of the right kind."""

import io

import pytest
from flask import Flask

from neig_workspace.accounts.models import User
from neig_workspace.cases.document_hooks import CaseSpaceHooks
from neig_workspace.documents import hooks
from neig_workspace.documents import service as documents
from neig_workspace.documents.forms import UploadForm
from neig_workspace.documents.models import Document
from neig_workspace.extensions import db
from neig_workspace.spaces.models import Space, SpaceKind
from tests.documents.doc_helpers import org_space, pdf


def test_casework_registers_its_hooks_for_case_spaces(app):
    with app.app_context():
        assert isinstance(hooks.for_kind(SpaceKind.CASE), CaseSpaceHooks)
        assert isinstance(hooks.for_space(Space(kind=SpaceKind.CASE)), CaseSpaceHooks)


@pytest.mark.parametrize(
    "kind", [SpaceKind.ORGANISATION, SpaceKind.SHARED, SpaceKind.RESTRICTED], ids=str
)
def test_a_kind_without_hooks_gets_the_defaults(app, kind):
    with app.app_context():
        assert hooks.for_kind(kind) is hooks.DEFAULT
        assert hooks.for_space(Space(kind=kind)) is hooks.DEFAULT


@pytest.mark.one_database("no query: the default hooks add nothing")
def test_the_defaults_add_nothing(app):
    space = Space(kind=SpaceKind.SHARED)
    defaults = hooks.SpaceKindHooks()
    with app.test_request_context("/"):
        form = UploadForm()
        assert "legal_basis" in form
        defaults.prepare_upload_form(form, space)  # the optional fields go
        assert "legal_basis" not in form
        assert defaults.provenance([]) is None  # lists show no provenance column
        for call in (
            lambda: defaults.uploaded(None, space, actor=None, legal_basis_id=None),
            lambda: defaults.narrowing_changing(None, [], [1], actor=None),
            lambda: defaults.copying_out(None, space, actor=None),
            lambda: defaults.copied_in(None, None, space, actor=None),
            lambda: defaults.purging(None),
        ):
            assert call() is None


@pytest.mark.one_database("no query: the registry lives on the application")
def test_the_registry_is_the_applications_own_and_takes_a_kind_once(app):
    bare = Flask("bare")
    hooks.init_app(bare)
    mine = hooks.SpaceKindHooks()
    hooks.register(bare, SpaceKind.RESTRICTED, mine)
    with pytest.raises(RuntimeError):
        hooks.register(bare, SpaceKind.RESTRICTED, hooks.SpaceKindHooks())
    with bare.app_context():
        assert hooks.for_kind(SpaceKind.RESTRICTED) is mine
        assert hooks.for_kind(SpaceKind.CASE) is hooks.DEFAULT  # casework is not registered here
    with app.app_context():
        assert hooks.for_kind(SpaceKind.RESTRICTED) is hooks.DEFAULT
        with pytest.raises(RuntimeError):  # the factory registered casework already
            hooks.register(app, SpaceKind.CASE, CaseSpaceHooks())
        assert isinstance(hooks.for_kind(SpaceKind.CASE), CaseSpaceHooks)


class Recorder(hooks.SpaceKindHooks):
    """Hooks that note each call: (method, document title or id, space id)."""

    def __init__(self):
        self.calls = []

    def uploaded(self, document, space, *, actor, legal_basis_id, purpose=""):
        self.calls.append(("uploaded", document.title, space.id, legal_basis_id))

    def narrowing_changing(self, document, before, after, *, actor):
        self.calls.append(("narrowing_changing", document.title, before, after))

    def copying_out(self, document, target, *, actor):
        self.calls.append(("copying_out", document.title, target.id))

    def copied_in(self, original, copy, target, *, actor):
        self.calls.append(("copied_in", original.title, copy.space_id, target.id))

    def purging(self, document):
        self.calls.append(("purging", document.title, document.space_id))

    def provenance(self, documents):
        self.calls.append(("provenance", [d.title for d in documents]))
        return {d.id: "origin" for d in documents}


@pytest.fixture
def recorder(app):
    """A Recorder registered for organisation spaces, for this test only."""
    recorder = Recorder()
    registry = app.extensions[hooks.EXTENSION]
    hooks.register(app, SpaceKind.ORGANISATION, recorder)
    try:
        yield recorder
    finally:
        del registry[SpaceKind.ORGANISATION]


def test_the_use_cases_call_the_hooks_of_their_spaces_kind(app, personas, recorder):
    source_id = org_space(app, personas, "gemeente_a")
    target_id = org_space(app, personas, "gemeente_b")
    with app.app_context():
        source, target = db.session.get(Space, source_id), db.session.get(Space, target_id)
        actor = db.session.get(User, personas.member_a.id)
        upload = documents.Upload(io.BytesIO(pdf("hooks")), "nota.pdf", "application/pdf")
        document = documents.upload_document(
            source, upload, title="Nota", legal_basis_id=None, actor=actor
        )
        documents.update_metadata(
            document,
            title="Nota",
            description="",
            tags="",
            classification=document.classification,
            narrowing=[personas.orgs["gemeente_a"]],
            actor=actor,
        )
        copy = documents.copy_document(document, target, actor=actor)
        listed = hooks.provenance([document, copy])
        assert listed == {document.id: "origin", copy.id: "origin"}
        documents.trash_document(document, actor=actor)
        db.session.commit()
        document_id = document.id
    with app.app_context():  # a purge is a request of its own
        document = db.session.get(Document, document_id)
        documents.purge_document(document, actor=db.session.get(User, personas.member_a.id))
    org_a = personas.orgs["gemeente_a"]
    assert recorder.calls == [
        ("uploaded", "Nota", source_id, None),
        ("narrowing_changing", "Nota", [], [org_a]),
        ("copying_out", "Nota", target_id),
        ("copied_in", "Nota", target_id, target_id),
        ("provenance", ["Nota", "Nota"]),
        ("purging", "Nota", source_id),
    ]


@pytest.mark.one_database("the import graph does not depend on the database")
def test_documents_import_nothing_of_casework():
    grimp = pytest.importorskip("grimp")
    graph = grimp.build_graph("neig_workspace", cache_dir=None)  # function-level imports too
    documents_modules = graph.find_descendants("neig_workspace.documents") | {
        "neig_workspace.documents"
    }
    direct = {
        (module, imported)
        for module in documents_modules
        for imported in graph.find_modules_directly_imported_by(module)
        if imported == "neig_workspace.cases" or imported.startswith("neig_workspace.cases.")
    }
    assert direct == set()
    for one, other in (
        ("neig_workspace.cases.service", "neig_workspace.cases.item_service"),
        ("neig_workspace.documents.service", "neig_workspace.documents.scanning"),
    ):
        assert not (
            graph.find_shortest_chain(importer=one, imported=other)
            and graph.find_shortest_chain(importer=other, imported=one)
        ), f"{one} and {other} import each other"
