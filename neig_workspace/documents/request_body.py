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

from . import service

#: Bodies up to this size stay in memory, as Werkzeug's default does.
IN_MEMORY = 500 * 1024


class SpoolingRequest(Request):
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
