"""The case matrix at the policy: every case action × every kind of participant, and the SQL
filters agree with `can` for every object (what a list shows is exactly what opens).

Columns: member_a (A, core contributor), org_admin_a (A, the case's manager), police (core
contributor with address access, also a manager), om (core viewer), housing (not core:
reads only what it was given), member_b (takes no part), secretariat, platform_admin (no
grant), no_mfa (member_a in a session without a second factor). See tests/cases/world.py.
"""

from contextlib import nullcontext

import pytest
from sqlalchemy import select

from neig_workspace.access import policy
from neig_workspace.access.policy import ACTIONS, can
from neig_workspace.accounts.models import User
from neig_workspace.cases.models import AftercareTask, Case, Measure, ReleaseRequest, TimelineEntry
from neig_workspace.documents.models import Document
from neig_workspace.extensions import db
from tests.cases.world import build_case_world

Y, N = True, False
COLUMNS = (
    "member_a", "org_admin_a", "police", "om", "housing",
    "member_b", "secretariat", "platform_admin", "no_mfa",
)  # fmt: skip
PERSONA = {column: column for column in COLUMNS} | {"no_mfa": "member_a"}

# fmt: off
#: (action, object key or None) -> answers in COLUMNS order
MATRIX = {
    #                                          m_a org_a pol  om  hous  m_b  secr p.adm no_mfa
    ("case.create", None):                    (Y,  Y,    Y,   Y,  N,    Y,   Y,   N,    Y),
    ("case.import", None):                    (Y,  Y,    Y,   Y,  N,    Y,   Y,   N,    Y),
    ("case.statistics", None):                (Y,  Y,    Y,   Y,  Y,    Y,   Y,   Y,    Y),
    ("case.view", "case"):                    (Y,  Y,    Y,   Y,  Y,    N,   N,   N,    N),
    ("case.contribute", "case"):              (Y,  Y,    Y,   N,  Y,    N,   N,   N,    N),
    ("case.edit", "case"):                    (N,  Y,    Y,   N,  N,    N,   N,   N,    N),
    ("case.change_status", "case"):           (N,  Y,    Y,   N,  N,    N,   N,   N,    N),
    ("case.manage", "case"):                  (N,  Y,    Y,   N,  N,    N,   N,   N,    N),
    ("case.view_access_log", "case"):         (N,  Y,    Y,   N,  N,    N,   N,   N,    N),
    ("case.view_disclosures", "case"):        (N,  Y,    Y,   N,  N,    N,   N,   N,    N),
    ("case.read_address", "case"):            (Y,  Y,    Y,   N,  N,    N,   N,   N,    N),
    # A resident's request: who manages a case searches the cases they manage by address.
    ("case.search_address", None):            (N,  Y,    Y,   N,  N,    N,   N,   N,    N),
    ("case_measure.view", "measure_a"):       (Y,  Y,    Y,   Y,  N,    N,   N,   N,    N),
    ("case_measure.view", "measure_housing"): (Y,  Y,    Y,   Y,  Y,    N,   N,   N,    N),
    ("case_measure.edit", "measure_a"):       (N,  Y,    Y,   N,  N,    N,   N,   N,    N),
    ("case_measure.edit", "measure_housing"): (N,  Y,    Y,   N,  N,    N,   N,   N,    N),
    ("case_task.view", "task_a"):             (Y,  Y,    Y,   Y,  N,    N,   N,   N,    N),
    ("case_task.view", "task_housing"):       (Y,  Y,    Y,   Y,  Y,    N,   N,   N,    N),
    ("case_task.edit", "task_housing"):       (N,  Y,    Y,   N,  N,    N,   N,   N,    N),
    ("case_task.update", "task_a"):           (Y,  Y,    Y,   N,  N,    N,   N,   N,    N),
    ("case_task.update", "task_housing"):     (N,  Y,    Y,   N,  Y,    N,   N,   N,    N),
    ("case_entry.view", "entry_open"):        (Y,  Y,    Y,   Y,  N,    N,   N,   N,    N),
    ("case_entry.view", "entry_police"):      (N,  N,    Y,   Y,  N,    N,   N,   N,    N),
    ("case_entry.view", "entry_housing"):     (Y,  Y,    N,   N,  Y,    N,   N,   N,    N),
    ("case_entry.reshare", "entry_open"):     (N,  Y,    Y,   N,  N,    N,   N,   N,    N),
    ("case_entry.reshare", "entry_police"):   (N,  N,    Y,   N,  N,    N,   N,   N,    N),
    ("case_release.view", "release"):         (Y,  N,    Y,   N,  N,    N,   N,   N,    N),
    ("case_release.decide", "release"):       (N,  N,    Y,   N,  N,    N,   N,   N,    N),
    ("document.view", "doc_open"):            (Y,  Y,    Y,   Y,  N,    N,   N,   N,    N),
    ("document.view", "doc_police"):          (N,  N,    Y,   Y,  N,    N,   N,   N,    N),
    ("document.view", "doc_housing"):         (N,  N,    N,   N,  Y,    N,   N,   N,    N),
    ("space.see", "space"):                   (Y,  Y,    Y,   Y,  Y,    N,   N,   N,    Y),
    # Participants are chosen on the case's pages (case.manage), never through the space's.
    ("space.manage_grants", "space"):         (N,  N,    N,   N,  N,    N,   N,   N,    N),
}
# fmt: on

