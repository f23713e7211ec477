"""Log formatting that user input cannot forge (ASVS 16.4.1)."""

import logging

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


class SafeFormatter(logging.Formatter):
    """Escape line breaks so a value typed by a user can never start a new log line."""

    def format(self, record: logging.LogRecord) -> str:
        return super().format(record).translate(_ESCAPES)
