"""The multipart parser of large uploads (documents/multipart.py) against Werkzeug's: the same
fields and files for any body, however the reads split it; the same refusal of a broken one."""

import io
import itertools
import os

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.formparser import MultiPartParser

from neig_workspace.documents import multipart

pytestmark = pytest.mark.one_database("a parser of bytes, no database")

BOUNDARY = b"----neigGrens7MA4YWxkTrZu0gW"


class Pieces:
    """A body read in pieces of the given sizes (cycled): how a socket hands it over."""

    def __init__(self, body: bytes, sizes=(multipart.BLOCK,)):
        self.body = io.BytesIO(body)
        self.sizes = itertools.cycle(sizes)
        self.reads = 0

    def readinto(self, view: memoryview) -> int:
        self.reads += 1
        return self.body.readinto(view[: min(len(view), next(self.sizes))])


def ours(body: bytes, sizes=(multipart.BLOCK,), boundary=BOUNDARY, **limits):
    """Fields and files (name, filename, content) as our parser reads them, or "malformed".
    Each read is parsed as it comes (`min_fill` 1: the parser does not gather reads)."""
    limits = {"max_form_memory_size": None, "max_form_parts": None, "min_fill": 1, **limits}
    try:
        fields, files = multipart.parse(
            Pieces(body, sizes).readinto,
            boundary,
            len(body),
            stream_factory=lambda **_: io.BytesIO(),
            **limits,
        )
    except ValueError:
        return "malformed"
    return as_werkzeug_orders(fields, [(name, (f.filename, f.read())) for name, f in files])


def as_werkzeug_orders(fields, files):
    """Werkzeug's MultiDict lists the values of a name together, names in order of first use."""
    files = MultiDict(files).items(multi=True)
    return list(MultiDict(fields).items(multi=True)), [(n, f, c) for n, (f, c) in files]


def werkzeugs(body: bytes, boundary=BOUNDARY):
    try:
        form, files = MultiPartParser(buffer_size=64 * 1024).parse(
            io.BytesIO(body), boundary, len(body)
        )
    except ValueError:
        return "malformed"
    return (
        list(form.items(multi=True)),
        [(name, f.filename, f.read()) for name, f in files.items(multi=True)],
    )


def encode(parts, *, line_break=b"\r\n", boundary=BOUNDARY, preamble=b"", epilogue=b""):
    """A body of (name, filename or None, content) parts, as a browser sends it."""
    body = preamble
    for name, filename, content in parts:
        body += b"--" + boundary + line_break
        body += b'Content-Disposition: form-data; name="' + name.encode() + b'"'
        if filename is not None:
            body += b'; filename="' + filename.encode() + b'"' + line_break
            body += b"Content-Type: application/octet-stream"
        body += line_break + line_break + content + line_break
    return body + b"--" + boundary + b"--" + line_break + epilogue


FORM = [
    ("csrf_token", None, b"token-voor"),
    ("files", "a.pdf", b"%PDF-1.7\n" + os.urandom(3000)),
    ("folder", None, b"0"),
    ("files", "b.pdf", b"%PDF-1.7\nook"),
    ("classification", None, b"intern"),
]


def test_fields_before_and_after_several_files_read_in_any_piece_size():
    body = encode(FORM)
    expected = werkzeugs(body)
    assert expected[0] == [
        ("csrf_token", "token-voor"),
        ("folder", "0"),
        ("classification", "intern"),
    ]
    assert [(n, f, c) for n, f, c in expected[1]] == [(n, f, c) for n, f, c in FORM if f]
    for size in (1, 2, 3, 7, 64, 1000, len(body)):
        assert ours(body, (size,)) == expected, f"read {size} bytes at a time"


def test_a_boundary_split_at_every_place_between_two_reads():
    # Contents that end in the first bytes of a delimiter, so a split anywhere near one
    # leaves a partial delimiter at the end of a read.
    body = encode(
        [
            ("a", "a.txt", b"x\r"),
            ("b", "b.txt", b"\r\n-"),
            ("c", None, b"\r\n--" + BOUNDARY[:-1]),
            ("d", "d.txt", b"\r\n\r\n"),
        ]
    )
    expected = werkzeugs(body)
    assert expected != "malformed"
    for split in range(1, len(body)):
        assert ours(body, (split, len(body))) == expected, f"split after byte {split}"


