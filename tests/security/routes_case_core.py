# ruff: noqa: E501 - one line per route, as in route_table.py
"""Route matrix rows for the case core routes (see route_table.py for the columns and answers).

The objects (`plant_case` in route_table.py): {c.case} is a case of A, opened by a member of A
who is no persona (its manager); A's members contribute (member_a), A's admins manage
(org_admin_a), the police reads; the secretariat and the platform admin take no part (404), nor
does member_b (other, 404). Every matrix session has passed MFA.

A may read the address (member_a too); only editors change the case and its status, only
managers its participants and access log. Linking needs edit rights on both cases: org_admin_a
only contributes to {c.other_case}, so the service refuses (422). Unlinking a case that is not
linked ends on the case page with a message (302). A person's grant of another space ({c.grant},
in A's organisation space) is not one of the case's (404).
"""

from tests.security.route_table import LOGIN, R  # noqa: F401

CASE = "/casussen/{c.case}"


def _case_fields(c):
    return {
        "occurred_date": "2025-03-14",
        "occurred_time": "02:30",
        "target_type": "woning",
        "explosive_type": "handgranaat",
        "postcode4": "3012",
        "neighbourhood": "Centrum",
        "injured": "0",
        "legal_basis_id": c.legal_basis,
        "purpose": "Aanpak en nazorg",
    }


def _edit_case(c):
    return {**_case_fields(c), "version": c.version("cases", c.case)}


def _new_case(c):
    return {**_case_fields(c), "municipality_id": c.org_a}


def _status(c):
    return {"status": "in_behandeling"}


def _participant(c):
    return {"organisation_id": c.personas.orgs["corporatie"], "role": "10"}


def _participant_change(c):
    return {f"org{c.org_police}-role": "20", f"org{c.org_police}-core": "y"}


def _person(c):
    return {"email": "member.a@example.nl", "person_role": "30"}


def _link(c):
    return {"reference": c.other_case_reference}


def _address_search(c):
    return {"address": "Coolsingel 40, 3011 AD", "reference": "AVG-2026-1"}


# fmt: off
ROWS = {
    ("cases.index", "GET"):                     R("/casussen?q=3011&status=gemeld",              LOGIN, 200,   200,   200,   200),
    # A resident's request (issue 22): only a case manager (org_admin_a) searches by address;
    # whoever manages no case, the platform admin included, finds no such page.
    ("cases.address_search", "GET"):            R("/casussen/adres-zoeken",                      LOGIN, 404,   200,   404,   404),
    ("cases.address_search", "POST"):           R("/casussen/adres-zoeken",                      LOGIN, 404,   200,   404,   404, data=_address_search),
    ("cases.create", "GET"):                    R("/casussen/nieuw",                             LOGIN, 200,   200,   200,   403),
    ("cases.create", "POST"):                   R("/casussen/nieuw",                             LOGIN, 302,   302,   302,   403, data=_new_case),
    ("cases.show", "GET"):                      R(CASE,                                          LOGIN, 200,   200,   404,   404, other=404),
    ("cases.change_status", "POST"):            R(CASE + "/status",                              LOGIN, 403,   302,   404,   404, other=404, data=_status),
    ("cases.address", "GET"):                   R(CASE + "/adres",                               LOGIN, 200,   200,   404,   404, other=404),
    ("cases.edit", "GET"):                      R(CASE + "/bewerken",                            LOGIN, 403,   200,   404,   404, other=404),
    ("cases.edit", "POST"):                     R(CASE + "/bewerken",                            LOGIN, 403,   302,   404,   404, other=404, data=_edit_case),
    ("cases.participants", "GET"):              R(CASE + "/deelnemers",                          LOGIN, 200,   200,   404,   404, other=404),
    ("cases.add_participant", "POST"):          R(CASE + "/deelnemers",                          LOGIN, 403,   302,   404,   404, other=404, data=_participant),
    ("cases.update_participant", "POST"):       R(CASE + "/deelnemers/{c.org_police}",           LOGIN, 403,   302,   404,   404, other=404, data=_participant_change),
    ("cases.remove_participant", "POST"):       R(CASE + "/deelnemers/{c.org_police}/verwijderen", LOGIN, 403, 302,   404,   404, other=404),
    ("cases.add_case_user", "POST"):            R(CASE + "/deelnemers/personen",                 LOGIN, 403,   302,   404,   404, other=404, data=_person),
    ("cases.remove_case_user", "POST"):         R(CASE + "/deelnemers/personen/{c.case_user_grant}/verwijderen", LOGIN, 403, 302, 404, 404, other=404),
    ("cases.link", "POST"):                     R(CASE + "/koppelingen",                         LOGIN, 403,   422,   404,   404, other=404, data=_link),
    ("cases.unlink", "POST"):                   R(CASE + "/koppelingen/{c.other_case}/verwijderen", LOGIN, 403, 302,  404,   404, other=404),
    ("cases.access_log", "GET"):                R(CASE + "/toegangslog?persoon=1",               LOGIN, 403,   200,   404,   404, other=404),
}
# fmt: on
