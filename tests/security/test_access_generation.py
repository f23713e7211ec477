"""The access id sets kept across requests (access/generation.py): a change to who may read what,
written past the app (plain SQL, another connection: as another process would), counts on the
very next request; a page with nothing changed reads no grants; a request's own uncommitted
change never reaches another request."""

import re

import pytest
from flask import g
from sqlalchemy import delete, insert, select, text, update

from neig_workspace.access import scope
from neig_workspace.access.generation import GRANTED_SPACES, current_token, note_token
from neig_workspace.access.roles import SpaceRole
from neig_workspace.accounts.models import User
from neig_workspace.extensions import db
from neig_workspace.organisations.models import Membership, Organisation
from neig_workspace.spaces.models import Classification, PrincipalType, Space, SpaceGrant, SpaceKind
from neig_workspace.timeutil import utcnow
from tests.conftest import count_queries
from tests.helpers import login_as

NAME = "Werkruimte Zeldzaamheid"


def _space(app, personas, *, organisation_grant: bool) -> int:
    """A space for the whole of member_a's organisation, or (not yet) for no one."""
    with app.app_context():
        space = Space(kind=SpaceKind.SHARED, name=NAME, description="")
        if organisation_grant:
            space.grants.append(
                SpaceGrant(
                    principal_type=PrincipalType.ORGANISATION,
                    organisation_id=personas.orgs["gemeente_a"],
                    role=SpaceRole.VIEWER,
                )
            )
        db.session.add(space)
        db.session.commit()
        return space.id


def _grant_to(user_id: int, space_id: int):
    return insert(SpaceGrant.__table__).values(
        space_id=space_id,
        principal_type=PrincipalType.USER.value,
        user_id=user_id,
        role=int(SpaceRole.VIEWER),
        created_at=utcnow(),
    )


def _write(app, statement) -> None:
    """`statement` written outside any request, as another process would: no app code runs."""
    with app.app_context():
        db.session.execute(statement)
        db.session.commit()


def _listed(client) -> bool:
    answer = client.get("/werkruimtes")
    assert answer.status_code == 200
    return NAME.encode() in answer.data


def _grants_read(app, client) -> list[str]:
    with count_queries(app) as statements:
        assert client.get("/werkruimtes").status_code == 200
    return [s for s in statements if "space_grants" in s]


def test_a_page_with_nothing_changed_reads_no_grants(app, personas):
    client = login_as(app, app.test_client(), personas.member_a)
    _space(app, personas, organisation_grant=True)
    assert _listed(client)
    assert _grants_read(app, client) == []
    GRANTED_SPACES.clear()
    assert _grants_read(app, client) != []  # the first page of a process reads them


def _member_a_membership(personas):
    return (Membership.user_id == personas.member_a.id) & (
        Membership.organisation_id == personas.orgs["gemeente_a"]
    )


#: change -> (the space has an organisation grant at first, the change, the space's page after
#: it: 200 listed, 404 unseen, 403 seen (archived) but not listed)
CHANGES = {
    "a grant to the user": (False, lambda p, s: _grant_to(p.member_a.id, s), 200),
    "the grant revoked": (
        True,
        lambda p, s: delete(SpaceGrant).where(SpaceGrant.space_id == s),
        404,
    ),
    "the membership ended": (
        True,
        lambda p, s: delete(Membership).where(_member_a_membership(p)),
        404,
    ),
    "the organisation deactivated": (
        True,
        lambda p, s: (
            update(Organisation).where(Organisation.id == p.orgs["gemeente_a"]).values(active=False)
        ),
        404,
    ),
    "the space archived": (
        True,
        lambda p, s: update(Space).where(Space.id == s).values(archived_at=utcnow()),
        403,
    ),
}


@pytest.mark.parametrize("change", CHANGES)
def test_a_change_written_past_the_app_counts_on_the_next_request(app, personas, change):
    granted, statement, status_after = CHANGES[change]
    client = login_as(app, app.test_client(), personas.member_a)
    space_id = _space(app, personas, organisation_grant=granted)
    assert _listed(client) is granted
    assert client.get(f"/werkruimtes/{space_id}").status_code == (200 if granted else 404)
    assert _listed(client) is granted  # from the cache
    _write(app, statement(personas, space_id))
    assert _listed(client) is (status_after == 200)
    assert client.get(f"/werkruimtes/{space_id}").status_code == status_after


