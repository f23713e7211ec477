"""What a kind of space adds to its documents: the extension point keyed by `SpaceKind`.

Documents know nothing of the features built on top of them. A feature that needs more for the
documents of one kind of space (casework, for case spaces: the supplier and legal basis of
every document, the supplier's approval before a document leaves its case) subclasses
`SpaceKindHooks` and registers it for that kind when the application is built
(`create_app` calls `cases.document_hooks.init_app`). Every kind without hooks of its own gets
the base class, which adds nothing.

The registry lives on the application (`app.extensions`), not in a module: it is filled by the
factory, whatever was imported first, and each application has its own.
"""

from collections.abc import Iterable

from flask import Flask, current_app

from ..spaces.models import Space, SpaceKind

EXTENSION = "neig_document_hooks"

#: Optional fields of the upload form, for the hooks of some kind of space to fill; every
#: other kind removes them.
OPTIONAL_UPLOAD_FIELDS = ("legal_basis", "purpose")


class SpaceKindHooks:
    """The behaviour of a kind of space without hooks of its own: nothing extra.

    Each method is called inside the use case's transaction; one that refuses raises (a
    `ServiceError`, or an exception its feature's error handler answers) and the caller rolls
    the whole use case back.
    """

    def prepare_upload_form(self, form, space: Space) -> None:
        """Fill the upload form's optional fields for `space`, or remove them."""
        for name in OPTIONAL_UPLOAD_FIELDS:
            if name in form:
                del form[name]

    def uploaded(
        self, document, space: Space, *, actor, legal_basis_id: int | None, purpose: str = ""
    ) -> None:
        """A new document in `space` (an upload or a text draft), flushed and audited;
        `legal_basis_id` and `purpose` as named on the upload form, or None and empty."""

    def narrowing_changing(self, document, before: list[int], after: list[int], *, actor):
        """The document's narrowing is about to change from `before` to `after` (sorted
        organisation ids, equal when only other metadata changes)."""

    def copying_out(self, document, target: Space, *, actor) -> None:
        """A document of this kind of space is about to be copied to `target`."""

    def copied_in(self, original, copy, target: Space, *, actor) -> None:
        """`copy` of `original` was just made in `target`, a space of this kind."""

    def purging(self, document) -> None:
        """The document is about to be deleted for good (its versions and narrowing already
        are): remove what of this feature points at it."""

    def provenance(self, documents: list) -> dict | None:
        """What a list shows of where each document came from, by document id (the template
        reads `.supplier` and `.legal_basis`); None: lists of this kind show no provenance."""
        return None


DEFAULT = SpaceKindHooks()


def init_app(app: Flask) -> None:
    """Give the application its (empty) registry; the factory calls this before any feature
    registers."""
    app.extensions[EXTENSION] = {}


def register(app: Flask, kind: SpaceKind, hooks: SpaceKindHooks) -> None:
    """Register the hooks of one kind of space; once per kind and application."""
    registry = app.extensions[EXTENSION]
    if kind in registry:
        raise RuntimeError(f"document hooks for {kind.value} spaces are already registered")
    registry[kind] = hooks


def for_kind(kind: SpaceKind) -> SpaceKindHooks:
    """The hooks of `kind` in the current application, or the defaults."""
    return current_app.extensions[EXTENSION].get(kind, DEFAULT)


def for_space(space: Space) -> SpaceKindHooks:
    return for_kind(space.kind)


def provenance(documents: Iterable) -> dict:
    """Where each of `documents` came from, by id, from the hooks of their spaces' kinds (a
    search lists documents of several spaces); empty where no kind shows any."""
    by_kind: dict[SpaceKind, list] = {}
    for document in documents:
        by_kind.setdefault(document.space.kind, []).append(document)
    found: dict = {}
    for kind, listed in by_kind.items():
        found.update(for_kind(kind).provenance(listed) or {})
    return found
