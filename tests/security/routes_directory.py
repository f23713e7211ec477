# ruff: noqa: E501 - one line per route, as in route_table.py
"""Route matrix rows for the directory routes (see route_table.py for the columns and answers).

The member directory is for the whole network: every persona of the matrix is an active member
of an active organisation (the platform admin of VNG, the secretariat of its own), so all see
the list and Gemeente Rotterdam's page. Its pages name an organisation by slug, not by id: the
directory is open to every network member, so a directory page is not another organisation's
object (member_b reads Rotterdam's page like everyone). Everyone signed in keeps their own
directory settings; the POST saves a valid choice and redirects.
"""

from tests.security.route_table import LOGIN, R  # noqa: F401


def _settings(c):
    return {
        "job_title": "Adviseur openbare orde",
        "phone": "010 123 45 67",
        "show_organisation": "y",
        "show_name": "y",
    }


# fmt: off
ROWS = {
    ("directory.index", "GET"):                 R("/netwerk/leden",                              LOGIN, 200,   200,   200,   200),
    ("directory.organisation", "GET"):          R("/netwerk/leden/{c.directory_slug}",           LOGIN, 200,   200,   200,   200),
    ("directory.settings", "GET"):              R("/account/ledenoverzicht",                     LOGIN, 200,   200,   200,   200),
    ("directory.settings", "POST"):             R("/account/ledenoverzicht",                     LOGIN, 302,   302,   302,   302, data=_settings),
}
# fmt: on


def plant(personas, target) -> dict:
    """Rotterdam's directory page, with the planted member of A listed (opted in)."""
    from neig_workspace.directory.models import DirectoryProfile
    from neig_workspace.extensions import db
    from neig_workspace.organisations.models import Organisation

    db.session.add(
        DirectoryProfile(
            user_id=target.id,
            job_title="Adviseur",
            phone="",
            show_name=True,
            show_organisation=True,
        )
    )
    db.session.flush()
    return {"directory_slug": db.session.get(Organisation, personas.orgs["gemeente_a"]).slug}
