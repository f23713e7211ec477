# ruff: noqa: E501 - one line per route, as in route_table.py
"""Route matrix rows for the case items routes (see route_table.py for the columns and answers).

The objects (`plant_case` in route_table.py): {c.case} is a case of A, opened by a member of A
who is no persona (its manager); A's members contribute (member_a), A's admins manage
(org_admin_a), the police reads; the secretariat and the platform admin take no part (404), nor
does member_b (other, 404). Every matrix session has passed MFA.

Measures and tasks are added and changed by case editors (org_admin_a); a contributor
(member_a) adds timeline entries and reports on the task of its own organisation (A's task).
"""

from tests.security.route_table import LOGIN, R  # noqa: F401

CASE = "/casussen/{c.case}"
MEASURE = CASE + "/maatregelen/{c.case_measure}"
TASK = CASE + "/nazorg/{c.case_task}"


def _measure(c):
    return {
        "type": "sluiting_174a",
        "responsible_organisation_id": c.org_a,
        "status": "actief",
        "start_date": "2025-03-20",
    }


def _task(c):
    return {
        "kind": "bewonersbrief",
        "organisation_id": c.org_a,
        "owner_id": "",
        "status": "open",
        "due_date": "2025-04-01",
    }


def _edit_measure(c):
    return {**_measure(c), "version": c.version("case_measures", c.case_measure)}


def _edit_task(c):
    return {**_task(c), "version": c.version("case_aftercare_tasks", c.case_task)}


def _task_status(c):
    return {"status": "bezig"}


def _entry(c):
    return {
        "occurred_at": "2025-03-15T09:30",
        "kind": "notitie",
        "text": "Buurt geïnformeerd.",
        "legal_basis_id": c.legal_basis,
    }


# fmt: off
ROWS = {
    ("cases.add_measure", "GET"):               R(CASE + "/maatregelen/nieuw",                   LOGIN, 403,   200,   404,   404, other=404),
    ("cases.add_measure", "POST"):              R(CASE + "/maatregelen/nieuw",                   LOGIN, 403,   302,   404,   404, other=404, data=_measure),
    ("cases.edit_measure", "GET"):              R(MEASURE + "/bewerken",                         LOGIN, 403,   200,   404,   404, other=404),
    ("cases.edit_measure", "POST"):             R(MEASURE + "/bewerken",                         LOGIN, 403,   302,   404,   404, other=404, data=_edit_measure),
    ("cases.add_task", "GET"):                  R(CASE + "/nazorg/nieuw",                        LOGIN, 403,   200,   404,   404, other=404),
    ("cases.add_task", "POST"):                 R(CASE + "/nazorg/nieuw",                        LOGIN, 403,   302,   404,   404, other=404, data=_task),
    ("cases.edit_task", "GET"):                 R(TASK + "/bewerken",                            LOGIN, 403,   200,   404,   404, other=404),
    ("cases.edit_task", "POST"):                R(TASK + "/bewerken",                            LOGIN, 403,   302,   404,   404, other=404, data=_edit_task),
    # A's task: A's contributors report on it, the case's editors too.
    ("cases.update_task_status", "POST"):       R(TASK + "/status",                              LOGIN, 302,   302,   404,   404, other=404, data=_task_status),
    ("cases.add_entry", "GET"):                 R(CASE + "/tijdlijn/nieuw",                      LOGIN, 200,   200,   404,   404, other=404),
    ("cases.add_entry", "POST"):                R(CASE + "/tijdlijn/nieuw",                      LOGIN, 302,   302,   404,   404, other=404, data=_entry),
}
# fmt: on
