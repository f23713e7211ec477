"""Deciding a file's type by its content, against an allowlist (ASVS 5.2.2, 5.2.3).

The user's filename and the browser's declared type are only hints: the bytes decide. Office
and OpenDocument files are zip archives; their entry count and uncompressed size are checked
before anything is unpacked, so a zip bomb is refused without inflating it.
"""

import re
import unicodedata
import zipfile
from dataclasses import dataclass
from pathlib import Path

MAX_ZIP_ENTRIES = 5000
MAX_ZIP_UNCOMPRESSED = 500 * 1024 * 1024
MAX_FILENAME_LENGTH = 180


@dataclass(frozen=True)
class FileType:
    key: str
    mimetype: str
    extensions: tuple[str, ...]
    #: May a browser show it inline (a sandboxed preview that cannot run script)?
    previewable: bool = False


TYPES = {
    t.key: t
    for t in [
        FileType("pdf", "application/pdf", ("pdf",), previewable=True),
        FileType("png", "image/png", ("png",), previewable=True),
        FileType("jpeg", "image/jpeg", ("jpg", "jpeg"), previewable=True),
        FileType("gif", "image/gif", ("gif",), previewable=True),
        FileType("webp", "image/webp", ("webp",), previewable=True),
        FileType(
            "docx",
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            ("docx",),
        ),
        FileType(
            "xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", ("xlsx",)
        ),
        FileType(
            "pptx",
            "application/vnd.openxmlformats-officedocument.presentationml.presentation",
            ("pptx",),
        ),
        FileType("odt", "application/vnd.oasis.opendocument.text", ("odt",)),
        FileType("ods", "application/vnd.oasis.opendocument.spreadsheet", ("ods",)),
        FileType("odp", "application/vnd.oasis.opendocument.presentation", ("odp",)),
        FileType("doc", "application/msword", ("doc",)),
        FileType("xls", "application/vnd.ms-excel", ("xls",)),
        FileType("ppt", "application/vnd.ms-powerpoint", ("ppt",)),
        FileType("txt", "text/plain", ("txt", "md")),
        FileType("csv", "text/csv", ("csv",)),
    ]
}

_OOXML_MAIN = {"word/": "docx", "xl/": "xlsx", "ppt/": "pptx"}
_ODF_MIMETYPES = {
    b"application/vnd.oasis.opendocument.text": "odt",
    b"application/vnd.oasis.opendocument.spreadsheet": "ods",
    b"application/vnd.oasis.opendocument.presentation": "odp",
}
_MARKUP = re.compile(
    rb"<\s*(!doctype|html|script|svg|body|iframe|object|embed|\?xml)", re.IGNORECASE
)


class FileTypeError(ValueError):
    """Why a file is refused, as a short code the caller turns into a message."""

    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


def detect(path: Path) -> FileType:
    """The file's type by content; FileTypeError when it is not on the allowlist."""
    with path.open("rb") as handle:
        head = handle.read(8192)
    if not head:
        raise FileTypeError("empty")
    key = _sniff_binary(head) or _sniff_zip(path, head) or _sniff_text(head)
    if key is None:
        raise FileTypeError("not_allowed")
    return TYPES[key]


def _sniff_binary(head: bytes) -> str | None:
    if head.startswith(b"%PDF-"):
        return "pdf"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return "gif"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "webp"
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return _sniff_ole(head)
    return None


def _sniff_ole(head: bytes) -> str | None:
    # Legacy Office files share one container; their stream names tell them apart.
    text = head.decode("latin-1")
    for marker, key in (
        ("W\x00o\x00r\x00d", "doc"),
        ("W\x00o\x00r\x00k\x00b\x00o\x00o\x00k", "xls"),
        ("P\x00o\x00w\x00e\x00r\x00P\x00o\x00i\x00n\x00t", "ppt"),
    ):
        if marker in text:
            return key
    return "doc"


def _sniff_zip(path: Path, head: bytes) -> str | None:
    if not head.startswith(b"PK\x03\x04"):
        return None
    try:
        with zipfile.ZipFile(path) as archive:
            infos = archive.infolist()
            if (
                len(infos) > MAX_ZIP_ENTRIES
                or sum(i.file_size for i in infos) > MAX_ZIP_UNCOMPRESSED
            ):
                raise FileTypeError("zip_bomb")
            names = {i.filename for i in infos}
            if "mimetype" in names:
                return _ODF_MIMETYPES.get(archive.read("mimetype").strip())
            if "[Content_Types].xml" in names:
                for prefix, key in _OOXML_MAIN.items():
                    if any(n.startswith(prefix) for n in names):
                        return key
    except zipfile.BadZipFile:
        return None
    return None  # a plain zip archive is not on the allowlist


def _sniff_text(head: bytes) -> str | None:
    if b"\x00" in head:
        return None
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError:
        try:
            text = head.decode("cp1252")
        except UnicodeDecodeError:
            return None
    if _MARKUP.search(head) or text.lstrip().startswith("#!"):
        return None
    first_line = text.splitlines()[0] if text else ""
    if first_line.count(",") + first_line.count(";") >= 1 and "\t" not in first_line[:1]:
        return "csv"
    return "txt"


def extension_matches(filename: str, file_type: FileType) -> bool:
    """Name, declared type and content must agree: .csv and .txt are both plain text, and so
    is a saved e-mail (.eml, stored as text/plain; its text is read for search as an e-mail).
    An e-mail with HTML in its first 8 kB is refused as markup, as any text file is."""
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    if file_type.key in ("txt", "csv"):
        return extension in ("txt", "csv", "md", "eml")
    return extension in file_type.extensions


def clean_filename(name: str) -> str:
    """A safe display name: no path parts, no control characters, a sane length."""
    name = unicodedata.normalize("NFC", name or "")
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C")
    name = re.sub(r"\s+", " ", name).strip(" .")
    if len(name) > MAX_FILENAME_LENGTH:
        stem, dot, extension = name.rpartition(".")
        keep = (
            MAX_FILENAME_LENGTH - len(extension) - 1
            if dot and len(extension) <= 10
            else MAX_FILENAME_LENGTH
        )
        name = (stem[:keep] + "." + extension) if dot and len(extension) <= 10 else name[:keep]
    return name or "bestand"
