"""The policy module on its own (DESIGN.md § Who may do what): `can` for every action × persona,
its loud failures, and the `visible_*` SQL filters per persona.

Objects belong to Gemeente Rotterdam ("A") unless named otherwise. Spaces and documents have
their own matrix; this one covers organisations, users, invitations and the audit log.
"""

from contextlib import contextmanager
from datetime import timedelta

import pytest
from flask_login import AnonymousUserMixin
from sqlalchemy import select
from werkzeug.exceptions import Forbidden, NotFound

from neig_workspace.access import policy
from neig_workspace.access.policy import ACTIONS, can, require
from neig_workspace.access.roles import OrgRole
from neig_workspace.accounts.models import Invitation, User
from neig_workspace.audit import service as audit
from neig_workspace.audit.models import AuditEvent
from neig_workspace.extensions import db
from neig_workspace.jobs.models import FailedJob
from neig_workspace.organisations.models import Membership, Organisation, OrgType
from neig_workspace.timeutil import utcnow

Y, N = True, False
COLUMNS = (
    "anonymous",
    "member",
    "org_admin",
    "other_member",
    "other_admin",
    "secretariat",
    "platform_admin",
)

# fmt: off
#: action -> (object, answers in COLUMNS order). Objects: org_a, target (a member of A),
#: invitation_a (to A), event (an audit event); None for a global action.
MATRIX = {
    #                                 object          anon member org_ad oth_m oth_a secr  p.adm
    "admin.access":                  (None,           (N,   N,     N,     N,    N,    N,    Y)),
    "organisation.list_all":         (None,           (N,   N,     N,     N,    N,    N,    Y)),
    "organisation.create":           (None,           (N,   N,     N,     N,    N,    N,    Y)),
    "organisation.view":             ("org_a",        (N,   Y,     Y,     N,    N,    N,    Y)),
    "organisation.edit":             ("org_a",        (N,   N,     N,     N,    N,    N,    Y)),
    "organisation.deactivate":       ("org_a",        (N,   N,     N,     N,    N,    N,    Y)),
    "organisation.manage_sso":       ("org_a",        (N,   N,     N,     N,    N,    N,    Y)),  # SSO (issue #7)
    "organisation.manage_members":   ("org_a",        (N,   N,     Y,     N,    N,    N,    Y)),
    "user.list_all":                 (None,           (N,   N,     N,     N,    N,    N,    Y)),
    "user.invite_any":               (None,           (N,   N,     N,     N,    N,    N,    Y)),
    # An org admin sees the members of their organisation; a member only themselves.
    "user.view":                     ("target",       (N,   N,     Y,     N,    N,    N,    Y)),
    "user.manage":                   ("target",       (N,   N,     N,     N,    N,    N,    Y)),
    "invitation.view":               ("invitation_a", (N,   N,     Y,     N,    N,    N,    Y)),
    "invitation.revoke":             ("invitation_a", (N,   N,     Y,     N,    N,    N,    Y)),
    "audit.view":                    (None,           (N,   N,     N,     N,    N,    N,    Y)),
    "audit.view_event":              ("event",        (N,   N,     N,     N,    N,    N,    Y)),
    # casework (issue #5): the list of legal bases is kept by the platform admins.
    "legal_basis.manage":            (None,           (N,   N,     N,     N,    N,    N,    Y)),
    # notifications (issue #4): member_a's own, about a document of A's space, is theirs alone.
    "notification.view":             ("notification_a", (N, Y,     N,     N,    N,    N,    N)),
    "notification.mark_read":        ("notification_a", (N, Y,     N,     N,    N,    N,    N)),
    # drafts and comments (issue #4): member_a's comment on a draft in A's space, in a round.
    # A's members contribute there and A's admins manage; a comment is seen as its document.
    "comment.view":                  ("comment_a",    (N,   Y,     Y,     N,    N,    N,    N)),
    "comment.edit":                  ("comment_a",    (N,   Y,     N,     N,    N,    N,    N)),
    "comment.delete":                ("comment_a",    (N,   Y,     N,     N,    N,    N,    N)),
    "comment.resolve":               ("comment_a",    (N,   Y,     Y,     N,    N,    N,    N)),
    "comment.respond":               ("comment_a",    (N,   N,     Y,     N,    N,    N,    N)),
    "comment_round.view":            ("round_a",      (N,   Y,     Y,     N,    N,    N,    N)),
    "comment_round.manage":          ("round_a",      (N,   N,     Y,     N,    N,    N,    N)),
    # the member directory (issue #8): open to every network member; one's own entry to anyone.
    "directory.view":                (None,           (N,   Y,     Y,     Y,    Y,    Y,    Y)),
    "directory.edit_own":            (None,           (N,   Y,     Y,     Y,    Y,    Y,    Y)),
    # background jobs (issue 19): the dead-letter list is the platform admins' alone.
    "jobs.view":                     (None,           (N,   N,     N,     N,    N,    N,    Y)),
    "jobs.view_failed":              ("failed_job",   (N,   N,     N,     N,    N,    N,    Y)),
    "jobs.manage_failed":            ("failed_job",   (N,   N,     N,     N,    N,    N,    Y)),
    # access reviews (issue 22): A's admins decide in A's review; platform admins see every
    # review (which is overdue) but decide nothing; the list of one's own is any member's.
    "access_review.list_own":        (None,           (N,   Y,     Y,     Y,    Y,    Y,    Y)),
    "access_review.overview":        (None,           (N,   N,     N,     N,    N,    N,    Y)),
    "access_review.view":            ("review_a",     (N,   N,     Y,     N,    N,    N,    Y)),
    "access_review.decide":          ("review_a",     (N,   N,     Y,     N,    N,    N,    N)),
    # privacy pages (issue 22): A's own space's page is read by its members and kept by its
    # managers (A's admins) and platform admins; the register is theirs, or an organisation's.
    "privacy.view":                  ("space_a",      (N,   Y,     Y,     N,    N,    N,    Y)),
    "privacy.edit":                  ("space_a",      (N,   N,     Y,     N,    N,    N,    Y)),
    "privacy.manage_case_types":     (None,           (N,   N,     N,     N,    N,    N,    Y)),
    "privacy.register_all":          (None,           (N,   N,     N,     N,    N,    N,    Y)),
    "privacy.register_organisation": ("org_a",        (N,   N,     Y,     N,    N,    N,    Y)),
}
# fmt: on
PERSONA_OF = {
    "member": "member_a",
    "org_admin": "org_admin_a",
    "other_member": "member_b",
    "other_admin": "org_admin_b",
    "secretariat": "secretariat",
    "platform_admin": "platform_admin",
}


