"""Where the files of a request body are written while it arrives, and how it is read.

Werkzeug's own choice is an anonymous file in the system's temporary folder. We write them into
the blob store's temporary folder instead: a full store then fails the upload while the body
arrives (answered with 507, see views.py), not only later, and a worker killed mid-upload leaves
a named file there that `flask neig blobs gc` sweeps, where an anonymous file elsewhere could
not be told apart or found at all.

A multipart body is parsed by multipart.py (large blocks, no copies in Python) rather than by
Werkzeug's parser, and under gunicorn it is read straight from the connection's socket
(`GunicornBody`): gunicorn's own reader copies each byte three times through `BytesIO`
buffers, which took as long as writing the file (issue 18).
"""

import contextlib
import io

from flask import Request
from werkzeug.exceptions import ClientDisconnected
from werkzeug.formparser import FormDataParser

from . import multipart, service

#: Bodies up to this size stay in memory, as Werkzeug's default does.
IN_MEMORY = 500 * 1024


class SpoolingFormDataParser(FormDataParser):
    """Werkzeug's form parser with multipart.py for multipart bodies (same results, same
    limits: MAX_FORM_MEMORY_SIZE and MAX_FORM_PARTS answer 413)."""

    def _parse_multipart(self, stream, mimetype, content_length, options):
        boundary = options.get("boundary", "").encode("ascii")
        if not boundary:
            raise ValueError("Missing boundary")
        readinto = stream.readinto if hasattr(stream, "readinto") else _readinto_of(stream)
        fields, files = multipart.parse(
            readinto,
            boundary,
            content_length,
            stream_factory=self.stream_factory,
            max_form_memory_size=self.max_form_memory_size,
            max_form_parts=self.max_form_parts,
        )
        return stream, self.cls(fields), self.cls(files)


def _readinto_of(stream):
    """`readinto` for a stream that only has `read` (what WSGI promises)."""

    def readinto(view: memoryview) -> int:
        data = stream.read(len(view))
        view[: len(data)] = data
        return len(data)

    return readinto


class GunicornBody:
    """A request body of known length under gunicorn, read straight from the socket into the
    parser's buffer (`recv_into`): what gunicorn has read ahead first, then the socket. It
    keeps gunicorn's count of what is left of the body, so gunicorn sees the body as read.

    Only for gunicorn's own classes, checked exactly (a chunked body, or another server, goes
    through `wsgi.input` as before)."""

    def __init__(self, body, reader):
        self._reader = reader
        self._socket = reader.unreader.sock
        unreader = reader.unreader
        # Read by gunicorn already: the body's own buffer (no longer counted in the reader's
        # length), then the reader's read-ahead (counted), which may run past the body into a
        # pipelined request: that part goes back.
        held = body.buf.getvalue()
        body.buf = io.BytesIO()
        ahead = unreader.buf.getvalue()
        unreader.buf = io.BytesIO()
        taken = ahead[: reader.length]
        if len(ahead) > len(taken):
            unreader.unread(ahead[len(taken) :])
        reader.length -= len(taken)
        self._held = memoryview(held + taken)

    @classmethod
    def of(cls, environ) -> "GunicornBody | None":
        try:
            from gunicorn.http.body import Body, LengthReader
            from gunicorn.http.unreader import SocketUnreader
        except ImportError:  # another server
            return None
        body = environ.get("wsgi.input")
        if type(body) is not Body:
            return None
        reader = body.reader
        if type(reader) is not LengthReader or type(reader.unreader) is not SocketUnreader:
            return None
        return cls(body, reader)

    def readinto(self, view: memoryview) -> int:
        if self._held:
            n = min(len(view), len(self._held))
            view[:n] = self._held[:n]
            self._held = self._held[n:]
            return n
        wanted = min(len(view), self._reader.length)
        if wanted <= 0:
            return 0
        try:
            n = self._socket.recv_into(view[:wanted])
        except OSError as error:  # reset, or gunicorn's timeout: as Werkzeug's LimitedStream
            raise ClientDisconnected() from error
        self._reader.length -= n
        return n


class SpoolingRequest(Request):
    """File parts go to the blob store's spools (`LocalBlobStore.spool`), hashed as they are
    written, so that storing the upload adopts the file instead of copying it: Flask-WTF's CSRF
    check parses the body before the view runs, and that parse is the upload's only write."""

    form_data_parser_class = SpoolingFormDataParser

    def _get_stream_for_parsing(self):
        """For a multipart body under gunicorn, the socket itself (GunicornBody) when nothing
        has read the body yet. `self.stream` is still made first: it answers 413 for a
        Content-Length over MAX_CONTENT_LENGTH before anything is read."""
        if (
            self.mimetype == "multipart/form-data"
            and "stream" not in self.__dict__
            and getattr(self, "_cached_data", None) is None
        ):
            self.stream  # noqa: B018 - Werkzeug's checks of the length
            body = GunicornBody.of(self.environ)
            if body is not None:
                return body
        return super()._get_stream_for_parsing()

    def _get_file_stream(
        self, total_content_length, content_type, filename=None, content_length=None
    ):
        if total_content_length is not None and total_content_length <= IN_MEMORY:
            return io.BytesIO()
        spool = service.store().spool()
        self.__dict__.setdefault("_spools", []).append(spool)
        return spool

    def close(self) -> None:
        """Also close (and so remove) spooled files a failed parse never handed over."""
        try:
            super().close()
        finally:
            for spool in self.__dict__.pop("_spools", []):
                # Closing removes the file; on a full disk its last buffered write fails first.
                with contextlib.suppress(OSError):
                    spool.close()
