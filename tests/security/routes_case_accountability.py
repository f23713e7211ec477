# ruff: noqa: E501 - one line per route, as in route_table.py
"""Route matrix rows for the case accountability routes (see route_table.py for the columns and answers).

The objects (`plant_case` in route_table.py): {c.case} is a case of A, opened by a member of A
who is no persona (its manager); A's members contribute (member_a), A's admins manage
(org_admin_a), the police reads; the secretariat and the platform admin take no part (404), nor
does member_b (other, 404). Every matrix session has passed MFA.
"""

from tests.security.route_table import LOGIN, R  # noqa: F401

CASE = "/casussen/{c.case}"
BASES = "/beheer/grondslagen"
ASK = (
    CASE
    + "/vrijgave/nieuw?item=document:{c.case_supplied_document}&actie=copy&doel={c.space_target}"
)


def _basis(c):
    return {"name": f"Grondslag van {c.viewer}", "description": "Een doel.", "active": "y"}


def _same_basis(c):
    return {
        "name": "AVG art. 6 lid 1 sub e",
        "description": "Een doel.",
        "active": "y",
        "version": c.version("legal_bases", c.legal_basis),
    }


def _reason(c):
    return {"reason": "Nodig voor de werkgroep."}


def _decision(c):
    return {"decision": "approve", "note": ""}


def _narrower(c):
    return {"narrowing": [c.org_a]}


# Legal bases: platform admins only. Release requests: any participant who sees the item; the
# planted request (by a member of A, about the police's document) is decided by the police's
# case managers only, so A's manager does not even see it (404). Re-sharing needs an editor,
# the register a case manager; the export any participant.
# fmt: off
ROWS = {
    ("cases.legal_bases", "GET"):          R(BASES,                                   LOGIN, 403, 403, 403, 200),
    ("cases.new_legal_basis", "GET"):      R(BASES + "/nieuw",                        LOGIN, 403, 403, 403, 200),
    ("cases.new_legal_basis", "POST"):     R(BASES + "/nieuw",                        LOGIN, 403, 403, 403, 302, data=_basis),
    ("cases.edit_legal_basis", "GET"):     R(BASES + "/{c.legal_basis}/bewerken",     LOGIN, 403, 403, 403, 200, other=403),
    ("cases.edit_legal_basis", "POST"):    R(BASES + "/{c.legal_basis}/bewerken",     LOGIN, 403, 403, 403, 302, other=403, data=_same_basis),
    ("cases.default_legal_bases", "POST"): R(BASES + "/standaard",                    LOGIN, 403, 403, 403, 302),
    ("cases.request_release", "GET"):      R(ASK,                                     LOGIN, 200, 200, 404, 404, other=404),
    ("cases.request_release", "POST"):     R(ASK,                                     LOGIN, 302, 302, 404, 404, other=404, data=_reason),
    ("cases.releases", "GET"):             R(CASE + "/vrijgaven",                     LOGIN, 200, 200, 404, 404, other=404),
    ("cases.decide_release", "POST"):      R(CASE + "/vrijgaven/{c.case_release}/besluit", LOGIN, 404, 404, 404, 404, other=404, data=_decision),
    ("cases.share_entry", "GET"):          R(CASE + "/tijdlijn/{c.case_entry}/delen", LOGIN, 403, 200, 404, 404, other=404),
    ("cases.share_entry", "POST"):         R(CASE + "/tijdlijn/{c.case_entry}/delen", LOGIN, 403, 302, 404, 404, other=404, data=_narrower),
    ("cases.disclosures", "GET"):          R(CASE + "/verstrekkingen",                LOGIN, 403, 200, 404, 404, other=404),
    ("cases.disclosures_csv", "GET"):      R(CASE + "/verstrekkingen.csv",            LOGIN, 403, 200, 404, 404, other=404),
    ("cases.export", "GET"):               R(CASE + "/export.csv",                    LOGIN, 200, 200, 404, 404, other=404),
}
# fmt: on