def plant(personas) -> dict:
    """A's objects, B's invitation, and a deactivated organisation that org_admin_a runs."""
    org_a = db.session.get(Organisation, personas.orgs["gemeente_a"])
    org_b = db.session.get(Organisation, personas.orgs["gemeente_b"])
    old = Organisation(name="Gemeente Oud", slug="oud", type=OrgType.MUNICIPALITY, active=False)
    target = User(email="doel@example.nl", name="Doel")
    db.session.add_all(
        [old, target, Membership(user=target, organisation=org_a, role=OrgRole.MEMBER)]
    )
    db.session.add(
        Membership(user_id=personas.org_admin_a.id, organisation=old, role=OrgRole.ORG_ADMIN)
    )
    invitations = {
        key: Invitation(
            email=f"{key}@example.nl",
            organisation=org,
            token_hash=key.ljust(64, "0"),
            expires_at=utcnow() + timedelta(days=1),
        )
        for key, org in (("invitation_a", org_a), ("invitation_b", org_b), ("invitation_old", old))
    }
    db.session.add_all(invitations.values())
    event = audit.record(
        "test.event", actor=db.session.get(User, personas.member_a.id), target=org_a
    )
    failed_job = FailedJob(kind="mail.send", summary="", payload="{}", error="x")
    db.session.add(failed_job)
    db.session.commit()
    return {
        "org_a": org_a,
        "org_b": org_b,
        "old": old,
        "target": target,
        "event": event,
        "failed_job": failed_job,  # background jobs (issue 19)
        **_plant_review(org_a),  # access reviews and privacy pages (issue 22)
        "notification_a": _plant_notification(personas, org_a),  # notifications (issue #4)
        **_plant_comment(personas, org_a),  # drafts and comments (issue #4)
        **invitations,
    }