@pytest.mark.parametrize(
    "content",
    [
        pytest.param(b"\r\n--" + BOUNDARY + b"x", id="the boundary and more, after CRLF"),
        pytest.param(b"x--" + BOUNDARY + b"\r\n", id="the boundary and CRLF, no line break before"),
        pytest.param(b"\r\n--" + BOUNDARY[:-1] + b"\r\n", id="the boundary less a byte"),
        pytest.param(b"\r\n-" + BOUNDARY + b"\r\n", id="one dash only"),
        pytest.param((b"\r\n--" + BOUNDARY[:10]) * 5000, id="many false starts"),
    ],
)
def test_a_boundary_like_string_inside_a_file_is_content(content):
    body = encode([("files", "x.bin", content), ("na", None, b"ja")])
    result = ours(body, (5,))
    assert result == werkzeugs(body)
    assert result == ([("na", "ja")], [("files", "x.bin", content)])


@pytest.mark.parametrize(
    ("line_break", "content"),
    [
        (b"\r\n", b""),
        (b"\r\n", b"\r\n"),
        (b"\r\n", b"\r"),
        (b"\r\n", b"\n\n"),
        (b"\n", b"alleen LF"),  # some clients send bare LF; Werkzeug accepts it, and so do we
        (b"\n", b""),
        (b"\r", b"alleen CR"),
    ],
)
def test_line_break_edge_cases_as_werkzeug_reads_them(line_break, content):
    body = encode([("files", "x.bin", content), ("veld", None, content)], line_break=line_break)
    expected = werkzeugs(body)
    assert expected == ([("veld", content.decode())], [("files", "x.bin", content)])
    for size in (1, 2, 3, 1000):
        assert ours(body, (size,)) == expected


def test_blanks_after_a_boundary_a_preamble_and_an_epilogue_are_allowed():
    body = encode(FORM, preamble=b"dit negeert de parser\r\n", epilogue=b"en dit ook")
    body = body.replace(b"--" + BOUNDARY + b"\r\n", b"--" + BOUNDARY + b" \t\r\n", 1)
    assert ours(body, (3,)) == werkzeugs(body) != "malformed"


def test_an_empty_file_and_an_empty_form():
    assert ours(encode([("files", "leeg.pdf", b"")])) == ([], [("files", "leeg.pdf", b"")])
    empty = b"--" + BOUNDARY + b"--\r\n"
    assert ours(empty) == werkzeugs(empty) == ([], [])


@pytest.mark.parametrize(
    "body",
    [
        pytest.param(b"", id="empty body"),
        pytest.param(b"geen grens hier", id="no boundary"),
        pytest.param(encode(FORM)[:-8], id="cut before the last delimiter ends"),
        pytest.param(encode(FORM)[:200], id="cut inside a file"),
        pytest.param(b"--" + BOUNDARY + b"\r\nContent-Disposition: form-data", id="cut in headers"),
        pytest.param(
            b"--" + BOUNDARY + b"\r\nX-Iets: 1\r\n\r\ninhoud\r\n--" + BOUNDARY + b"--\r\n",
            id="no Content-Disposition",
        ),
        pytest.param(encode(FORM, boundary=b"een-andere-grens"), id="another boundary"),
    ],
)
def test_a_malformed_or_truncated_body_is_refused_as_werkzeug_refuses_it(body):
    assert ours(body) == werkzeugs(body) == "malformed"


def test_a_boundary_over_200_bytes_is_refused():
    body = encode(FORM, boundary=b"x" * 201)
    assert ours(body, boundary=b"x" * 201) == "malformed"


def test_the_form_limits_answer_413():
    body = encode([("veld", None, b"x" * 1001)])
    assert ours(body, max_form_memory_size=1001) != "malformed"
    with pytest.raises(RequestEntityTooLarge):
        ours(body, max_form_memory_size=1000)
    with pytest.raises(RequestEntityTooLarge):
        ours(encode(FORM), max_form_parts=4)
    assert ours(encode(FORM), max_form_parts=5) != "malformed"


