"""Every WTForms widget writes its attributes through our quick `html_params`
(neig_workspace/forms.py): the HTML must be exactly WTForms' own, escaping included, for every
kind of attribute a form of ours passes."""

import pytest
from markupsafe import Markup
from werkzeug.datastructures import MultiDict
from wtforms import (
    BooleanField,
    Form,
    HiddenField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.widgets import core

from neig_workspace.forms import WTFORMS_HTML_PARAMS, option_tags, quick_html_params

ATTRIBUTES = [
    {},
    {"name": "q", "id": "q", "class_": "utrecht-textbox"},
    {"value": 'A & "B" <script>', "title": "it's"},
    {"value": Markup('already "marked" &amp; safe'), "data_mentions": "/x?a=1&b=2"},
    {"checked": True, "readonly": False, "required": False, "aria-required": "true"},
    {"aria_describedby": "f-hint f-error", "data-count": "{n} van 200", "for_": "f"},
    {"size": 3, "rows": 0, "maxlength": 200, "value": None},
]


@pytest.mark.one_database("pure rendering, no database")
@pytest.mark.parametrize("attributes", ATTRIBUTES)
def test_the_quick_html_params_write_what_wtforms_writes(attributes):
    assert quick_html_params(**attributes) == WTFORMS_HTML_PARAMS(**attributes)
    assert isinstance(quick_html_params(**attributes), Markup)


class Every(Form):
    text = StringField("Naam <b>", render_kw={"data-x": '"q"'})
    area = TextAreaField("Tekst")
    choice = SelectField(choices=[("a", "A & B"), ("b", 'B "c"')])
    flag = BooleanField("Ja")
    hidden = HiddenField()
    go = SubmitField("Verstuur")


@pytest.mark.one_database("pure rendering, no database")
def test_every_widget_renders_the_same_with_the_quick_html_params(app):
    """`app` installed the quick one; rendering again with WTForms' own must give the same."""
    form = Every(MultiDict({"text": '<x> "y"', "area": "a & b", "choice": "b", "flag": "y"}))
    attrs = {"class_": "c", "aria-describedby": "h"}
    fields = [form.text, form.area, form.choice, form.flag, form.hidden, form.go]
    quick = [str(f(**attrs)) + str(f.label(class_="l")) for f in fields]
    assert core.html_params is quick_html_params
    saved = core.html_params, core.Input.html_params, core.Button.html_params
    import wtforms.widgets

    package_saved = wtforms.widgets.html_params
    try:
        core.html_params = wtforms.widgets.html_params = WTFORMS_HTML_PARAMS
        core.Input.html_params = core.Button.html_params = staticmethod(WTFORMS_HTML_PARAMS)
        own = [str(f(**attrs)) + str(f.label(class_="l")) for f in fields]
    finally:
        core.html_params = saved[0]
        core.Input.html_params, core.Button.html_params = (
            staticmethod(saved[1]),
            staticmethod(saved[2]),
        )
        wtforms.widgets.html_params = package_saved
    assert quick == own


@pytest.mark.one_database("pure rendering, no database")
@pytest.mark.parametrize("selected", [None, 2, "b&c", 99])
def test_option_tags_write_what_the_templates_loop_wrote(app, selected):
    """The admin's organisation filter and the audit log's action filter: hundreds of options
    written in Python, exactly as the template's loop wrote them."""
    choices = [(1, 'A & "B" <script>'), (2, "Gemeente 's-Hertogenbosch"), ("b&c", "x > y")]
    loop = app.jinja_env.from_string(
        '{% for id, name in choices %}<option value="{{ id }}"'
        "{% if selected == id %} selected{% endif %}>{{ name }}</option>{% endfor %}"
    )
    with app.test_request_context("/"):
        own = loop.render(choices=choices, selected=selected)
    assert str(option_tags(choices, selected)) == own
    assert "<script>" not in own