def _plant_review(org_a) -> dict:
    """issue 22: A's own space (A's members contribute, its admins manage) and A's open access
    review (rows made directly, so no audit events join the one this module plants)."""
    from neig_workspace.access.roles import SpaceRole
    from neig_workspace.reviews.models import AccessReview, ReviewScope
    from neig_workspace.spaces.models import PrincipalType, Space, SpaceGrant, SpaceKind

    space = Space(kind=SpaceKind.ORGANISATION, name=org_a.name, organisation=org_a)
    db.session.add(space)
    for principal, role in (
        (PrincipalType.ORGANISATION, SpaceRole.CONTRIBUTOR),
        (PrincipalType.ORGANISATION_ADMINS, SpaceRole.MANAGER),
    ):
        db.session.add(
            SpaceGrant(space=space, principal_type=principal, organisation=org_a, role=role)
        )
    start = utcnow().replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    review = AccessReview(
        scope=ReviewScope.ORGANISATION,
        organisation=org_a,
        period_start=start,
        due_at=start + timedelta(days=90),
    )
    db.session.add(review)
    db.session.flush()
    return {"space_a": space, "review_a": review}


def _plant_notification(personas, org_a):
    """notifications (issue #4): member_a is told about a document in A's own space (rows made
    directly, so no audit events join the one this module plants)."""
    from neig_workspace.access.roles import SpaceRole
    from neig_workspace.documents.models import Document
    from neig_workspace.notifications.models import Notification, NotificationKind
    from neig_workspace.spaces.models import (
        Classification,
        PrincipalType,
        Space,
        SpaceGrant,
        SpaceKind,
    )

    space = Space(kind=SpaceKind.ORGANISATION, name=org_a.name, organisation=org_a)
    grant = SpaceGrant(
        space=space,
        principal_type=PrincipalType.ORGANISATION,
        organisation_id=org_a.id,
        role=SpaceRole.CONTRIBUTOR,
    )
    document = Document(space=space, title="Nota", classification=Classification.INTERN)
    db.session.add_all([space, grant, document])
    db.session.flush()
    notification = Notification(
        user_id=personas.member_a.id,
        kind=NotificationKind.MENTION,
        subject_type="document",
        subject_id=document.id,
        url=f"/documenten/{document.id}",
        title=document.title,
        actor_id=personas.org_admin_a.id,
    )
    db.session.add(notification)
    db.session.commit()
    return notification


def _plant_comment(personas, org_a) -> dict:
    """drafts and comments (issue #4): a draft in A's own space with a round and member_a's
    comment (rows made directly, so no audit events join the one this module plants)."""
    from neig_workspace.access.roles import SpaceRole
    from neig_workspace.comments.models import Comment, CommentRound
    from neig_workspace.documents.models import Document
    from neig_workspace.spaces.models import (
        Classification,
        PrincipalType,
        Space,
        SpaceGrant,
        SpaceKind,
    )

    space = Space(kind=SpaceKind.ORGANISATION, name=f"{org_a.name} (concepten)", organisation=org_a)
    grants = [
        SpaceGrant(
            space=space,
            principal_type=principal,
            organisation_id=org_a.id,
            role=role,
        )
        for principal, role in (
            (PrincipalType.ORGANISATION, SpaceRole.CONTRIBUTOR),
            (PrincipalType.ORGANISATION_ADMINS, SpaceRole.MANAGER),
        )
    ]
    document = Document(
        space=space, title="Kader", classification=Classification.INTERN, is_text=True
    )
    db.session.add_all([space, *grants, document])
    db.session.flush()
    comment_round = CommentRound(
        document_id=document.id, number=1, version_number=1, deadline=utcnow() + timedelta(days=7)
    )
    comment = Comment(
        document_id=document.id, version_number=1, body="Punt", author_id=personas.member_a.id
    )
    db.session.add_all([comment_round, comment])
    db.session.commit()
    return {"comment_a": comment, "round_a": comment_round}


@contextmanager
def loaded(app, personas):
    """An app context with every persona as a User and the planted objects."""
    with app.app_context():
        objects = plant(personas)
        users = {
            column: db.session.get(User, personas[key].id) for column, key in PERSONA_OF.items()
        }
        users["anonymous"] = AnonymousUserMixin()
        yield users, objects


