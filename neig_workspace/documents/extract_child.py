"""The child process that reads the text out of one uploaded file (documents/extraction.py).

Run as `python -I extract_child.py KIND MAX_CHARS MEMORY_BYTES CPU_SECONDS` with the file as its
standard input (a seekable file descriptor) and an environment without the app's settings. It
imports the parser first (trusted code), then shuts itself in before the first byte of the file
is read: with Landlock it can no longer open any file but the Python installation's and the
system libraries (not the app's instance folder, a SQLite database or another blob), write or
create any file, or connect or listen on TCP (the database, Redis); and it limits its own address
space and CPU time, so a file that would take too much ends here as a MemoryError or a SIGXCPU,
never in the app. A parser that a hostile file gets the better of finds no secret in its
environment, no open connection, and nothing to read or send. It prints one JSON object:
status, text (capped at MAX_CHARS), truncated, extractor, and whether Landlock confined it.

Only the standard library and the parsers are imported: this file is run by its path, outside
the package, so it must not import the app.
"""

import ctypes
import importlib
import io
import json
import os
import re
import resource
import sys
import unicodedata
import zipfile
from html.parser import HTMLParser
from importlib import metadata

#: Entries in an Office or OpenDocument zip, as filetypes.MAX_ZIP_ENTRIES (checked at upload).
MAX_ZIP_ENTRIES = 5000
#: XML parts are read through in chunks of this size to look for a DTD.
CHUNK = 256 * 1024
#: A DTD in an OOXML or ODF part has no business there; it is where entity bombs live.
_DTD = re.compile(rb"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)
_ODF_TEXT = "urn:oasis:names:tc:opendocument:xmlns:text:1.0"


class TooLarge(Exception):
    """The file would unpack to more than the memory limit."""


class Collector:
    """Text parts, up to the cap: a parser stops asking for more once it is full."""

    def __init__(self, max_chars: int):
        self.max_chars = max_chars
        self.parts: list[str] = []
        self.size = 0

    @property
    def full(self) -> bool:
        return self.size > self.max_chars

    def add(self, text: str | None) -> None:
        if text and text.strip() and not self.full:
            self.parts.append(text)
            self.size += len(text) + 1

    def text(self) -> tuple[str, bool]:
        text = unicodedata.normalize("NFC", "\n".join(self.parts))
        # PostgreSQL refuses NUL in text, and a lone surrogate cannot be stored as UTF-8.
        text = text.replace("\x00", "").encode("utf-8", "replace").decode("utf-8")
        return text[: self.max_chars], len(text) > self.max_chars


# --- the parsers, one per kind ---------------------------------------------------------------


def read_pdf(stream, out: Collector) -> str:
    from pypdf import PdfReader

    reader = PdfReader(stream)
    if reader.is_encrypted and not reader.decrypt(""):
        raise ValueError("encrypted")
    for page in reader.pages:
        out.add(page.extract_text())
        if out.full:
            break
    return _library("pypdf")


def read_docx(stream, out: Collector) -> str:
    import docx
    from docx.table import Table

    check_zip(stream)
    document = docx.Document(stream)
    for block in document.iter_inner_content():
        if isinstance(block, Table):
            _table_rows(block.rows, out)
        else:
            out.add(block.text)
        if out.full:
            break
    for section in document.sections:
        for part in (section.header, section.footer):
            if not part.is_linked_to_previous:  # else it is the previous section's, or none
                for paragraph in part.paragraphs:
                    out.add(paragraph.text)
    return _library("python-docx")


def _table_rows(rows, out: Collector) -> None:
    for row in rows:
        out.add("\t".join(cell.text for cell in row.cells))


def read_xlsx(stream, out: Collector) -> str:
    import openpyxl

    check_zip(stream)
    workbook = openpyxl.load_workbook(stream, read_only=True, data_only=True)
    try:
        for sheet in workbook.worksheets:
            out.add(sheet.title)
            for row in sheet.iter_rows(values_only=True):
                out.add("\t".join(str(v) for v in row if v is not None))
                if out.full:
                    return _library("openpyxl")
    finally:
        workbook.close()
    return _library("openpyxl")


def read_pptx(stream, out: Collector) -> str:
    from pptx import Presentation

    check_zip(stream)
    for slide in Presentation(stream).slides:
        _shapes(slide.shapes, out)
        if slide.has_notes_slide:
            out.add(slide.notes_slide.notes_text_frame.text)
        if out.full:
            break
    return _library("python-pptx")


def _shapes(shapes, out: Collector) -> None:
    from pptx.shapes.group import GroupShape

    for shape in shapes:
        if isinstance(shape, GroupShape):
            _shapes(shape.shapes, out)
        elif shape.has_text_frame:
            out.add(shape.text_frame.text)
        elif getattr(shape, "has_table", False):  # only a graphic frame can hold a table
            _table_rows(shape.table.rows, out)


def read_odf(stream, out: Collector) -> str:
    """OpenDocument text, spreadsheet or presentation: the paragraphs of content.xml."""
    from defusedxml import ElementTree

    check_zip(stream)
    with zipfile.ZipFile(stream) as archive:
        content = archive.read("content.xml")
    root = ElementTree.fromstring(content, forbid_dtd=True)
    for element in root.iter():
        if element.tag in (f"{{{_ODF_TEXT}}}p", f"{{{_ODF_TEXT}}}h"):
            out.add(_odf_text(element))
            if out.full:
                break
    return _library("defusedxml")


def _odf_text(element) -> str:
    """A paragraph's text with ODF's space, tab and line-break elements as characters."""
    spacing = {
        f"{{{_ODF_TEXT}}}s": " ",
        f"{{{_ODF_TEXT}}}tab": "\t",
        f"{{{_ODF_TEXT}}}line-break": "\n",
    }
    parts = [element.text or ""]
    for child in element:
        if child.tag in spacing:
            parts.append(spacing[child.tag])
        else:
            parts.append(_odf_text(child))
        parts.append(child.tail or "")
    return "".join(parts)


def read_eml(stream, out: Collector) -> str:
    """An e-mail: who, when, the subject and the body (plain text, else the HTML's text)."""
    from email import policy
    from email.parser import BytesParser

    message = BytesParser(policy=policy.default).parse(stream)
    if not any(message.get(h) for h in ("From", "To", "Subject", "Date")):
        raise ValueError("no e-mail headers")
    for header in ("Subject", "From", "To", "Cc", "Date"):
        if message.get(header):
            out.add(f"{header}: {message.get(header)}")
    body = message.get_body(preferencelist=("plain", "html"))
    if body is not None:
        content = body.get_content()
        out.add(_html_text(content) if body.get_content_subtype() == "html" else content)
    return "email (stdlib)"


class _HtmlText(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        self._skip += tag in ("script", "style")

    def handle_endtag(self, tag):
        self._skip -= tag in ("script", "style") and self._skip > 0

    def handle_data(self, data):
        if not self._skip:
            self.parts.append(data)


def _html_text(html: str) -> str:
    parser = _HtmlText()
    parser.feed(html)
    parser.close()
    return " ".join(" ".join(parser.parts).split())


def read_text(stream, out: Collector) -> str:
    """Plain text, Markdown and CSV: UTF-8, else Windows-1252 (as filetypes reads them)."""
    size = stream.seek(0, io.SEEK_END)
    stream.seek(0)
    data = stream.read(min(size, out.max_chars * 4 + 4))  # UTF-8: at most 4 bytes a character
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("cp1252", "replace")
    out.add(text)
    return "text"


READERS = {
    "pdf": read_pdf,
    "docx": read_docx,
    "xlsx": read_xlsx,
    "pptx": read_pptx,
    "odf": read_odf,
    "eml": read_eml,
    "text": read_text,
}


# --- guards ----------------------------------------------------------------------------------


def check_zip(stream) -> None:
    """Refuse a zip bomb before a parser unpacks it: too many entries, or more bytes unpacked
    than the memory limit allows (zipfile never inflates an entry past its declared size, so
    the declared sizes are what counts); and an XML part with a DTD (entity expansion)."""
    limit = resource.getrlimit(resource.RLIMIT_AS)[0]
    with zipfile.ZipFile(stream) as archive:
        infos = archive.infolist()
        if len(infos) > MAX_ZIP_ENTRIES:
            raise TooLarge
        if limit != resource.RLIM_INFINITY and sum(i.file_size for i in infos) > limit:
            raise TooLarge
        for info in infos:
            if info.filename.lower().endswith((".xml", ".rels")):
                _refuse_dtd(archive, info)
    stream.seek(0)


def _refuse_dtd(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> None:
    tail = b""
    with archive.open(info) as part:
        while chunk := part.read(CHUNK):
            if _DTD.search(tail + chunk):
                raise ValueError(f"a DTD in {info.filename}")
            tail = chunk[-16:]


#: The parsers' versions, read before the sandbox closes the files they are read from.
VERSIONS: dict[str, str] = {}
LIBRARIES = {
    "pdf": ("pypdf",),
    "docx": ("python-docx",),
    "xlsx": ("openpyxl",),
    "pptx": ("python-pptx",),
    "odf": ("defusedxml",),
}


def _library(name: str) -> str:
    return f"{name} {VERSIONS.get(name, '?')}"


# --- the sandbox (Landlock) ------------------------------------------------------------------

_LANDLOCK_CREATE_RULESET, _LANDLOCK_ADD_RULE, _LANDLOCK_RESTRICT_SELF = 444, 445, 446
_RULESET_VERSION = 1 << 0
_RULE_PATH_BENEATH = 1
_PR_SET_NO_NEW_PRIVS = 38
#: Landlock's file-system rights: execute, read a file, read a directory (granted below).
_EXECUTE, _READ_FILE, _READ_DIR = 1 << 0, 1 << 2, 1 << 3
#: Where the interpreter, its libraries and the shared libraries they load live: public code,
#: readable in the sandbox so a lazy import still works. Nothing of the app's own (its instance
#: folder, the blobs, a SQLite database) is under these, unless it was installed there.
_SYSTEM_PATHS = ("/usr/lib", "/usr/lib64", "/usr/local/lib", "/lib", "/lib64")


class _PathBeneath(ctypes.Structure):
    _pack_ = 1
    _fields_ = [("allowed_access", ctypes.c_uint64), ("parent_fd", ctypes.c_int32)]


def confine() -> bool:
    """Take away, for good, this process's right to open any file but the Python installation's
    and the system libraries, to write or create any file, and to connect or listen on TCP
    (Landlock, Linux 5.13 and later). False where the kernel has no Landlock; an error where it
    has it and it could not be applied (the file is then not parsed)."""
    libc = ctypes.CDLL(None, use_errno=True)

    def call(*args) -> int:
        result = libc.syscall(*(ctypes.c_long(a) if isinstance(a, int) else a for a in args))
        if result < 0:
            raise OSError(ctypes.get_errno(), "landlock")
        return result

    try:
        abi = call(_LANDLOCK_CREATE_RULESET, None, 0, _RULESET_VERSION)
    except OSError:
        return False  # not in this kernel, or switched off
    handled_fs = (1 << 13) - 1  # ABI 1: every right from execute to make_sym
    handled_fs |= (1 << 13 if abi >= 2 else 0) | (1 << 14 if abi >= 3 else 0)  # refer, truncate
    handled_fs |= 1 << 15 if abi >= 5 else 0  # ioctl on devices
    handled_net = 0b11 if abi >= 4 else 0  # bind and connect on TCP
    scoped = 0b11 if abi >= 6 else 0  # abstract unix sockets and signals outside the sandbox
    attr = (ctypes.c_uint64 * 3)(handled_fs, handled_net, scoped)
    size = 8 if abi < 4 else 16 if abi < 6 else 24
    ruleset = call(_LANDLOCK_CREATE_RULESET, ctypes.byref(attr), size, 0)
    try:
        for path in _readable_paths():
            fd = os.open(path, os.O_PATH | os.O_CLOEXEC)
            try:
                rule = _PathBeneath(_EXECUTE | _READ_FILE | _READ_DIR, fd)
                call(_LANDLOCK_ADD_RULE, ruleset, _RULE_PATH_BENEATH, ctypes.byref(rule), 0)
            finally:
                os.close(fd)
        if libc.prctl(_PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
            raise OSError(ctypes.get_errno(), "no_new_privs")
        call(_LANDLOCK_RESTRICT_SELF, ruleset, 0)
    finally:
        os.close(ruleset)
    return True


def _readable_paths() -> list[str]:
    paths = {sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix, *_SYSTEM_PATHS}
    return sorted(p for p in paths if os.path.isdir(p))


# --- the process -----------------------------------------------------------------------------


def limit_self(memory_bytes: int, cpu_seconds: int) -> None:
    resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))
    resource.setrlimit(resource.RLIMIT_CPU, (cpu_seconds, cpu_seconds + 1))
    resource.setrlimit(resource.RLIMIT_FSIZE, (0, 0))  # a parser has nothing to write
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))  # no core dump holding the file's text


