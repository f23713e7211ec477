"""No sequence of actions gives a platform admin or the secretariat content (issue 15).

A hypothesis state machine lets a platform admin (P) and a secretariat account (S), both without
any membership or grant, do any sequence of the actions open to them, through the services (as
views, the CLI and SSO do): invite anyone or themselves and accept, add members, grant spaces to
people (themselves too), organisations and the network, add people and organisations to a case,
open a case, create organisations and spaces, approve applications (in their own name too),
configure single sign-on and sign in through it, and change global roles. After every step the
content P, S and every account that was made a platform admin can reach (documents, spaces,
cases, their measures, tasks and timeline, meetings, articles, comments; narrowed documents
among them), asked of the policy's visible_* filters in SQL with a second factor assumed, is
what it was at the start: nothing. Nor do they hold a membership or a grant to the user.

What P does to S is left out on purpose: S is an ordinary account for the rest of the
platform, and an admin may invite it like anyone (the rule keeps the admin's own account, and
everyone's own hands, from giving content). What S does to P is in: it must be refused.

Steps: NEIG_SEPARATION_STEPS (default 2,000; `make test-separation-long` runs 20,000). Under
CI (CI=true) the examples are derandomised, so a run is reproducible. Each example runs in a
savepoint of the test's transaction that is rolled back (tests/transactions.py).
"""

import io
import math
import os
import time
from contextlib import ExitStack
from datetime import timedelta

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test
from sqlalchemy import func, select

from neig_workspace.access import policy
from neig_workspace.access.roles import OrgRole, SpaceRole
from neig_workspace.accounts import service as accounts
from neig_workspace.accounts.models import Invitation, User
from neig_workspace.actions.models import ActionItem, ActionPlan
from neig_workspace.applications import service as applications
from neig_workspace.cases import service as cases
from neig_workspace.cases.legal_bases import ensure_default_legal_bases
from neig_workspace.cases.models import (
    AftercareKind,
    AftercareTask,
    Case,
    EntryKind,
    LegalBasis,
    Measure,
    MeasureType,
    TimelineEntry,
)
from neig_workspace.comments.models import Comment
from neig_workspace.documents import service as documents
from neig_workspace.documents.models import Document, DocumentNarrowing
from neig_workspace.errors import ServiceError, roll_back_refusal
from neig_workspace.extensions import db
from neig_workspace.knowledge.models import Article
from neig_workspace.meetings.models import Meeting
from neig_workspace.organisations import service as organisations
from neig_workspace.organisations.models import Membership, Organisation, OrgType
from neig_workspace.privacy.service import PrivacyFields
from neig_workspace.spaces import service as spaces
from neig_workspace.spaces.models import (
    Classification,
    PrincipalType,
    Space,
    SpaceGrant,
    SpaceKind,
)
from neig_workspace.sso import service as sso
from neig_workspace.timeutil import utcnow
from tests.meetings.world import TRIANGLE_MEETING, plan_meeting

IN_CI = os.environ.get("CI", "").lower() == "true"
STEPS = int(os.environ.get("NEIG_SEPARATION_STEPS", "2000"))
STEPS_PER_EXAMPLE = 50
PDF = b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n"
ROLES = list(SpaceRole)

#: model -> the policy's filter of what a user may read (documents include narrowed ones).
CONTENT = {
    "documents": (Document, policy.visible_documents),
    "documents in the trash": (Document, lambda u: policy.visible_documents(u, in_trash=True)),
    "spaces": (Space, policy.visible_spaces),
    "cases": (Case, policy.visible_cases),
    "measures": (Measure, policy.visible_measures),
    "tasks": (AftercareTask, policy.visible_tasks),
    "timeline entries": (TimelineEntry, policy.visible_timeline_entries),
    "meetings": (Meeting, policy.visible_meetings),
    "action plans": (ActionPlan, policy.visible_action_plans),
    "action items": (ActionItem, policy.visible_action_items),
    "articles": (Article, policy.visible_articles),
    "comments": (Comment, policy.visible_comments),
}


_REACH: dict[tuple, object] = {}


def reachable(user) -> dict[str, int]:
    """What `user` can reach, counted in one query (a second factor assumed: the most). The
    filters are SQL on the user's id (memberships and grants are read when the query runs), so
    the statement is built once per id and state of the account, and reused."""
    key = (user.id, user.active, user.is_platform_admin, user.is_secretariat)
    if key not in _REACH:
        with policy.assuming_mfa():
            counts = [
                select(func.count()).select_from(model).where(clause(user)).scalar_subquery()
                for model, clause in CONTENT.values()
            ]
        _REACH[key] = select(*counts)
    row = db.session.execute(_REACH[key]).one()
    return {name: n for name, n in zip(CONTENT, row, strict=True) if n}


