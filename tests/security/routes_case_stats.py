# ruff: noqa: E501 - one line per route, as in route_table.py
"""Route matrix rows for the case stats routes (see route_table.py for the columns and answers).

The statistics hold no case content: every member of an active organisation sees them (the
platform admin is a member of VNG), with or without MFA. The import is open to those who may
open a case: members of a municipality (for their own), the police, the OM and the secretariat;
the platform admin's VNG is an association (403). The POST is a dry run ("controleren") of one
valid row for Gemeente Rotterdam, so it answers 200 and changes nothing.
"""

import io

from tests.security.route_table import LOGIN, R  # noqa: F401

CASE = "/casussen/{c.case}"


def _dry_run(c):
    row = "GM0599;2025-03-14;02:30;woning;zwaar vuurwerk;3011;AVG art. 6 lid 1 sub e"
    data = f"gemeente;datum;tijd;doelwit;explosief;postcode;grondslag\n{row}\n".encode()
    return {"stap": "controleren", "file": (io.BytesIO(data), "casussen.csv")}


# fmt: off
ROWS = {
    ("cases.statistics", "GET"):                R("/casussen/statistiek",                        LOGIN, 200,   200,   200,   200),
    ("cases.statistics_csv", "GET"):            R("/casussen/statistiek.csv",                    LOGIN, 200,   200,   200,   200),
    ("cases.import_cases", "GET"):              R("/casussen/importeren",                        LOGIN, 200,   200,   200,   403),
    ("cases.import_cases", "POST"):             R("/casussen/importeren",                        LOGIN, 200,   200,   200,   403, data=_dry_run),
}
# fmt: on
