# ruff: noqa: E501 - one line per route, as in route_table.py
"""Route matrix rows for access reviews and privacy pages (issue 22; see route_table.py for the
columns and answers).

{c.review} is the open access review of A (Rotterdam): its admins (org_admin_a) decide in it;
a platform admin sees it but decides nothing (403); anyone else does not know it (404). The
decision confirms {c.target_membership}, a member of A. {c.space} is A's own space: its members
read its privacy page, its managers (A's admins) and platform admins keep it; the register is
for platform admins (all spaces) and an organisation's admins (theirs)."""

from neig_workspace.extensions import db
from neig_workspace.reviews.models import AccessReview, ReviewScope
from neig_workspace.reviews.service import period_of
from neig_workspace.timeutil import utcnow
from tests.security.route_table import LOGIN, R  # noqa: F401

REVIEW = "/toegangscontroles/{c.review}"
PRIVACY = "/werkruimtes/{c.space}/privacy"


def _decision(c):
    return {"subject": f"membership:{c.target_membership}", "decision": "confirmed"}


def _privacy(c):
    return {
        "purpose": "Samenwerking binnen de gemeente",
        "legal_basis_id": c.legal_basis,
        "data_categories": "Namen en functies van medewerkers",
        "retention": "2 jaar na archiveren",
        "contact": "privacy@rotterdam.example",
    }


# fmt: off
ROWS = {
    ("reviews.index", "GET"):                   R("/toegangscontroles",                          LOGIN, 200,   200,   200,   200),
    ("reviews.show", "GET"):                    R(REVIEW,                                        LOGIN, 404,   200,   404,   200, other=404),
    ("reviews.decide", "POST"):                 R(REVIEW + "/besluit",                           LOGIN, 404,   302,   404,   403, other=404, data=_decision),
    ("reviews.complete", "POST"):               R(REVIEW + "/afronden",                          LOGIN, 404,   302,   404,   403, other=404),
    ("reviews.overview", "GET"):                R("/beheer/toegangscontroles",                   LOGIN, 403,   403,   403,   200),
    ("privacy.show", "GET"):                    R(PRIVACY,                                       LOGIN, 200,   200,   404,   200, other=404),
    ("privacy.edit", "GET"):                    R(PRIVACY + "/bewerken",                         LOGIN, 403,   200,   404,   200, other=404),
    ("privacy.edit", "POST"):                   R(PRIVACY + "/bewerken",                         LOGIN, 403,   302,   404,   302, other=404, data=_privacy),
    ("privacy.edit_case_type", "GET"):          R("/beheer/privacy/casussen/woning",             LOGIN, 403,   403,   403,   200),
    ("privacy.edit_case_type", "POST"):         R("/beheer/privacy/casussen/woning",             LOGIN, 403,   403,   403,   302, data=_privacy),
    ("privacy.register_all", "GET"):            R("/beheer/verwerkingsregister",                 LOGIN, 403,   403,   403,   200),
    ("privacy.register_organisation", "GET"):   R("/organisaties/{c.org_a}/verwerkingsregister", LOGIN, 403,   200,   404,   200, other=404),
}
# fmt: on


def plant(personas, target) -> dict:
    start, end = period_of(utcnow(), 3)
    review = AccessReview(
        scope=ReviewScope.ORGANISATION,
        organisation_id=personas.orgs["gemeente_a"],
        period_start=start,
        due_at=end,
    )
    db.session.add(review)
    db.session.flush()
    return {"review": review.id}
