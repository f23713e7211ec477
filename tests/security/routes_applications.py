# ruff: noqa: E501 - one line per route, as in route_table.py
"""Route matrix rows for the applications routes (see route_table.py for the columns and answers).

The public pages (the form, the thanks and the privacy statement) answer everyone. VNG's review
is for platform admins only: the list refuses others with 403, and an application does not even
exist for them (404), so member_b learns nothing either. Each cell plants a fresh pending
application, so every decision POST is made on an open application and succeeds (302).
"""

from neig_workspace.applications.models import Application, ApplicationStatus
from neig_workspace.extensions import db
from neig_workspace.organisations.models import OrgType
from neig_workspace.timeutil import utcnow
from tests.security.route_table import LOGIN, R  # noqa: F401

REVIEW = "/beheer/aanmeldingen/{c.application}"


def _apply(c):
    return {
        "org_type": "municipality",
        "cbs_code": "GM0153",
        "contact_name": "Fatima el Amrani",
        "contact_role": "Beleidsadviseur OOV",
        "email": f"aanvraag.{c.viewer}@enschede.example.nl",
        "phone": "053 481 81 81",
        "motivation": "Wij willen kennis delen over nazorg.",
        "privacy_consent": "y",
    }


def _question(c):
    return {"question": "Wie is uw burgemeester?"}


def _reason(c):
    return {"reason": "Al lid via de regio."}


# fmt: off
ROWS = {
    ("applications.apply", "GET"):              R("/aanmelden",                                  200,   200,   200,   200,   200),
    ("applications.apply", "POST"):             R("/aanmelden",                                  302,   302,   302,   302,   302, data=_apply),
    ("applications.thanks", "GET"):             R("/aanmelden/bedankt",                          200,   200,   200,   200,   200),
    ("applications.privacy", "GET"):            R("/aanmelden/privacy",                          200,   200,   200,   200,   200),
    ("applications.index", "GET"):              R("/beheer/aanmeldingen",                        LOGIN, 403,   403,   403,   200),
    ("applications.show", "GET"):               R(REVIEW,                                        LOGIN, 404,   404,   404,   200, other=404),
    ("applications.ask", "POST"):               R(REVIEW + "/vraag",                             LOGIN, 404,   404,   404,   302, other=404, data=_question),
    ("applications.approve", "POST"):           R(REVIEW + "/goedkeuren",                        LOGIN, 404,   404,   404,   302, other=404),
    ("applications.reject", "POST"):            R(REVIEW + "/afwijzen",                          LOGIN, 404,   404,   404,   302, other=404, data=_reason),
}
# fmt: on


def plant(personas, target) -> dict:
    """A pending application from a municipality that is not a member yet."""
    application = Application(
        organisation_name="Gemeente Enschede",
        org_type=OrgType.MUNICIPALITY,
        cbs_code="GM0153",
        contact_name="Fatima el Amrani",
        email="f.elamrani@enschede.example.nl",
        phone="053 481 81 81",
        contact_role="Beleidsadviseur OOV",
        motivation="Twee explosies dit jaar.",
        privacy_consent_at=utcnow(),
        status=ApplicationStatus.PENDING,
    )
    db.session.add(application)
    db.session.flush()
    return {"application": application.id}