def scoped_actions() -> set[str]:
    # Spaces, documents, action plans, cases, the knowledge base, meetings and applications have
    # their own matrices (tests/spaces, tests/actions, tests/cases, tests/knowledge,
    # tests/meetings, tests/applications).
    prefixes = (
        "space.",
        "document.",
        "action_plan.",
        "action_item.",
        "case",
        "knowledge.",
        "article.",
        "meeting.",
        "application.",
    )
    return {action for action in ACTIONS if not action.startswith(prefixes)}


def test_every_action_has_a_row():
    assert set(MATRIX) == scoped_actions()


@pytest.mark.parametrize("action", list(MATRIX))
def test_can_per_action_and_persona(app, personas, action):
    object_key, answers = MATRIX[action]
    with loaded(app, personas) as (users, objects):
        obj = objects[object_key] if object_key else None
        got = tuple(can(users[column], action, obj) for column in COLUMNS)
    assert dict(zip(COLUMNS, got, strict=True)) == dict(zip(COLUMNS, answers, strict=True))


# --- loud failures -------------------------------------------------------------------------------


def test_an_unknown_action_raises_for_everyone(app, personas):
    with loaded(app, personas) as (users, objects):
        for user in users.values():
            with pytest.raises(KeyError):
                can(user, "organisation.destroy", objects["org_a"])


@pytest.mark.parametrize(
    ("action", "wrong"),
    [
        ("organisation.view", "target"),
        ("user.view", "org_a"),
        ("invitation.revoke", "org_a"),
        ("audit.view_event", "invitation_a"),
        ("jobs.manage_failed", "event"),
        ("organisation.manage_members", None),
    ],
)
def test_the_wrong_object_type_raises_even_for_a_visitor(app, personas, action, wrong):
    with loaded(app, personas) as (users, objects):
        for user in (users["anonymous"], users["platform_admin"]):
            with pytest.raises(TypeError):
                can(user, action, objects[wrong] if wrong else None)


def test_an_inactive_user_can_nothing(app, personas):
    with loaded(app, personas) as (users, objects):
        for column in ("org_admin", "platform_admin"):
            users[column].active = False
            for action, (object_key, _) in MATRIX.items():
                obj = objects[object_key] if object_key else None
                assert can(users[column], action, obj) is False, (column, action)
        db.session.rollback()


# --- edges the matrix does not show --------------------------------------------------------------


def test_own_account_and_self_management(app, personas):
    with loaded(app, personas) as (users, objects):
        assert can(users["member"], "user.view", users["member"])
        assert not can(users["member"], "user.view", users["org_admin"])
        # A platform admin never manages (deactivates, demotes) their own account.
        assert can(users["platform_admin"], "user.manage", users["member"])
        assert not can(users["platform_admin"], "user.manage", users["platform_admin"])
        # An org admin of A does not see B's members.
        assert not can(users["org_admin"], "user.view", users["other_member"])


def test_a_deactivated_organisation_gives_its_admins_no_management(app, personas):
    with loaded(app, personas) as (users, objects):
        org_admin = users["org_admin"]
        assert can(org_admin, "organisation.view", objects["old"])
        assert not can(org_admin, "organisation.manage_members", objects["old"])
        assert not can(org_admin, "invitation.view", objects["invitation_old"])
        assert can(users["platform_admin"], "organisation.manage_members", objects["old"])


def test_require_answers_404_for_the_unseen_and_403_for_the_forbidden(app, personas):
    with loaded(app, personas) as (users, objects), app.test_request_context():
        with pytest.raises(NotFound):
            require("organisation.edit", objects["org_a"], user=users["other_member"])
        with pytest.raises(Forbidden):
            require("organisation.edit", objects["org_a"], user=users["member"])
        with pytest.raises(NotFound):
            require("invitation.revoke", objects["invitation_a"], user=users["member"])
        require("organisation.manage_members", objects["org_a"], user=users["org_admin"])


# --- the SQL filters -----------------------------------------------------------------------------


def visible(clause_for, model, user) -> set[int]:
    return set(db.session.scalars(select(model.id).where(clause_for(user))))