MODELS = {
    "case": Case,
    "measure": Measure,
    "task": AftercareTask,
    "entry": TimelineEntry,
    "release": ReleaseRequest,
    "doc": Document,
    "space": None,
}


def _load(world, key):
    from neig_workspace.spaces.models import Space

    prefix = key.split("_")[0]
    model = MODELS[prefix] or Space
    return db.session.get(model, world.ids[key])


def _mfa(column):
    return nullcontext() if column == "no_mfa" else policy.assuming_mfa()


@pytest.fixture
def world(app, personas):
    return build_case_world(app, personas)


def test_every_case_action_has_a_row():
    case_actions = {a for a in ACTIONS if a.startswith("case")}
    assert case_actions <= {action for action, _ in MATRIX}


@pytest.mark.parametrize(("action", "key"), list(MATRIX))
def test_case_matrix(app, personas, world, action, key):
    with app.app_context():
        obj = _load(world, key) if key else None
        got = []
        for column in COLUMNS:
            with _mfa(column):
                got.append(can(db.session.get(User, personas[PERSONA[column]].id), action, obj))
    expected = dict(zip(COLUMNS, MATRIX[(action, key)], strict=True))
    assert dict(zip(COLUMNS, got, strict=True)) == expected


FILTERS = {
    Case: ("case.view", policy.visible_cases),
    Measure: ("case_measure.view", policy.visible_measures),
    AftercareTask: ("case_task.view", policy.visible_tasks),
    TimelineEntry: ("case_entry.view", policy.visible_timeline_entries),
    ReleaseRequest: ("case_release.view", policy.visible_release_requests),
    Document: ("document.view", policy.visible_documents),
}


@pytest.mark.parametrize("column", COLUMNS)
def test_sql_filters_agree_with_can(app, personas, world, column):
    """Every list is filtered in SQL; it must show exactly what `can` lets open."""
    with app.app_context(), _mfa(column):
        viewer = db.session.get(User, personas[PERSONA[column]].id)
        for model, (action, visible) in FILTERS.items():
            listed = set(db.session.scalars(select(model.id).where(visible(viewer))))
            allowed = {
                obj.id for obj in db.session.scalars(select(model)) if can(viewer, action, obj)
            }
            assert listed == allowed, (model.__name__, column)


def test_platform_admin_does_not_even_see_the_case_space(app, personas, world):
    from neig_workspace.spaces.models import Space

    with app.app_context():
        admin = db.session.get(User, personas.platform_admin.id)
        seeable = set(db.session.scalars(select(Space.id).where(policy.seeable_spaces(admin))))
    assert world.space not in seeable
