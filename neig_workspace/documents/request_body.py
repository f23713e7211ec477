"""Where the files of a request body are written while it arrives.

Werkzeug's own choice is an anonymous file in the system's temporary folder. We write them into
the blob store's temporary folder instead: a full store then fails the upload while the body
arrives (answered with 507, see views.py), not only later, and a worker killed mid-upload leaves
a named file there that `flask neig blobs gc` sweeps, where an anonymous file elsewhere could
not be told apart or found at all.
"""

import contextlib
import io

from flask import Request
from werkzeug.formparser import FormDataParser, MultiPartParser

from . import service

#: Bodies up to this size stay in memory, as Werkzeug's default does.
IN_MEMORY = 500 * 1024
#: How much of the body the multipart parser takes at a time.
PARSE_CHUNK = 256 * 1024


class LargeChunkFormDataParser(FormDataParser):
    """Werkzeug's parser, reading the body 256 kB at a time (its default is 64 kB): a quarter of
    the boundary searches and writes for a large file. Not more: under gunicorn a read blocks
    until its whole size has arrived, and what arrived should reach the spool soon (a killed
    worker leaves it there for `blobs gc`, tests/documents/test_faults.py)."""

    def _parse_multipart(self, stream, mimetype, content_length, options):
        parser = MultiPartParser(
            stream_factory=self.stream_factory,
            max_form_memory_size=self.max_form_memory_size,
            max_form_parts=self.max_form_parts,
            cls=self.cls,
            buffer_size=PARSE_CHUNK,
        )
        boundary = options.get("boundary", "").encode("ascii")
        if not boundary:
            raise ValueError("Missing boundary")
        form, files = parser.parse(stream, boundary, content_length)
        return stream, form, files


class SpoolingRequest(Request):
    """File parts go to the blob store's spools (`LocalBlobStore.spool`), hashed as they are
    written, so that storing the upload adopts the file instead of copying it: Flask-WTF's CSRF
    check parses the body before the view runs, and that parse is the upload's only write."""

    form_data_parser_class = LargeChunkFormDataParser

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
