"""Log formatting that user input cannot forge (ASVS 16.4.1)."""

import logging


class SafeFormatter(logging.Formatter):
    """Escape CR and LF so a value typed by a user can never start a new log line."""

    def format(self, record: logging.LogRecord) -> str:
        text = super().format(record)
        return text.replace("\r", "\\r").replace("\n", "\\n")
