"""What a browser would send back from an edit form, read from the page's HTML: every field as
rendered (the hidden version fields included), checked boxes only, the selected options, and a
textarea's text with the line ends a browser sends (CR LF)."""

from html.parser import HTMLParser

TEXT_INPUTS = {"hidden", "text", "email", "date", "time", "datetime-local", "number", "url", "tel"}


class _EditForm(HTMLParser):
    """The fields of every form on the page."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms: list[list[tuple[str, str]]] = []
        self.fields = None  # the form being read
        self.select = None  # (name, multiple, options: [(value, selected)])
        self.option = None
        self.textarea = None  # [name, text]

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self.fields = []
            self.forms.append(self.fields)
        elif self.fields is None:
            return
        elif tag == "input":
            self._input(a)
        elif tag == "select":
            self.select = (a.get("name"), "multiple" in a, [])
        elif tag == "option" and self.select is not None:
            self.option = [a.get("value"), "selected" in a, ""]
            self.select[2].append(self.option)
        elif tag == "textarea":
            self.textarea = [a.get("name"), ""]

    def _input(self, a):
        kind = a.get("type", "text")
        if kind in TEXT_INPUTS:
            self.fields.append((a["name"], a.get("value", "")))
        elif kind in ("checkbox", "radio") and "checked" in a:
            self.fields.append((a["name"], a.get("value", "on")))

    def handle_data(self, data):
        if self.textarea is not None:
            self.textarea[1] += data
        elif self.option is not None:
            self.option[2] += data

    def handle_endtag(self, tag):
        if tag == "form":
            self.fields = None
        elif tag == "option":
            self.option = None
        elif tag == "select" and self.select is not None:
            self._choose(*self.select)
            self.select = None
        elif tag == "textarea" and self.textarea is not None:
            name, text = self.textarea
            text = text.replace("\r\n", "\n")
            text = text[1:] if text.startswith("\n") else text  # HTML drops the first newline
            self.fields.append((name, text.replace("\n", "\r\n")))
            self.textarea = None

    def _choose(self, name, multiple, options):
        chosen = [o for o in options if o[1]] or ([] if multiple else options[:1])
        for value, _selected, text in chosen:
            self.fields.append((name, value if value is not None else text))


def edit_form(client, path: str) -> dict:
    """GET `path` and return its edit form's fields, as a browser would post them unchanged
    (a name with several values maps to a list)."""
    response = client.get(path)
    assert response.status_code in (200, 409), f"{path}: {response.status_code}"
    return edit_form_of(response.get_data(as_text=True))


def edit_form_of(html: str) -> dict:
    parser = _EditForm()
    parser.feed(html)
    # The form with a version (editing.py); on a page without one, its largest form.
    form = max(parser.forms, key=lambda f: (any(name == "version" for name, _ in f), len(f)))
    fields: dict = {}
    for name, value in form:
        if name in fields:
            fields[name] = [*_as_list(fields[name]), value]
        else:
            fields[name] = value
    return fields


def _as_list(value) -> list:
    return value if isinstance(value, list) else [value]
