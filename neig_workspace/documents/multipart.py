"""A multipart/form-data parser for large uploads (issue 18): what Werkzeug's MultiPartParser
returns, at the speed of the disk.

Werkzeug's parser copies every byte of a file part four times on its way to the file (into its
buffer, a slice for the partial boundary, a slice of the data, and that slice as bytes) and
searches each chunk with regular expressions. This one reads the body into buffers of its own
(`readinto`, 1 MB), finds the boundary with `bytearray.find` over the whole block, and hands
the file's bytes to the file as memoryviews of that buffer: no copy in Python at all. The file
is written from a thread of the parser's own while the next block is read into the other
buffer, so receiving, writing and (in the spool's thread) hashing overlap on two cores.

What it accepts is what Werkzeug accepts (tests/documents/test_multipart.py compares the two on
random bodies): a delimiter is "--boundary" after a line break (CRLF, or a lone LF or CR, as
some clients send), followed by "--" for the last one, or by optional blanks and a line break;
the first may come without a line break, after any preamble; the epilogue is ignored. A body
that is not so, or ends early, raises ValueError, which the form parser turns into an empty
form (Werkzeug's `silent`): the CSRF check then refuses the request with 400.
"""

from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, BinaryIO

from werkzeug.datastructures import FileStorage, Headers
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.http import parse_options_header
from werkzeug.sansio.multipart import BLANK_LINE_RE, HEADER_CONTINUATION_RE

#: The parser's buffer: the most it reads at once, and the longest header block of a part.
BLOCK = 1024 * 1024
#: What a read gathers at least before it is parsed (unless the body ends first): a slow
#: client's small pieces become fewer, larger writes and hashes.
MIN_FILL = 256 * 1024
#: RFC 2046 allows 70 characters; a longer one is refused rather than searched for.
MAX_BOUNDARY = 200

#: The blanks allowed between a boundary and its line break (Werkzeug's [^\S\n\r]).
BLANKS = frozenset(b" \t\x0b\x0c")
CR, LF, DASH = 13, 10, 45

# What follows a "--boundary" found in the buffer.
NOT_A_DELIMITER, NEXT_PART, LAST_PART, NEED_MORE = range(4)

StreamFactory = Callable[..., BinaryIO]


class Malformed(ValueError):
    """Not multipart/form-data as the boundary says, or cut short."""


def parse(
    readinto: Callable[[memoryview], int],
    boundary: bytes,
    content_length: int | None,
    *,
    stream_factory: StreamFactory,
    max_form_memory_size: int | None,
    max_form_parts: int | None,
    block: int = BLOCK,
    min_fill: int = MIN_FILL,
) -> tuple[list[tuple[str, str]], list[tuple[str, FileStorage]]]:
    """The fields and files of the body that `readinto` reads (as a raw stream's readinto: it
    fills a memoryview, returns how much, 0 at the end), each list in the body's order.

    File parts go to `stream_factory(total_content_length=, content_type=, filename=,
    content_length=)`, written as they arrive and rewound at the end, as Werkzeug does. Fields
    over `max_form_memory_size` bytes or more than `max_form_parts` parts: 413. (`block` and
    `min_fill` are BLOCK and MIN_FILL, smaller in tests.)"""
    if not boundary or len(boundary) > MAX_BOUNDARY:
        raise Malformed("a boundary of 1 to 200 bytes is needed")
    parser = _Parser(readinto, boundary, block, min_fill)
    try:
        return _parse(parser, content_length, stream_factory, max_form_memory_size, max_form_parts)
    finally:
        parser.close()


def _parse(parser, content_length, stream_factory, max_form_memory_size, max_form_parts):
    fields: list[tuple[str, str]] = []
    files: list[tuple[str, FileStorage]] = []
    closed = parser.preamble()
    parts = 0
    while not closed:
        headers, floor = parser.headers()
        parts += 1
        if max_form_parts is not None and parts > max_form_parts:
            raise RequestEntityTooLarge()
        name, filename = _disposition(headers)
        if filename is None:
            chunks: list[bytes] = []
            size = [0]

            def keep(view: memoryview, chunks=chunks, size=size) -> None:
                size[0] += len(view)
                if max_form_memory_size is not None and size[0] > max_form_memory_size:
                    raise RequestEntityTooLarge()
                chunks.append(bytes(view))

            closed = parser.data(floor, keep)
            fields.append((name, b"".join(chunks).decode(_charset(headers), "replace")))
        else:
            container = stream_factory(
                total_content_length=content_length,
                content_type=headers.get("content-type"),
                filename=filename,
                content_length=_plain_int(headers.get("content-length")),
            )
            closed = parser.data(floor, parser.later(container.write))
            parser.settle()  # every write of the part done (and any error raised) first
            container.seek(0)
            files.append((name, FileStorage(container, filename, name, headers=headers)))
    parser.drain()
    return fields, files


