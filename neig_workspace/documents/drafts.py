"""Text drafts written in the app: Markdown, versioned like files (each version a .md blob),
shown with numbered paragraphs so comments can point at one, and compared version to version."""

import io
import re

from flask_babel import gettext as _

from ..audit import service as audit
from ..errors import ServiceError
from ..spaces.models import Classification, Space
from . import service
from .models import Document, DocumentVersion, Folder

#: Texts are read back whole to render them; larger drafts belong in a file.
MAX_TEXT_BYTES = 1_000_000


def _upload(title: str, text: str) -> service.Upload:
    data = _normalise(text).encode("utf-8")
    if len(data) > MAX_TEXT_BYTES:
        raise ServiceError(_("Deze tekst is te lang voor een concept in de werkruimte."), "text")
    return service.Upload(io.BytesIO(data), f"{_slug(title)}.md")


def _normalise(text: str) -> str:
    """Browsers send CRLF; store LF, one final newline, so equal texts have equal hashes."""
    return text.replace("\r\n", "\n").replace("\r", "\n").strip("\n") + "\n"


def _slug(title: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")[:60]
    return slug or "concept"


def create_text_draft(
    space: Space,
    *,
    title: str,
    text: str,
    folder: Folder | None = None,
    classification: Classification | None = None,
    narrowing: list[int] | None = None,
    actor,
) -> Document:
    """A new text draft; the caller has checked `space.upload`."""
    if not text.strip():
        raise ServiceError(_("Schrijf de tekst van het concept."), "text")
    document = service.upload_document(
        space,
        _upload(title, text),
        folder=folder,
        title=title,
        classification=classification,
        narrowing=narrowing,
        text=True,
        actor=actor,
    )
    return document


def save_text_version(document: Document, text: str, *, actor) -> DocumentVersion | None:
    """A new version when the text changed; None when it is the same as the newest."""
    if not text.strip():
        raise ServiceError(_("Schrijf de tekst van het concept."), "text")
    if _normalise(text) == read_text(document.latest):
        return None
    return service.add_version(document, _upload(document.title, text), actor=actor)


class TextUnavailable(Exception):
    """The blob of a text version is gone: answered with the page a failed download gets."""

    def __init__(self, version: DocumentVersion):
        super().__init__(version.sha256)
        self.version = version


def read_text(version: DocumentVersion | None) -> str:
    if version is None or not version.scan_status.openable:
        return ""
    try:
        with service.store().open(version.sha256) as blob:
            return blob.read(MAX_TEXT_BYTES + 1).decode("utf-8", errors="replace")
    except FileNotFoundError as error:
        raise TextUnavailable(version) from error


def audit_compare(document: Document, old: int, new: int, *, actor) -> None:
    """Comparing versions reads content: where opening is logged, comparing is too."""
    if not (document.classification.needs_mfa or document.space.requires_mfa):
        return
    audit.record(
        "document.compared",
        actor=actor,
        target=document,
        space_id=document.space_id,
        details={"from": old, "to": new},
    )