def holds(user) -> int:
    """Memberships and grants to the user."""
    return db.session.scalar(
        select(
            select(func.count(Membership.id)).where(Membership.user_id == user.id).scalar_subquery()
            + select(func.count(SpaceGrant.id))
            .where(SpaceGrant.principal_type == PrincipalType.USER, SpaceGrant.user_id == user.id)
            .scalar_subquery()
        )
    )


def _user(email, name, **flags) -> User:
    user = User(email=email, name=name, **flags)
    db.session.add(user)
    db.session.flush()
    return user


def plant_world() -> dict:
    """Two partners with content of every kind, P and S (nothing), two fresh accounts, and data
    from before the rule: an invitation of P (before P became admin), a self-invitation of S."""
    ensure_default_legal_bases()
    org_a = organisations.create_organisation(
        "Gemeente Rotterdam", OrgType.MUNICIPALITY, cbs_code="GM0599", actor=None
    )
    org_b = organisations.create_organisation("Politie Rotterdam", OrgType.POLICE, actor=None)
    org_s = organisations.create_organisation("Secretariaat OTE", OrgType.SECRETARIAT, actor=None)
    ua = _user("a@rotterdam.example", "A")
    ub = _user("b@politie.example", "B")
    organisations.add_member(org_a, ua, OrgRole.ORG_ADMIN, actor=None)
    organisations.add_member(org_b, ub, OrgRole.MEMBER, actor=None)
    admin = _user("p@beheer.example", "P", is_platform_admin=True)
    secretariat = _user("s@ote.example", "S", is_secretariat=True)
    fresh = [_user(f"f{i}@vers.example", f"F{i}") for i in (1, 2)]
    basis = db.session.scalar(select(LegalBasis.id).order_by(LegalBasis.id))
    with policy.assuming_mfa():
        case = cases.create_case(
            actor=ua,
            municipality=org_a,
            occurred_at=utcnow().replace(microsecond=0) - timedelta(days=2),
            target_type=cases.TargetType.WONING,
            explosive_type=cases.ExplosiveType.ZWAAR_VUURWERK,
            legal_basis_id=basis,
            address="Coolsingel 40, 3011 AD Rotterdam",
            participants=[cases.Participant(org_b, SpaceRole.CONTRIBUTOR, True, False)],
        )
        db.session.add_all(
            [
                Measure(
                    case_id=case.id,
                    type=MeasureType.SLUITING_174A,
                    responsible_organisation_id=org_a.id,
                ),
                AftercareTask(
                    case_id=case.id,
                    kind=AftercareKind.BEWONERSBRIEF,
                    organisation_id=org_a.id,
                ),
                TimelineEntry(
                    case_id=case.id,
                    occurred_at=utcnow().replace(microsecond=0),
                    kind=EntryKind.GEBEURTENIS,
                    text="Melding ontvangen.",
                    author_id=ua.id,
                    supplier_organisation_id=org_a.id,
                    legal_basis_id=basis,
                ),
            ]
        )
        documents.upload_document(case.space, documents.Upload(io.BytesIO(PDF), "pv.pdf"), actor=ua)
        triangle = spaces.create_space(
            SpaceKind.RESTRICTED,
            "Driehoek",
            classification=Classification.ZAAKVERTROUWELIJK,
            actor=None,
        )
        for org, role in ((org_a, SpaceRole.MANAGER), (org_b, SpaceRole.CONTRIBUTOR)):
            spaces.add_grant(
                triangle, PrincipalType.ORGANISATION, role, organisation=org, actor=None
            )
        documents.upload_document(
            triangle, documents.Upload(io.BytesIO(PDF), "driehoek.pdf"), actor=ua
        )
        narrowed = documents.upload_document(
            triangle, documents.Upload(io.BytesIO(PDF), "politie.pdf"), actor=ua
        )
        db.session.add(DocumentNarrowing(document_id=narrowed.id, organisation_id=org_b.id))
        plan_meeting(triangle, ua, **TRIANGLE_MEETING)
        shared = spaces.create_space(SpaceKind.SHARED, "Kennisbank", actor=None)
        spaces.add_grant(shared, PrincipalType.NETWORK, SpaceRole.VIEWER, actor=None)
        documents.upload_document(shared, documents.Upload(io.BytesIO(PDF), "kader.pdf"), actor=ua)
    expires = utcnow() + timedelta(days=30)
    db.session.add_all(
        [
            Invitation(  # sent to P's address before P became a platform admin
                email=admin.email,
                organisation=org_a,
                role=OrgRole.MEMBER,
                invited_by=ua,
                token_hash="before-the-rule-p",
                expires_at=expires,
            ),
            Invitation(  # S invited itself, before that was refused
                email=secretariat.email,
                organisation=org_a,
                role=OrgRole.ORG_ADMIN,
                invited_by=secretariat,
                token_hash="before-the-rule-s",
                expires_at=expires,
            ),
        ]
    )
    db.session.commit()
    return {
        "admin": admin.id,
        "secretariat": secretariat.id,
        "fresh": [u.id for u in fresh],
        "others": [ua.id, ub.id],
        "orgs": [org_a.id, org_b.id, org_s.id],
        "spaces": list(db.session.scalars(select(Space.id).order_by(Space.id))),
        "case": case.id,
    }