class _Parser:
    """The body in one of two buffers: `start` is the first byte not yet used, `end` the end of
    what was read. A read moves what must be kept to the front of the other buffer and reads
    after it there, while a thread of the parser's own writes the file's bytes from the first
    (`later`): receiving the next block overlaps writing (and hashing, see Spool) this one."""

    def __init__(
        self, readinto: Callable[[memoryview], int], boundary: bytes, block: int, min_fill: int
    ):
        self.readinto = readinto
        self.min_fill = min_fill
        self.dash = b"--" + boundary
        # Kept back from a block without a delimiter: it may end in the first bytes of one
        # ("\r\n--boundary" less its last byte).
        self.tail = len(self.dash) + 1
        self.buffers = [bytearray(block), bytearray(block)]
        self.buf = self.buffers[0]
        self.view = memoryview(self.buf)
        # Per buffer, the last write from it still under way; writes run in order.
        self.writes: list[Future | None] = [None, None]
        self.last: Future | None = None
        self.writer: ThreadPoolExecutor | None = None
        self.start = self.end = 0
        self.ended = False

    def fill(self, keep: int) -> int:
        """Keep the bytes from `keep` on (moved to the front) and read more after them, at
        least `min_fill` unless the body ends. Returns by how much the kept bytes moved down;
        Malformed when the body has ended or the buffer is full."""
        if self.ended:
            raise Malformed("the body ends too early")
        this = 0 if self.buf is self.buffers[0] else 1
        other = self.buffers[1 - this]
        _done(self.writes[1 - this])  # nothing is still written from it
        other[: self.end - keep] = self.view[keep : self.end]
        self.buf, self.view = other, memoryview(other)
        self.start, self.end = max(self.start - keep, 0), self.end - keep
        if self.end == len(self.buf):
            raise Malformed("a part's headers or a boundary line do not end")
        got = 0
        while got < self.min_fill and self.end < len(self.buf):
            n = self.readinto(self.view[self.end :])
            if not n:
                self.ended = True
                break
            self.end += n
            got += n
        if not got:
            raise Malformed("the body ends too early")
        return keep

    def after_dash(self, at: int) -> tuple[int, int]:
        """What the bytes from `at` (just after a "--boundary") make of it, and where the
        delimiter line ends."""
        buf, end = self.buf, self.end
        more = NOT_A_DELIMITER if self.ended else NEED_MORE
        if at < end and buf[at] == DASH:  # "--": the last delimiter; the rest is epilogue
            if at + 1 == end:
                return more, at
            return (LAST_PART, at + 2) if buf[at + 1] == DASH else (NOT_A_DELIMITER, at)
        while at < end and buf[at] in BLANKS:
            at += 1
        if at == end:
            return more, at
        if buf[at] == LF:
            return NEXT_PART, at + 1
        if buf[at] != CR:
            return NOT_A_DELIMITER, at
        if at + 1 == end:  # CR alone, or the first half of CRLF
            return (NEXT_PART, at + 1) if self.ended else (NEED_MORE, at)
        return NEXT_PART, at + 2 if buf[at + 1] == LF else at + 1

    def preamble(self) -> bool:
        """Skip to the end of the first delimiter line; True when it is the last one."""
        search = self.start
        while True:
            found = self.buf.find(self.dash, search, self.end)
            if found < 0:
                keep = max(self.start, self.end - self.tail)
            else:
                kind, after = self.after_dash(found + len(self.dash))
                if kind in (NEXT_PART, LAST_PART):
                    self.start = after
                    return kind == LAST_PART
                if kind == NOT_A_DELIMITER:
                    search = found + 1
                    continue
                keep = found
            self.fill(keep)
            search = self.start = 0

    def headers(self) -> tuple[Headers, int]:
        """The part's headers, up to its blank line; returns them and the index of that blank
        line's second line break, the `floor` of `data`."""
        while True:
            match = BLANK_LINE_RE.search(self.buf, self.start, self.end)
            if match is not None:
                headers = _parse_headers(self.buf[self.start : match.start()])
                self.start = (match.start() + match.end()) // 2
                return headers, self.start
            self.fill(self.start)

    def data(self, floor: int, write: Callable[[memoryview], Any]) -> bool:
        """Pass a part's data to `write` up to the next delimiter; True when it was the last
        one. The data begins after the line break at `floor`; the delimiter's own line break
        may begin at `floor` at the earliest (an empty part: the blank line's second line
        break is the delimiter's first)."""
        while self.end - floor < 2 and not self.ended:
            floor -= self.fill(floor)
        pos = floor + _break_length(self.buf, floor, self.end)
        dash, buf, view = self.dash, self.buf, self.view
        search = pos
        while True:
            found = buf.find(dash, search, self.end)
            if found < 0:
                safe = self.end - self.tail
                if safe > pos:
                    write(view[pos:safe])
                    pos = floor = safe
                keep = min(floor, pos)
            else:
                begin = _line_start(buf, found, floor)
                kind, after = (
                    self.after_dash(found + len(dash)) if begin >= 0 else (NOT_A_DELIMITER, 0)
                )
                if kind == NOT_A_DELIMITER:
                    search = found + 1
                    continue
                if begin > pos:
                    write(view[pos:begin])
                    pos = begin
                if kind != NEED_MORE:
                    self.start = after
                    return kind == LAST_PART
                floor = keep = begin
            moved = self.fill(keep)
            buf, view = self.buf, self.view  # the other buffer now
            pos, floor, search = pos - moved, floor - moved, keep - moved

    def later(self, write: Callable[[memoryview], Any]) -> Callable[[memoryview], None]:
        """`write` in the parser's thread: a view of the buffer stays valid until the buffer
        is read into again, which waits for it (`fill`)."""

        def write_later(view: memoryview) -> None:
            _done(self.last if self.last is not None and self.last.done() else None)
            if self.writer is None:
                self.writer = ThreadPoolExecutor(1, thread_name_prefix="multipart-write")
            self.last = self.writer.submit(write, view)
            self.writes[0 if self.buf is self.buffers[0] else 1] = self.last

        return write_later

    def settle(self) -> None:
        """Wait for every write; raise what one raised (a full disk: OSError)."""
        _done(self.last)

    def close(self) -> None:
        if self.writer is not None:
            self.writer.shutdown(cancel_futures=True)  # waits for the write under way
            self.writer = None

    def drain(self) -> None:
        """Read the epilogue to the end of the body (ignored, as Werkzeug ignores it)."""
        self.settle()
        while not self.ended:
            if not self.readinto(self.view):
                self.ended = True