def extract(kind: str, stream, max_chars: int) -> dict:
    out = Collector(max_chars)
    try:
        extractor = READERS[kind](stream, out)
    except (TooLarge, MemoryError):
        return {"status": "too_large", "text": "", "truncated": False, "extractor": kind}
    except Exception as error:  # noqa: BLE001 - any failure of a parser means "unreadable"
        # The class only: a message may quote the file's content, which stays out of logs.
        return {
            "status": "unreadable",
            "text": "",
            "truncated": False,
            "extractor": kind,
            "error": type(error).__name__,
        }
    text, truncated = out.text()
    status = "ok" if text.strip() else "no_text"
    return {"status": status, "text": text, "truncated": truncated, "extractor": extractor}


#: Imported before the limits are set: the parser's own code is trusted and should not be
#: what runs out of memory (an import that fails for want of memory reads as "unreadable").
PRELOAD = {
    "pdf": ("pypdf",),
    "docx": ("docx", "docx.table"),
    "xlsx": ("openpyxl",),
    "pptx": ("pptx", "pptx.shapes.group"),
    "odf": ("defusedxml.ElementTree",),
    "eml": ("email.parser", "email.policy", "email.contentmanager", "email.headerregistry"),
    "text": ("encodings.cp1252", "encodings.utf_8_sig"),
}


def main(argv: list[str]) -> int:
    kind, max_chars, memory_bytes, cpu_seconds = argv[0], int(argv[1]), int(argv[2]), int(argv[3])
    for module in PRELOAD[kind]:
        importlib.import_module(module)
    VERSIONS.update({name: metadata.version(name) for name in LIBRARIES.get(kind, ())})
    confined = confine()
    limit_self(memory_bytes, cpu_seconds)
    try:
        stream = io.BufferedReader(io.FileIO(os.dup(0), "rb"), buffer_size=CHUNK)
        result = extract(kind, stream, max_chars)
        result["confined"] = confined
        output = json.dumps(result)  # ASCII: no locale needed
    except MemoryError:  # outside the parser, e.g. while the text was being joined
        output = json.dumps({"status": "too_large", "text": "", "truncated": False})
    sys.stdout.write(output)
    sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
