"""Optimistic locking of the edit forms: a save never silently undoes a change it did not see.

Every edited row carries a version (`db_types.Versioned`). An edit form carries, in two hidden
fields, the version it was loaded with and a digest of each value it showed. A save locks the
row, reads it again and compares, per field:

- *mine*: the typed value differs from the one loaded;
- *theirs*: the stored value differs from the one loaded (someone saved in between).

When no field is in both with different values, the save goes ahead with only my fields (the
others keep the stored value) and says whose changes it kept. That is exactly the two saves done
one after the other, and it is what people expect when one sets the status and another the due
date. When a field is in both, nothing is saved: the page answers 409 and shows, per field the
other changed, the stored value next to the typed one; the form keeps the input (taking the
other's value where I had not changed the field) and is now at the current version, so saving
again writes the input over the current version. A form without the digests (a page from
before this, a script) saves only at the current version; at an older one it gets the conflict
page wherever its values differ from the stored ones.

Every other write of a versioned row checks the version too (SQLAlchemy's version_id_col): one
that lost a race answers a Dutch 409 page (web/__init__.py), never a 500 or a silent overwrite.

Only values the page shows are digested (never a secret or the hidden full address): the digests
tell nothing the reader does not see already. Forging them only lets a user overwrite changes
they could overwrite anyway by reloading the form.
"""

import enum
import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time

from flask import flash
from flask_babel import format_date, format_datetime
from flask_babel import gettext as _
from sqlalchemy import inspect, update
from sqlalchemy.orm.exc import StaleDataError
from wtforms import BooleanField, HiddenField, RadioField, SelectField, SelectMultipleField

from .extensions import db
from .forms import REFUSED, run_use_case


class VersionFields:
    """Mixin of an edit form: the version and the values it was loaded with, hidden."""

    version = HiddenField()
    loaded = HiddenField()


@dataclass(frozen=True)
class Difference:
    """One row of the conflict page: a field the other person changed."""

    label: str
    #: The value now stored, as the page shows it.
    stored: str
    #: What the user typed; None where they left the field as they loaded it.
    yours: str | None


@dataclass
class _Decision:
    mine: set = field(default_factory=set)
    theirs: set = field(default_factory=set)
    clash: list = field(default_factory=list)