class Recording(io.BytesIO):
    def __init__(self):
        super().__init__()
        self.writes = []

    def write(self, data):
        self.writes.append((type(data), len(data)))
        return super().write(data)


def test_a_large_file_reaches_its_file_in_a_few_large_writes_of_memoryviews():
    """What makes it fast: the file gets views of the parser's buffer, a block at a time, not
    a copy per 64 kB as from Werkzeug's parser."""
    content = os.urandom(5 * multipart.BLOCK + 12345)
    body = encode([("files", "groot.bin", content)])
    made = []
    fields, files = multipart.parse(
        Pieces(body, (64 * 1024,)).readinto,  # a socket's pieces are small: gathered first
        BOUNDARY,
        len(body),
        stream_factory=lambda **_: made.append(Recording()) or made[-1],
        max_form_memory_size=None,
        max_form_parts=None,
    )  # with the real MIN_FILL
    assert files[0][1].read() == content
    [file] = made
    assert {kind for kind, _ in file.writes} == {memoryview}
    assert len(file.writes) <= len(content) // multipart.MIN_FILL + 2
    # Less only by the headers (in the first) and a partial delimiter kept back (in each).
    assert min(size for _, size in file.writes[:-1]) >= multipart.MIN_FILL - 1024


# --- compared with Werkzeug on random bodies ---------------------------------------------------

# Content made of what delimiters are made of, so that near-delimiters are common.
pieces = st.sampled_from(
    [
        b"\r",
        b"\n",
        b"\r\n",
        b"-",
        b"--",
        b" ",
        b"a",
        b"\x00\xff",
        BOUNDARY[:5],
        BOUNDARY,
        b"\r\n--" + BOUNDARY[:-1],
        b"--" + BOUNDARY + b"x",
        "é".encode(),
    ]
)
content = st.lists(pieces, max_size=12).map(b"".join)
name = st.text("abcxyz_", min_size=1, max_size=6)
part = st.tuples(name, st.one_of(st.none(), name.map(lambda n: n + ".bin")), content)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    parts=st.lists(part, max_size=5),
    line_break=st.sampled_from([b"\r\n", b"\r\n", b"\n"]),
    epilogue=st.sampled_from([b"", b"\r\n", b"rest"]),
    cut=st.one_of(st.none(), st.integers(min_value=0)),
    sizes=st.lists(st.integers(min_value=1, max_value=80), min_size=1, max_size=6),
    block=st.sampled_from([256, 1024, multipart.BLOCK]),
)
def test_the_same_result_as_werkzeug_on_random_bodies_split_at_random(
    parts, line_break, epilogue, cut, sizes, block
):
    body = encode(parts, line_break=line_break, epilogue=epilogue)
    if cut is not None:
        body = body[: cut % (len(body) + 1)]  # truncated somewhere, or not at all
    # A small buffer: moved to its front and refilled often (256 bytes hold any part's headers)
    assert ours(body, sizes, block=block) == werkzeugs(body)


class Full(io.BytesIO):
    """A file on a full disk: the second write fails."""

    def write(self, data):
        if self.tell():
            raise OSError(28, "No space left on device")
        return super().write(data)


def test_a_failed_write_is_raised_by_the_parse_and_its_thread_ends():
    """The file's bytes are written by a thread of the parser's own while it reads on; what
    that write raises (a full disk: 507) still comes out of the parse, and no thread is left."""
    import threading

    body = encode([("files", "vol.bin", os.urandom(3 * multipart.MIN_FILL)), ("na", None, b"x")])
    with pytest.raises(OSError, match="No space left"):
        multipart.parse(
            Pieces(body, (64 * 1024,)).readinto,
            BOUNDARY,
            len(body),
            stream_factory=lambda **_: Full(),
            max_form_memory_size=None,
            max_form_parts=None,
            min_fill=1,
        )
    assert not [t for t in threading.enumerate() if t.name.startswith("multipart-write")]
    assert ours(body, (1000,)) == werkzeugs(body)
    assert not [t for t in threading.enumerate() if t.name.startswith("multipart-write")]