def test_visible_organisations_per_persona(app, personas):
    with loaded(app, personas) as (users, objects):
        o = personas.orgs
        every = set(db.session.scalars(select(Organisation.id)))
        expected = {
            "anonymous": set(),
            "member": {o["gemeente_a"]},
            "org_admin": {o["gemeente_a"], objects["old"].id},
            "other_member": {o["gemeente_b"]},
            "other_admin": {o["gemeente_b"]},
            "secretariat": {o["secretariaat"]},
            "platform_admin": every,
        }
        assert {
            c: visible(policy.visible_organisations, Organisation, users[c]) for c in COLUMNS
        } == expected


def test_visible_users_per_persona(app, personas):
    with loaded(app, personas) as (users, objects):
        p = {key: persona.id for key, persona in personas.items()}
        expected = {
            "anonymous": set(),
            "member": {p["member_a"]},
            # org_admin_a also runs the deactivated Gemeente Oud, which has no other members.
            "org_admin": {p["member_a"], p["org_admin_a"], objects["target"].id},
            "other_member": {p["member_b"]},
            "other_admin": {p["member_b"], p["org_admin_b"]},
            "secretariat": {p["secretariat"]},
            "platform_admin": set(db.session.scalars(select(User.id))),
        }
        assert {c: visible(policy.visible_users, User, users[c]) for c in COLUMNS} == expected


def test_visible_invitations_per_persona(app, personas):
    with loaded(app, personas) as (users, objects):
        a, b, old = (objects[key].id for key in ("invitation_a", "invitation_b", "invitation_old"))
        expected = {
            "anonymous": set(),
            "member": set(),
            "org_admin": {a},  # not the one of their deactivated organisation
            "other_member": set(),
            "other_admin": {b},
            "secretariat": set(),
            "platform_admin": {a, b, old},
        }
        assert {
            c: visible(policy.visible_invitations, Invitation, users[c]) for c in COLUMNS
        } == expected


def test_visible_audit_events_per_persona(app, personas):
    with loaded(app, personas) as (users, objects):
        expected = {c: set() for c in COLUMNS} | {"platform_admin": {objects["event"].id}}
        assert {
            c: visible(policy.visible_audit_events, AuditEvent, users[c]) for c in COLUMNS
        } == expected


def test_an_inactive_user_sees_no_rows(app, personas):
    with loaded(app, personas) as (users, objects):
        for column in ("org_admin", "platform_admin"):
            users[column].active = False
            for clause_for, model in (
                (policy.visible_organisations, Organisation),
                (policy.visible_users, User),
                (policy.visible_invitations, Invitation),
                (policy.visible_audit_events, AuditEvent),
            ):
                assert visible(clause_for, model, users[column]) == set(), (column, model.__name__)
        db.session.rollback()


@pytest.mark.parametrize(
    "model", [Organisation, User, Invitation, AuditEvent], ids=lambda m: m.__name__
)
def test_the_sql_filter_and_the_view_check_agree(app, personas, model):
    """load_or_404 filters in SQL, require checks in Python: they must draw the same line."""
    with loaded(app, personas) as (users, objects):
        for column in COLUMNS:
            shown = visible(policy.VISIBLE[model], model, users[column])
            for obj in db.session.scalars(select(model)):
                assert can(users[column], policy.VIEW_ACTION[model], obj) == (obj.id in shown), (
                    column,
                    obj,
                )


# --- filters built once per request -------------------------------------------------------------


def test_a_filter_is_built_once_per_request_and_per_mfa_state(app, personas):
    """A page asks for the same filter many times (header, list, total): built once, reused.
    The session's second factor is part of what a filter reads, so it is part of the key."""
    with app.test_request_context():
        user = db.session.get(User, personas.member_a.id)
        first = policy.visible_documents(user)
        assert policy.visible_documents(user) is first
        assert policy.visible_documents(user, in_trash=True) is not first
        with policy.assuming_mfa():
            assert policy.visible_documents(user) is not first
        other = db.session.get(User, personas.member_b.id)
        assert policy.visible_documents(other) is not first
    with app.test_request_context():  # a new request builds anew
        assert policy.visible_documents(db.session.get(User, personas.member_a.id)) is not first


def test_outside_a_request_filters_are_built_each_time(app, personas):
    """Commands (the digest, reminders) decide for many users in one app context: no cache."""
    with app.app_context():
        user = db.session.get(User, personas.member_a.id)
        assert policy.visible_documents(user) is not policy.visible_documents(user)
