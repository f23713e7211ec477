"""Labels in the reader's language, translated once per language rather than once per row.

A module's labels are lazy strings (`lazy_gettext`): each time a template writes one, it is
translated anew, some sixty calls. A list that shows a status or a kind on every row asks for
`translated(LABELS)` instead: a plain dictionary of strings, made once per language and
process (the labels change only with a new release)."""

from flask_babel import get_locale

#: (id of a labels dictionary, language) -> that dictionary translated.
_TRANSLATED: dict[tuple[int, str], dict] = {}


def translated(lazy_labels: dict) -> dict:
    """`lazy_labels` (a module-level dictionary of lazy strings) in the request's language."""
    key = (id(lazy_labels), str(get_locale()))
    table = _TRANSLATED.get(key)
    if table is None:
        table = _TRANSLATED[key] = {code: str(text) for code, text in lazy_labels.items()}
    return table
