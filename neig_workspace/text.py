"""Text normalisers shared by forms and services."""


def single_line(value):
    """Names and titles are one line: control characters (CR, LF, NUL, …) are dropped."""
    if not isinstance(value, str):
        return value
    return "".join(ch for ch in value if ch.isprintable()).strip()