class Tally:
    steps = 0
    refused = 0
    done = 0


class SeparationMachine(RuleBasedStateMachine):
    """The world is planted; each example starts from it in a savepoint rolled back after."""

    app = None
    test_db = None
    world: dict = {}

    def __init__(self):
        super().__init__()
        self.stack = ExitStack()
        self.stack.enter_context(self.test_db.rolled_back())
        self.stack.enter_context(self.app.app_context())
        self.orgs = list(self.world["orgs"])
        self.spaces = list(self.world["spaces"])
        self.promoted: set[int] = set()
        self.serial = 0
        self.started = False

    def teardown(self):
        db.session.rollback()
        self.stack.close()

    # --- who acts, on whom ---------------------------------------------------------------------

    def actor(self, data) -> User:
        return db.session.get(User, data.draw(st.sampled_from(self.actor_ids()), label="actor"))

    def actor_ids(self) -> list[int]:
        return [self.world["admin"], self.world["secretariat"]]

    def target(self, data, actor: User) -> User:
        """Themselves, fresh accounts, a partner's member; P when S acts (never S when P does)."""
        choices = [actor.id, *self.world["fresh"], *self.world["others"]]
        if actor.id == self.world["secretariat"]:
            choices.append(self.world["admin"])
        return db.session.get(User, data.draw(st.sampled_from(choices), label="target"))

    def admin_target(self, data) -> User:
        """Whom P acts on: P itself, fresh accounts, a partner's member (not S)."""
        return self.target(data, db.session.get(User, self.world["admin"]))

    def org(self, data) -> Organisation:
        return db.session.get(Organisation, data.draw(st.sampled_from(self.orgs), label="org"))

    def space(self, data) -> Space:
        return db.session.get(Space, data.draw(st.sampled_from(self.spaces), label="space"))

    def name(self, prefix: str) -> str:
        self.serial += 1
        return f"{prefix} {self.serial}"

    def attempt(self, call):
        """One use case, one transaction, as a view runs it: commit, or roll back (and audit a
        separation refusal) and carry on."""
        try:
            result = call()
        except ServiceError as error:
            roll_back_refusal(error)
            Tally.refused += 1
            return None
        except sso.SsoRefused as refused:
            db.session.rollback()
            sso.record_refusal(refused)
            db.session.commit()
            Tally.refused += 1
            return None
        db.session.commit()
        Tally.done += 1
        return result

    # --- the actions --------------------------------------------------------------------------

    @rule(data=st.data(), role=st.sampled_from(list(OrgRole)), new=st.booleans())
    def invite(self, data, role, new):
        actor = self.actor(data)
        org = self.org(data)
        email = self.name("nieuw").replace(" ", "") + "@vers.example"
        if not new:
            email = self.target(data, actor).email
        self.attempt(lambda: accounts.invite(email, org, role, actor=actor))

    @rule(data=st.data())
    def accept(self, data):
        """The invitee of an open invitation (P, S or a fresh account) accepts it."""
        watched = [self.world["admin"], self.world["secretariat"], *self.world["fresh"]]
        emails = [db.session.get(User, i).email for i in watched]
        open_ids = db.session.scalars(
            select(Invitation.id)
            .where(
                Invitation.email.in_(emails),
                Invitation.accepted_at.is_(None),
                Invitation.revoked_at.is_(None),
            )
            .order_by(Invitation.id)
        ).all()
        if not open_ids:
            return
        invitation = db.session.get(Invitation, data.draw(st.sampled_from(open_ids)))
        user = accounts.find_user_by_email(invitation.email)
        self.attempt(lambda: accounts.accept_invitation_existing_user(invitation, user))

    @rule(data=st.data(), role=st.sampled_from(list(OrgRole)))
    def add_member(self, data, role):
        actor = self.actor(data)
        user, org = self.target(data, actor), self.org(data)
        self.attempt(lambda: organisations.add_member(org, user, role, actor=actor))

    @rule(data=st.data(), role=st.sampled_from(ROLES), kind=st.sampled_from(["user", "org", "net"]))
    def grant(self, data, role, kind):
        actor, space = self.actor(data), self.space(data)
        if kind == "user":
            user = self.target(data, actor)
            call = lambda: spaces.add_grant(  # noqa: E731
                space, PrincipalType.USER, role, user=user, actor=actor
            )
        elif kind == "org":
            org = self.org(data)
            principal = data.draw(
                st.sampled_from([PrincipalType.ORGANISATION, PrincipalType.ORGANISATION_ADMINS])
            )
            call = lambda: spaces.add_grant(  # noqa: E731
                space, principal, role, organisation=org, actor=actor
            )
        else:
            call = lambda: spaces.add_grant(  # noqa: E731
                space, PrincipalType.NETWORK, role, actor=actor
            )
        self.attempt(call)

    @rule(data=st.data(), role=st.sampled_from(ROLES))
    def case_user(self, data, role):
        actor = self.actor(data)
        case, user = db.session.get(Case, self.world["case"]), self.target(data, actor)
        self.attempt(lambda: cases.add_user(case, user, role, actor=actor))

    @rule(data=st.data(), role=st.sampled_from(ROLES), core=st.booleans())
    def case_organisation(self, data, role, core):
        actor, org = self.actor(data), self.org(data)
        case = db.session.get(Case, self.world["case"])
        participant = cases.Participant(org, role, core, False)
        self.attempt(lambda: cases.add_participant(case, participant, actor=actor))

    @rule(data=st.data())
    def open_case(self, data):
        actor = self.actor(data)
        municipality = db.session.get(Organisation, self.world["orgs"][0])
        self.attempt(
            lambda: cases.create_case(
                actor=actor,
                municipality=municipality,
                occurred_at=utcnow().replace(microsecond=0),
                target_type=cases.TargetType.WONING,
                explosive_type=cases.ExplosiveType.ZWAAR_VUURWERK,
                legal_basis_id=db.session.scalar(select(LegalBasis.id).order_by(LegalBasis.id)),
            )
        )

    @rule(data=st.data(), org_type=st.sampled_from(list(OrgType)))
    def create_organisation(self, data, org_type):
        actor = self.actor(data)
        if not policy.can(actor, "organisation.create"):
            return
        name = self.name("Partner")
        org = self.attempt(
            lambda: organisations.create_organisation(
                name, OrgType.HOUSING if org_type == OrgType.MUNICIPALITY else org_type, actor=actor
            )
        )
        if org is not None:
            self.orgs.append(org.id)
            self.spaces.append(
                db.session.scalar(select(Space.id).where(Space.organisation_id == org.id))
            )

    @rule(
        data=st.data(),
        kind=st.sampled_from([SpaceKind.SHARED, SpaceKind.RESTRICTED]),
        label=st.sampled_from(list(Classification)),
    )
    def create_space(self, data, kind, label):
        actor = self.actor(data)
        if not policy.can(actor, "space.create"):
            return
        name = self.name("Werkruimte")
        # From `vertrouwelijk` on a space needs its privacy statement (issue 22): with one or
        # without (refused).
        privacy = None
        if data.draw(st.booleans()):
            basis = db.session.scalar(select(LegalBasis.id).order_by(LegalBasis.id))
            privacy = PrivacyFields("Doel", basis, "Namen", "1 jaar", "privacy@vers.example")
        space = self.attempt(
            lambda: spaces.create_space(
                kind, name, classification=label, privacy=privacy, actor=actor
            )
        )
        if space is not None:
            self.spaces.append(space.id)

    @rule(data=st.data(), own=st.booleans())
    def approve_application(self, data, own):
        """An application in anyone's name (P's or S's too), approved by P."""
        actor = db.session.get(User, self.world["admin"])
        email = self.admin_target(data).email
        if not own:
            email = self.name("aanvrager").replace(" ", "") + "@vers.example"
        submission = applications.Submission(
            organisation_name=self.name("Aanvrager"),
            org_type=OrgType.BUSINESS,
            cbs_code=None,
            contact_name="Contact",
            email=email,
            phone="0101234567",
            contact_role="Directeur",
            motivation="Wij doen mee.",
        )
        application = self.attempt(lambda: applications.submit(submission))
        if application is not None:
            self.attempt(lambda: applications.approve(application, actor=actor))

    @rule(data=st.data(), create=st.booleans(), with_invitation=st.booleans())
    def sso_sign_in(self, data, create, with_invitation):
        """P configures an organisation's provider for someone's domain; that person (P, S or
        another) signs in through it: the provider vouches for their address."""
        admin = db.session.get(User, self.world["admin"])
        org = self.org(data)
        person = self.admin_target(data)
        domain = sso.email_domain(person.email)
        settings_ = sso.ProviderSettings(
            issuer="https://login.example.nl",
            client_id="neig",
            client_secret="geheim",  # noqa: S106 - a test value
            domains=[domain],
            allow_account_creation=create,
        )
        provider = self.attempt(lambda: sso.save_provider(org, settings_, actor=admin))
        if provider is None:
            return
        if with_invitation:
            self.attempt(lambda: accounts.invite(person.email, org, OrgRole.MEMBER, actor=admin))
        claims = {"email": person.email, "email_verified": True, "name": person.name}
        provider = sso.provider_of(org)
        self.attempt(
            lambda: sso._account_for(sso._vouched_email(claims, provider), claims, provider)
        )

    @rule(data=st.data(), admin=st.booleans(), secretariat=st.booleans())
    def change_roles(self, data, admin, secretariat):
        """P changes the global roles of an account it may manage (not its own)."""
        actor = db.session.get(User, self.world["admin"])
        user = self.target(data, db.session.get(User, self.world["secretariat"]))
        if user.id == self.world["secretariat"] and not secretariat:
            return  # S stays the secretariat (an ordinary account would be another story)
        if not policy.can(actor, "user.manage", user):
            return
        done = self.attempt(
            lambda: (
                accounts.set_global_roles(
                    user, platform_admin=admin, secretariat=secretariat, actor=actor
                )
                or True
            )
        )
        if done and admin:
            self.promoted.add(user.id)

    # --- what must hold after every step ------------------------------------------------------

    @invariant()
    def nothing_reachable(self):
        if self.started:
            Tally.steps += 1  # the invariant is checked once at the start, then after each step
        self.started = True
        watched = {*self.actor_ids(), *self.promoted}
        admins = db.session.scalars(select(User.id).where(User.is_platform_admin)).all()
        for user_id in sorted(watched | set(admins)):
            user = db.session.get(User, user_id)
            if user_id in self.promoted and not user.is_platform_admin:
                continue  # an admin who was made an ordinary account again may hold content
            assert reachable(user) == {}, (user.email, reachable(user))
            assert holds(user) == 0, user.email


