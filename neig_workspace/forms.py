"""Form pieces shared by every feature."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from markupsafe import Markup, escape
from wtforms import SelectMultipleField, StringField, TextAreaField, widgets
from wtforms.validators import DataRequired, Email, Length
from wtforms.widgets import core as wtforms_widgets

from .errors import ServiceError, roll_back_refusal

#: WTForms' own, as imported (the tests compare the two).
WTFORMS_HTML_PARAMS = wtforms_widgets.html_params


def quick_html_params(**kwargs) -> Markup:
    """WTForms' `html_params`, the same HTML: each attribute as `key="value"` (the value escaped,
    a `"` in Markup as `&quot;`), `True` as the bare key, `False` left out, sorted by key.
    WTForms writes each through `Markup.format`, whose formatter is Python code: every field
    of a page paid some hundred calls for its few attributes."""
    params = []
    for key, value in sorted(kwargs.items()):
        key = escape(wtforms_widgets.clean_key(key))
        if value is True:
            params.append(key)
        elif value is not False:
            params.append(f'{key}="{str(escape(value)).replace(chr(34), "&quot;")}"')
    # the keys and values were escaped just above, as WTForms escapes them
    return Markup(" ".join(params))  # noqa: S704  # nosec B704


#: What markupsafe's `escape` writes for each character it escapes, for `str.translate`.
HTML_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", "'": "&#39;", '"': "&#34;"})


def escaped(value) -> str:
    """markupsafe's `escape`, for a plain string in one `str.translate` (a list of hundreds)."""
    return value.translate(HTML_ESCAPES) if type(value) is str else escape(value)


def option_tags(choices, selected) -> Markup:
    """`<option value="…">…</option>` for each (value, label) of a filter's list of hundreds
    (organisations, actions), the one equal to `selected` marked: what the template's loop
    wrote, escaped the same way, without its calls per option."""
    tags = [
        f'<option value="{escaped(value)}"{" selected" if value == selected else ""}>'
        f"{escaped(label)}</option>"
        for value, label in choices
    ]
    # every value and label was escaped just above, as the template escaped them
    return Markup("".join(tags))  # noqa: S704  # nosec B704


def install_quick_html_params() -> None:
    """Every WTForms widget and label writes its attributes through `quick_html_params`: the
    module's function, the package's name for it (labels) and the copies the input and button
    widgets keep as a class attribute."""
    wtforms_widgets.html_params = quick_html_params
    widgets.html_params = quick_html_params
    for widget in (wtforms_widgets.Input, wtforms_widgets.Button):
        widget.html_params = staticmethod(quick_html_params)


class ActionForm(FlaskForm):
    """A form with only a CSRF token, behind every state-changing button."""


def email_field(label=None) -> StringField:
    return StringField(
        label or _l("E-mailadres"),
        validators=[
            DataRequired(message=_l("Vul een e-mailadres in.")),
            Email(
                message=_l("Vul een geldig e-mailadres in, zoals naam@gemeente.nl."),
                check_deliverability=False,
            ),
            Length(max=254),
        ],
        filters=[_strip],
        render_kw={"autocomplete": "email", "spellcheck": "false"},
    )


def title_field(max_length: int = 300) -> StringField:
    """The title of a document, an action item: required, one label everywhere."""
    return StringField(
        _l("Titel"), validators=[required(_l("Vul een titel in.")), too_long(max_length)]
    )


def description_field(max_length: int = 5000) -> TextAreaField:
    """The optional description of a document, a plan, an item, a space."""
    return TextAreaField(_l("Omschrijving"), validators=[too_long(max_length)])


def too_long(max_length: int) -> Length:
    """A maximum length (the input's maxlength too) that says how much is too much: text can
    still arrive longer than the browser allows (line ends count twice, a script)."""
    return Length(max=max_length, message=_l("Gebruik hoogstens %(max)d tekens (nu %(length)d)."))


def _strip(value):
    # A pasted address often carries spaces around it; they are never part of it.
    return value.strip() if isinstance(value, str) else value


def required(message) -> DataRequired:
    return DataRequired(message=message)


class MultiCheckboxField(SelectMultipleField):
    """A multiple choice shown as a group of checkboxes (clearer than a multi-select list)."""

    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


def form_error(form, error: ServiceError):
    """Put a service's refusal next to its field, or above the form."""
    field = getattr(form, error.field, None) if error.field else None
    if field is not None:
        field.errors = (
            [*field.errors, error.message] if isinstance(field.errors, list) else [error.message]
        )
    else:
        form.form_errors.append(error.message)


class _Refused:
    """What `run_use_case` returns when the service refused (a use case may return None)."""

    def __repr__(self) -> str:
        return "REFUSED"


REFUSED = _Refused()


def run_use_case(form, call, *, success=None, on_refusal=None, keep=None):
    """One use case, one transaction: run `call()`; commit and flash `success`, or roll back
    and show the service's refusal: next to its field in `form`, or, for a button without a
    form (`form` None), flashed as an error. `on_refusal(error)` runs after the rollback to
    record the refusal (a failed second factor, an infected upload); what it writes is
    committed on its own. `success` may be a function of call()'s result (a count, a name).
    `keep(result)` false (a dry run, a file with errors) rolls back and shows nothing.
    Returns call()'s result, or REFUSED."""
    from flask import flash

    from .extensions import db

    try:
        result = call()
    except ServiceError as error:
        roll_back_refusal(error)
        for each in getattr(error, "errors", None) or [error]:  # a refusal may name several
            if form is None:
                flash(each.message, "error")
            else:
                form_error(form, each)
        if on_refusal is not None:
            on_refusal(error)
            db.session.commit()
        return REFUSED
    if keep is not None and not keep(result):
        db.session.rollback()  # checked, nothing kept
        return result
    db.session.commit()
    message = success(result) if callable(success) else success
    if message:
        flash(message, "success")
    return result


def commit_side_effect(call, *args, **kwargs):
    """What a page records when it is read (a visit, a view count, an audited read or export),
    or a refusal records after its rollback: run `call(*args, **kwargs)` and commit it; returns
    its result. Not for a use case that may refuse.

    Committed at once (an audited read holds the audit chain's lock until then), but without
    expiring what the request loaded: the rest of the page goes on with the account, its
    session record and memberships and the object read as they were loaded, as a page that
    commits nothing does, instead of reading each again."""
    from .extensions import db

    result = call(*args, **kwargs)
    session = db.session()
    session.expire_on_commit = False
    try:
        session.commit()
    finally:
        session.expire_on_commit = True
    return result