def test_a_change_the_request_wrote_and_rolled_back_reaches_no_other_request(app, personas):
    space_id = _space(app, personas, organisation_grant=False)
    with app.app_context():
        user_id = personas.member_a.id

    def in_a_request(write: bool) -> set[int]:
        with app.test_request_context():
            note_token(db.session.scalar(select(current_token())))
            user = db.session.get(User, user_id)
            g._login_user = user
            if write:
                db.session.execute(_grant_to(user_id, space_id))
            ids = {row.id for row in scope._granted_spaces(user)}
            db.session.rollback()
            return ids

    GRANTED_SPACES.clear()
    assert space_id in in_a_request(write=True)
    assert space_id not in in_a_request(write=False)


@pytest.mark.commits("another connection commits while the app serves requests on its own")
def test_a_grant_committed_on_another_connection_counts_at_once(app, personas):
    client = login_as(app, app.test_client(), personas.member_a)
    space_id = _space(app, personas, organisation_grant=False)
    assert not _listed(client)
    with app.app_context():
        engine = db.engine
    with engine.connect() as other:  # another process's connection
        other.execute(_grant_to(personas.member_a.id, space_id))
        if engine.dialect.name == "postgresql":  # SQLite: a second writer would wait
            assert not _listed(client)  # not committed: not seen, and nothing kept of it
        other.commit()
    assert _listed(client)
    with engine.connect() as other:
        other.execute(text("DELETE FROM space_grants WHERE space_id = :id"), {"id": space_id})
        other.commit()
    assert not _listed(client)
    assert client.get(f"/werkruimtes/{space_id}").status_code == 404


# --- what is kept beside the id sets: the policy's filters and the header's unread count ------


def _shared_document(app, personas, **fields) -> tuple[int, int]:
    """A space shared by Rotterdam and the police, with a document by member_a in it."""
    from tests.notifications.notif_helpers import document, shared_space

    space_id = shared_space(app, personas)
    return space_id, document(app, space_id, personas.member_a, **fields)


def _badge(client) -> str | None:
    html = client.get("/hulp").get_data(as_text=True)
    found = re.search(r'<span class="visually-hidden">([^<]*ongelezen[^<]*)</span>', html)
    return found.group(1) if found else None


def _police_grant(personas, space_id):
    return delete(SpaceGrant).where(
        SpaceGrant.space_id == space_id,
        SpaceGrant.organisation_id == personas.orgs["politie"],
    )


def test_the_headers_unread_count_follows_a_grant_revoked_past_the_app(app, personas):
    from tests.notifications.notif_helpers import send

    space_id, document_id = _shared_document(app, personas)
    send(app, personas.police, document_id, actor=personas.member_a)
    client = login_as(app, app.test_client(), personas.police)
    assert _badge(client) == "1 ongelezen melding"
    assert _badge(client) == "1 ongelezen melding"  # the kept statement
    _write(app, _police_grant(personas, space_id))
    assert _badge(client) is None


def test_a_kept_document_filter_follows_a_grant_revoked_past_the_app(app, personas):
    space_id, document_id = _shared_document(app, personas)
    client = login_as(app, app.test_client(), personas.police)
    for _ in range(2):
        assert client.get(f"/documenten/{document_id}").status_code == 200
    _write(app, _police_grant(personas, space_id))
    assert client.get(f"/documenten/{document_id}").status_code == 404


def test_the_kept_filters_are_the_sessions_own_second_factor(app, personas):
    """One account, two sessions: with and without a second factor. A confidential document
    opens in the first only, whichever asked first."""
    _space_id, document_id = _shared_document(
        app, personas, classification=Classification.VERTROUWELIJK
    )
    with_mfa = login_as(app, app.test_client(), personas.police)
    without = login_as(app, app.test_client(), personas.police, mfa_verified=False)
    for _ in range(2):
        assert with_mfa.get(f"/documenten/{document_id}").status_code == 200
        assert without.get(f"/documenten/{document_id}").status_code in (403, 404)


def test_a_filter_built_in_a_request_that_wrote_is_not_kept(app, personas):
    """A request that wrote may still roll back: what it built from its own changes stays in
    that request (generation.kept)."""
    from neig_workspace.access.generation import kept

    with app.app_context():
        user_id = personas.member_a.id
    with app.test_request_context():
        note_token(db.session.scalar(select(current_token())))
        g._login_user = db.session.get(User, user_id)
        db.session.execute(_grant_to(user_id, _space(app, personas, organisation_grant=False)))
        assert kept(user_id, "probe", lambda: "built") == "built"
        db.session.rollback()
    with app.test_request_context():
        note_token(db.session.scalar(select(current_token())))
        assert kept(user_id, "probe", lambda: "again") == "again"
        assert kept(user_id, "probe", lambda: "not asked") == "again"  # kept now