def test_no_sequence_of_actions_gives_a_platform_admin_or_the_secretariat_content(
    app, test_db, capsys
):
    # Thousands of steps each count what the admin reaches with filters that look up grants
    # and memberships per row: on the dead rows of the whole run before it, that is 100 times
    # slower on PostgreSQL.
    test_db.vacuum()
    with app.app_context():
        world = plant_world()
        with policy.assuming_mfa():
            for user_id in (world["others"][0],):  # the world does have content to reach
                assert reachable(db.session.get(User, user_id))
    SeparationMachine.app, SeparationMachine.test_db, SeparationMachine.world = app, test_db, world
    Tally.steps = Tally.refused = Tally.done = 0
    _REACH.clear()  # ids differ from one database (and run) to the next
    examples = max(1, math.ceil(STEPS / STEPS_PER_EXAMPLE * 1.25))
    began = time.monotonic()
    while Tally.steps < STEPS:  # hypothesis draws how many steps an example takes
        run_state_machine_as_test(
            SeparationMachine,
            settings=settings(
                max_examples=examples,
                stateful_step_count=STEPS_PER_EXAMPLE,
                deadline=None,
                derandomize=IN_CI,
                database=None,
                suppress_health_check=list(HealthCheck),
                print_blob=True,
            ),
        )
        if IN_CI:  # derandomised: another run would repeat this one
            break
    seconds = time.monotonic() - began
    with capsys.disabled():
        print(
            f"\nseparation machine: {Tally.steps} steps ({Tally.done} done, {Tally.refused} "
            f"refused) in {seconds:.1f} s"
        )
    assert Tally.steps >= STEPS, f"only {Tally.steps} steps were run"
