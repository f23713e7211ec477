"""Log lines that user input cannot forge (ASVS 16.4.1), as text or as one JSON object per line,
each carrying the id of the request it belongs to, and never a secret from a URL.

`LOG_FORMAT=json` (the production default) writes one object per line with `time`, `level`,
`logger`, `message`, `request_id` and `process`; the access line of each request adds `method`,
`path`, `endpoint`, `status`, `duration_ms` and `user_id` (neig_workspace/web/observability.py).
"""

import json
import logging
import re
import sys
from datetime import UTC, datetime

from flask import has_request_context, request

LOG_FORMATS = ("json", "text")
#: Where the WSGI middleware (web/observability.py) keeps the request's id, so every record of
#: the request finds it, also those of the error pages and of hooks that run before routing.
REQUEST_ID_ENVIRON_KEY = "neig.request_id"
#: The attribute of a record holding fields of its own (the access line's), merged into JSON.
FIELDS_ATTRIBUTE = "neig_fields"
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(request_id)s]: %(message)s"

#: Every character a log reader may take for a line break, and the backslash that escapes them.
_ESCAPES = str.maketrans(
    {
        "\\": "\\\\",
        "\r": "\\r",
        "\n": "\\n",
        "\v": "\\v",
        "\f": "\\f",
        "\x85": "\\x85",
        "\u2028": "\\u2028",
        "\u2029": "\\u2029",
    }
)

#: URL variables that are no secret and say what was asked for: an id is an `<int:…>`
#: (IdConverter), a static file's name and a directory organisation's slug are public.
_PUBLIC_URL_VARIABLES = frozenset({"filename", "slug"})
_RULE_VARIABLE = re.compile(r"<(?:[^<>:]+:)?(\w+)>")
#: In a path that matched no route: a whole segment that looks like a token, 16 characters or
#: more with a digit, a capital or an underscore (the app's own path segments are lower-case
#: Dutch words).
_TOKEN_LIKE_SEGMENT = re.compile(r"(?<=/)(?=[^/]*[A-Z0-9_%])[^/]{16,}(?=/|$)")
MAX_LOGGED_PATH = 200
#: Shorter URL variables are not taken out of messages (a token is far longer).
MIN_SECRET_LENGTH = 8


class SafeFormatter(logging.Formatter):
    """Escape line breaks so a value typed by a user can never start a new log line."""

    def format(self, record: logging.LogRecord) -> str:
        if not hasattr(record, "request_id"):  # a record that did not pass RequestFilter
            record.request_id = "-"
        return super().format(record).translate(_ESCAPES)


class JsonFormatter(SafeFormatter):
    """One JSON object per line: json.dumps escapes every line break (and, with ensure_ascii,
    U+2028 and U+2029), so user input cannot start a line of its own either. A SafeFormatter
    in what it promises, though it needs none of its escaping."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": _request_id(record),
            "process": record.process,
        }
        entry.update(getattr(record, FIELDS_ATTRIBUTE, None) or {})
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=True, default=str)


def _request_id(record: logging.LogRecord) -> str | None:
    """null outside a request (a command, gunicorn's own lines)."""
    request_id = getattr(record, "request_id", None)
    return None if request_id == "-" else request_id


class RequestFilter(logging.Filter):
    """Adds the request id to every record written during a request ("-" outside one), and
    takes out of its message the secrets a URL may hold: the request's own path where it
    differs from its loggable form (Flask's "Exception on <path>" line, for one), and the
    values of its secret URL variables."""

    def filter(self, record: logging.LogRecord) -> bool:
        # The message is made once, here: its arguments (an exception with its traceback, and
        # the frames' open files) are not kept alive by whoever holds on to the record.
        record.request_id = "-"
        try:
            message = record.getMessage()
        except (TypeError, ValueError):  # arguments that do not fit: the handler reports it
            return True
        record.msg, record.args = message, None
        if not has_request_context():
            return True
        record.request_id = request.environ.get(REQUEST_ID_ENVIRON_KEY, "-")
        secrets = _secret_values()
        loggable = loggable_path()
        if loggable != request.path:
            secrets = [request.path, *secrets]
        for secret in secrets:
            message = message.replace(secret, loggable if secret == request.path else "<redacted>")
        record.msg = message
        return True


def _secret_values() -> list[str]:
    """The request's URL variables that are neither ids nor public names (tokens, mostly)."""
    values = (request.view_args or {}).items()
    return sorted(
        (
            str(value)
            for name, value in values
            if name not in _PUBLIC_URL_VARIABLES
            and not isinstance(value, int)
            and len(str(value)) >= MIN_SECRET_LENGTH
        ),
        key=len,
        reverse=True,  # a longer value first, in case a shorter one is part of it
    )


def loggable_path() -> str:
    """The request's path fit for a log: without its query string; a secret URL variable (the
    token of a reset, invitation or e-mail change link, an agenda feed's) is shown as its name
    from the route (`/wachtwoord-herstellen/<token>`); in a path that matched no route, a
    segment that looks like a token is replaced by `<redacted>`."""
    rule = request.url_rule
    if rule is None:
        path = _TOKEN_LIKE_SEGMENT.sub("<redacted>", request.path)
    else:
        values = request.view_args or {}
        path = _RULE_VARIABLE.sub(lambda match: _shown_variable(match.group(1), values), rule.rule)
    return path[:MAX_LOGGED_PATH]


def _shown_variable(name: str, values: dict) -> str:
    value = values.get(name)
    if value is not None and (name in _PUBLIC_URL_VARIABLES or isinstance(value, int)):
        return str(value)
    return f"<{name}>"


def log_handler(log_format: str, stream=None) -> logging.Handler:
    """The handler of the app's logs in `log_format` ("json" or "text"), on stderr by default."""
    if log_format not in LOG_FORMATS:
        raise ValueError(f"LOG_FORMAT must be one of {', '.join(LOG_FORMATS)}, not {log_format!r}")
    handler = logging.StreamHandler(stream if stream is not None else sys.stderr)
    handler.setFormatter(JsonFormatter() if log_format == "json" else SafeFormatter(TEXT_FORMAT))
    handler.addFilter(RequestFilter())
    handler.neig_handler = True  # so a later app replaces it rather than adding a second one
    return handler


def configure_logging(log_format: str, stream=None) -> None:
    """The `neig_workspace` logger (the app's, Flask's app.logger among them) writes through
    one handler of ours; an earlier app's is replaced, so an app writes in its own format."""
    from flask.logging import default_handler

    new = log_handler(log_format, stream)  # first: an unknown format leaves the old one
    logger = logging.getLogger("neig_workspace")
    for handler in list(logger.handlers):
        if getattr(handler, "neig_handler", False) or handler is default_handler:
            logger.removeHandler(handler)
    logger.addHandler(new)
    logger.setLevel(logging.INFO)
