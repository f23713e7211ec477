"""Long input is never cut silently: every free-text field of every form has a maximum, and its
input carries that maximum as `maxlength` (the counter in app.js reads it), so the browser and
the server agree on it."""

import importlib
import inspect
import pkgutil

import pytest
from flask_wtf import FlaskForm
from wtforms import StringField, TextAreaField
from wtforms.validators import Length

import neig_workspace

#: Free-text fields without a Length, and what bounds them instead.
WITHOUT_LENGTH = {
    ("ApplicationForm", "phone"): "its pattern allows at most 25 characters",
    ("ApplicationForm", "website"): "the honeypot: any input refuses the form",
    ("CaseFilterForm", "q"): "a search box; the query reads at most 200 characters",
}
#: Not typed text: hidden values, passwords (their own rule), a time parsed as HH:MM.
NOT_FREE_TEXT = {"HiddenField", "PasswordField", "IncidentTimeField"}


def _forms():
    for module in pkgutil.walk_packages(neig_workspace.__path__, "neig_workspace."):
        if "form" not in module.name.rsplit(".", 1)[-1]:
            continue
        loaded = importlib.import_module(module.name)
        for _name, cls in inspect.getmembers(loaded, inspect.isclass):
            if issubclass(cls, FlaskForm) and cls.__module__ == module.name:
                yield cls


def _text_fields(form_class):
    for name in dir(form_class):
        unbound = getattr(form_class, name, None)
        field_class = getattr(unbound, "field_class", None)
        if inspect.isclass(field_class) and issubclass(field_class, StringField | TextAreaField):
            yield name, unbound


@pytest.mark.one_database("reads form classes; no queries")
def test_every_free_text_field_has_a_maximum_that_its_input_carries(app):
    missing, unmarked = [], []
    with app.test_request_context():
        for form_class in _forms():
            form = form_class(meta={"csrf": False})
            for name, _unbound in _text_fields(form_class):
                field = form[name]
                if field.type in NOT_FREE_TEXT:
                    continue
                lengths = [v for v in field.validators if isinstance(v, Length) and v.max >= 0]
                if not lengths:
                    if (form_class.__name__, name) not in WITHOUT_LENGTH:
                        missing.append(f"{form_class.__name__}.{name}")
                    continue
                html = str(field())
                if f'maxlength="{min(v.max for v in lengths)}"' not in html:
                    unmarked.append(f"{form_class.__name__}.{name}: {html[:80]}")
    assert not missing, f"free text without a maximum (cut or stored whole?): {missing}"
    assert not unmarked, f"a maximum the input does not carry: {unmarked}"


@pytest.mark.one_database("a pure check of the list above")
def test_the_exceptions_still_exist(app):
    names = {(cls.__name__, name) for cls in _forms() for name, _ in _text_fields(cls)}
    assert set(WITHOUT_LENGTH) <= names