def _done(write: "Future | None") -> None:
    if write is not None:
        write.result()


def _line_start(buf: bytearray, found: int, floor: int) -> int:
    """Where the line break before a "--boundary" at `found` begins (CRLF, LF or CR), not
    before `floor`; -1 when there is none."""
    if found - 2 >= floor and buf[found - 2] == CR and buf[found - 1] == LF:
        return found - 2
    if found - 1 >= floor and buf[found - 1] in (CR, LF):
        return found - 1
    return -1


def _break_length(buf: bytearray, at: int, end: int) -> int:
    """The length of the line break at `at` that a part's data follows."""
    if at < end and buf[at] == CR:
        return 2 if at + 1 < end and buf[at + 1] == LF else 1
    if at < end and buf[at] == LF:
        return 1
    raise Malformed("a part's data does not follow a line break")


def _parse_headers(block: bytes | bytearray) -> Headers:
    """A part's header lines as Werkzeug reads them (continuations joined, UTF-8)."""
    headers = []
    for line in HEADER_CONTINUATION_RE.sub(b" ", block).splitlines():
        line = line.strip(b" \t")
        if line:
            name, _, value = line.decode().partition(":")
            headers.append((name.strip(" \t"), value.strip(" \t")))
    return Headers(headers)


def _disposition(headers: Headers) -> tuple[Any, str | None]:
    if "content-disposition" not in headers:
        raise Malformed("a part without Content-Disposition")
    _, options = parse_options_header(headers["content-disposition"])
    return options.get("name"), options.get("filename")


def _charset(headers: Headers) -> str:
    """A field's charset from its Content-Type, among those Werkzeug allows; else UTF-8."""
    content_type = headers.get("content-type")
    if content_type:
        charset = parse_options_header(content_type)[1].get("charset", "").lower()
        if charset in {"ascii", "us-ascii", "utf-8", "iso-8859-1"}:
            return charset
    return "utf-8"


def _plain_int(value: str | None) -> int:
    value = (value or "").strip()
    return int(value) if value.isascii() and value.isdigit() else 0