class Edit:
    """The edit form of one versioned row (`obj`; None for a row still to be created).
    `values()` gives the stored values by form field name, as the form is filled with them.

    GET: the form is stamped with the version and the digests. POST: `save(call)` decides as the
    module docstring says and then runs the use case through `run_use_case`; `status` is 409
    after a conflict (the template shows `form.conflict`), 422 after a refusal."""

    def __init__(self, form, obj, values: Callable[[], dict]):
        self.form, self.obj, self.values = form, obj, values
        form.conflict = []  # read by macros/forms.html
        if not form.is_submitted():
            self.stamp()

    @property
    def status(self) -> int:
        if self.form.conflict:
            return 409
        return 422 if self.form.is_submitted() else 200

    def save(self, call: Callable, *, success=None):
        """Run `call()` (the service) unless it would undo another's change; returns its result,
        or REFUSED after a refusal or a conflict. `success` as `run_use_case` takes it."""
        typed = {name: self.form[name].data for name in self.form._fields}
        try:
            return self._save(call, success)
        except StaleDataError:
            # Saved by someone else between our read and our write (SQLite has no row lock):
            # start again from the stored row and the user's own input.
            db.session.rollback()
            for name, value in typed.items():
                self.form[name].data = value
        return self._save(call, success)

    def create_or_update(self, create: Callable, update: Callable, *, created, updated):
        """One form page for a new row and a change: `create()` when the form edits nothing yet,
        else `update()` (as `save`), each with its own success message."""
        if self.obj is None:
            return self.save(create, success=created)
        return self.save(update, success=updated)

    # --- the steps --------------------------------------------------------------------------

    def _save(self, call, success):
        self._lock()
        current = self._current()
        decision = self._decide(current)
        if decision.clash:
            self._show_conflict(current, decision)
            db.session.rollback()  # nothing is saved, and the lock is released
            return REFUSED
        kept = [name for name in current if name in decision.theirs - decision.mine]
        for name in kept:
            self._take_stored(name, current[name])
        changed = any(
            _canon(self.form[name], self.form[name].data) != _canon(self.form[name], value)
            for name, value in current.items()
        )
        result = run_use_case(self.form, lambda: self._run(call, changed), success=success)
        if result is not REFUSED and kept:
            flash(
                _(
                    "Intussen had iemand anders ook iets gewijzigd: %(fields)s. Die wijziging is"
                    " behouden en uw wijzigingen zijn eraan toegevoegd.",
                    fields=", ".join(str(self.form[name].label.text) for name in kept),
                ),
                "info",
            )
        return result

    def _lock(self) -> None:
        """Take the row's write lock before reading it again, so the decision and the write see
        the same stored values: a write that changes nothing locks the row until the commit
        (PostgreSQL) or the database (SQLite, which waits for another writer only when the
        transaction starts with its write, hence the rollback of what was only read)."""
        key = inspect(self.obj).identity if self.obj is not None else None
        if key is None:  # nothing stored yet
            return
        if db.session.new or db.session.dirty or db.session.deleted:
            raise RuntimeError("an edit must be the request's first write; this one would be lost")
        table = inspect(type(self.obj)).local_table
        db.session.rollback()  # expires the objects read so far: they are read again below
        db.session.execute(
            update(table).where(table.c.id == key[0]).values(version=table.c.version)
        )

    def _run(self, call, changed: bool):
        """The use case, then one version more even when only related rows changed (tags,
        narrowing, contributors), so every form loaded before sees that it is stale."""
        start = self._version()
        result = call()
        if changed and self.obj is not None and inspect(self.obj).persistent:
            db.session.flush()
            if self.obj.version == start:
                self.obj.version = start + 1
        return result

    def _decide(self, current: dict) -> _Decision:
        cur = {name: _canon(self.form[name], value) for name, value in current.items()}
        typed = {name: _canon(self.form[name], self.form[name].data) for name in current}
        loaded = self._loaded()
        if loaded is None:  # not said what it was loaded with: current, or compare everything
            if self.form.version.data == str(self._version()):
                return _Decision(mine=set(current))
            differ = [name for name in current if typed[name] != cur[name]]
            return _Decision(mine=set(differ), theirs=set(differ), clash=differ)
        theirs = {name for name in current if _digest(cur[name]) != loaded.get(name)}
        mine = {name for name in current if _digest(typed[name]) != loaded.get(name)}
        clash = [name for name in current if name in theirs & mine and typed[name] != cur[name]]
        return _Decision(mine=mine, theirs=theirs, clash=clash)

    def _show_conflict(self, current: dict, decision: _Decision) -> None:
        """The rows of the conflict page; the form keeps the input, takes the other's value
        where the user changed nothing, and moves to the current version."""
        for name, value in current.items():
            if name not in decision.theirs:
                continue
            form_field = self.form[name]
            typed = form_field.data
            if _canon(form_field, typed) == _canon(form_field, value):
                continue  # the same change on both sides
            mine = name in decision.mine
            self.form.conflict.append(
                Difference(
                    label=str(form_field.label.text),
                    stored=_display(form_field, value),
                    yours=_display(form_field, typed) if mine else None,
                )
            )
            if not mine:
                self._take_stored(name, value)
        self.stamp(current)

    # --- small parts ------------------------------------------------------------------------

    def _current(self) -> dict:
        return {name: value for name, value in self.values().items() if name in self.form}

    def _version(self) -> int:
        return self.obj.version if self.obj is not None and self.obj.version else 0

    def stamp(self, current: dict | None = None) -> None:
        """Fill the hidden fields: the version, and a digest of each value the form shows."""
        current = self._current() if current is None else current
        self.form.version.data = str(self._version())
        digests = {name: _digest(_canon(self.form[name], v)) for name, v in current.items()}
        self.form.loaded.data = json.dumps(digests, separators=(",", ":"), sort_keys=True)

    def _loaded(self) -> dict | None:
        try:
            loaded = json.loads(self.form.loaded.data or "")
        except (ValueError, RecursionError):  # not what we wrote: as if it were missing
            return None
        return loaded if isinstance(loaded, dict) else None

    def _take_stored(self, name: str, value) -> None:
        form_field = self.form[name]
        form_field.process_data(value)  # as a freshly loaded form has it (choices coerced)
        form_field.raw_data = None  # so it is shown from the data, not from what was typed


def _digest(canonical: str) -> str:
    return hashlib.sha256(canonical.encode()).hexdigest()[:16]


def _canon(form_field, value) -> str:
    """A value as the page shows it and the browser sends it back, so that an unchanged field
    compares equal whatever its type (a time with seconds, Windows line ends, an enum)."""
    if isinstance(form_field, SelectMultipleField):
        return "\n".join(sorted(_plain(v) for v in value or []))
    if isinstance(form_field, BooleanField):
        return "1" if value else ""
    if isinstance(form_field, SelectField | RadioField):
        return _plain(value)
    return _rendered(form_field, value).replace("\r\n", "\n").replace("\r", "\n").strip()


def _plain(value) -> str:
    if value is None:
        return ""
    if isinstance(value, enum.Enum):
        value = value.value
    return str(value)


def _rendered(form_field, value) -> str:
    """What the field would show for `value` (its own formatting of dates and numbers)."""
    saved = form_field.data, form_field.raw_data
    form_field.data, form_field.raw_data = value, None
    try:
        return str(form_field._value() or "")
    finally:
        form_field.data, form_field.raw_data = saved


def _display(form_field, value) -> str:
    """A value for the conflict page: choices by their label, dates in words."""
    empty = _("(leeg)")
    if isinstance(form_field, SelectMultipleField):
        return ", ".join(sorted(_label(form_field, v) for v in value or [])) or empty
    if isinstance(form_field, BooleanField):
        return _("ja") if value else _("nee")
    if isinstance(form_field, SelectField | RadioField):
        return _label(form_field, value) if _plain(value) else empty
    if isinstance(value, datetime):
        return format_datetime(value, "d MMMM yyyy HH:mm", rebase=False)
    if isinstance(value, date):
        return format_date(value, "d MMMM yyyy")
    if isinstance(value, time):
        return value.strftime("%H:%M")
    return _canon(form_field, value) or empty


def _label(form_field, value) -> str:
    choices = form_field.choices() if callable(form_field.choices) else form_field.choices
    if isinstance(choices, dict):  # option groups
        choices = [choice for group in choices.values() for choice in group]
    for choice in choices or []:
        if _plain(choice[0]) == _plain(value):
            return str(choice[1])
    return _plain(value)
