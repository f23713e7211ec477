"""The item list's filter selects write their options themselves (hundreds of organisations):
the HTML must be exactly WTForms' own, escaping and selection included."""

import pytest
from werkzeug.datastructures import MultiDict
from wtforms import Form, SelectField

from neig_workspace.actions.forms import QuickSelect
from neig_workspace.integers import int_or_none

CHOICES = [
    ("", "alle organisaties"),
    (1, 'A & "B" <script>'),
    (2, "Gemeente 's-Hertogenbosch"),
    (3, ""),
    ("x<&'", "a text value"),
]


class WTFormsOwn(Form):
    choice = SelectField(coerce=int_or_none, validate_choice=False)


class Quick(Form):
    choice = SelectField(coerce=int_or_none, validate_choice=False, widget=QuickSelect())


@pytest.mark.one_database("pure rendering, no database")
@pytest.mark.parametrize("chosen", [{}, {"choice": "2"}, {"choice": ""}, {"choice": "x"}])
def test_the_quick_select_renders_what_wtforms_renders(chosen):
    own, quick = WTFormsOwn(MultiDict(chosen)), Quick(MultiDict(chosen))
    own.choice.choices = quick.choice.choices = CHOICES
    html = str(quick.choice(class_="utrecht-select"))
    assert html == str(own.choice(class_="utrecht-select"))
    assert "&lt;script&gt;" in html and "<script>" not in html


@pytest.mark.one_database("pure rendering, no database")
def test_an_option_with_attributes_of_its_own_is_left_to_wtforms():
    own, quick = WTFormsOwn(), Quick()
    choices = [(1, "een", {"disabled": True}), (True, "ja")]
    own.choice.choices = quick.choice.choices = choices
    assert str(quick.choice()) == str(own.choice())


@pytest.mark.one_database("pure rendering, no database")
def test_the_quick_select_keeps_the_field_macros_attributes():
    """The form macro passes aria attributes and `required=False`; they stay as WTForms writes
    them, and the options come from the plain (value, label) list without WTForms' Choices."""
    own, quick = WTFormsOwn(MultiDict({"choice": "3"})), Quick(MultiDict({"choice": "3"}))
    own.choice.choices = quick.choice.choices = CHOICES
    attrs = {"aria-describedby": "choice-hint", "required": False, "aria-required": "true"}
    html = str(quick.choice(class_="utrecht-select", **attrs))
    assert html == str(own.choice(class_="utrecht-select", **attrs))
    assert '<option selected value="3">3</option>' in html
