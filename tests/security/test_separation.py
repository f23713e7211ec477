"""Separation of duties (issue 15, findings 1 and 2, and the rule): no action gives a
platform-admin account content, and nobody gives themselves access they did not have. Each
refusal says so in Dutch and is audited as `separation.refused`."""

import io
import re

import pytest
from sqlalchemy import select

from neig_workspace.access import policy
from neig_workspace.access.roles import OrgRole, SpaceRole
from neig_workspace.accounts import mfa
from neig_workspace.accounts import service as accounts
from neig_workspace.accounts.models import Invitation, User
from neig_workspace.audit.models import AuditEvent
from neig_workspace.cases import service as cases
from neig_workspace.documents import service as documents
from neig_workspace.errors import roll_back_refusal
from neig_workspace.extensions import db
from neig_workspace.organisations import service as organisations
from neig_workspace.organisations.models import Membership, Organisation
from neig_workspace.spaces import service as spaces
from neig_workspace.spaces.models import Classification, PrincipalType, Space, SpaceKind
from neig_workspace.timeutil import utcnow
from tests.cases.helpers import open_case
from tests.conftest import db_ctx
from tests.helpers import csrf_token_of, login_as, post_form
from tests.meetings.world import TRIANGLE_MEETING, plan_meeting
from tests.personas import TOTP_SECRET

ADMIN_REFUSAL = "Een account van een platformbeheerder kan geen toegang tot inhoud krijgen"
TWO_ACCOUNTS = "gebruikt daarvoor een tweede account"
SELF_REFUSAL = "U kunt uzelf geen toegang geven die u nog niet hebt"
PDF = b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n"


def text(response) -> str:
    import html

    return html.unescape(response.get_data(as_text=True))


def refusals(app) -> list[AuditEvent]:
    with db_ctx(app) as session:
        return list(
            session.scalars(
                select(AuditEvent)
                .where(AuditEvent.action == "separation.refused")
                .order_by(AuditEvent.id)
            )
        )


def assert_refused(app, *, action, actor_id, account_id, reason="platform_admin"):
    """The one refusal recorded: who tried, for which account, what, and why."""
    (event,) = refusals(app)
    assert event.result == "denied"
    assert event.actor_id == actor_id
    assert event.details["action"] == action
    assert event.details["reason"] == reason
    assert event.details["account_id"] == account_id


def memberships_of(app, user_id) -> list[int]:
    with db_ctx(app) as session:
        return list(
            session.scalars(select(Membership.organisation_id).where(Membership.user_id == user_id))
        )


def case_paths(app, case_id) -> list[str]:
    """The case page, its documents (page and download) and its export."""
    with app.app_context():
        case = cases.db.session.get(cases.Case, case_id)
        document = documents.upload_document(
            case.space,
            documents.Upload(io.BytesIO(PDF), "pv.pdf"),
            actor=db.session.get(User, case.created_by_id),
        )
        db.session.commit()
        doc_id = document.id
    return [
        f"/casussen/{case_id}",
        f"/documenten/{doc_id}",
        f"/documenten/{doc_id}/versies/1/download",
        f"/casussen/{case_id}/export.csv",
    ]


def make_admin(app, persona) -> None:
    """Promote a persona to platform admin, enrolled in MFA as an admin must be (directly: the
    promotion of an account that holds content is refused since the rule)."""
    with app.app_context():
        user = db.session.get(User, persona.id)
        user.is_platform_admin = True
        user.totp_secret_encrypted = mfa.encrypt_secret(TOTP_SECRET)
        user.mfa_enabled_at = utcnow()
        db.session.commit()


def outbox_link(outbox, email) -> str | None:
    for message in outbox():
        if message["To"] == email:
            match = re.search(r"(/uitnodiging/[A-Za-z0-9_-]+)", message.get_content())
            return match.group(1) if match else None
    return None


# --- finding 1: invite yourself, accept, read the case ---------------------------------------


def test_finding1_an_admin_who_invites_themselves_still_gets_404_on_the_case(
    app, client, personas, outbox
):
    case_id = open_case(app, personas)
    paths = case_paths(app, case_id)
    admin = personas.platform_admin
    login_as(app, client, admin)
    for path in paths:
        assert client.get(path).status_code == 404, path
    # The probe's chain: invite their own address to the case's municipality, open the link
    # from the outbox, accept; then the case and its documents, and the export.
    response = post_form(
        client,
        f"/organisaties/{personas.orgs['gemeente_a']}/uitnodigen",
        {"email": admin.email, "role": "member"},
    )
    link = outbox_link(outbox, admin.email)
    if link is not None:
        client.post(link, data={"csrf_token": csrf_token_of(app, client)})
    for path in paths:
        assert client.get(path).status_code == 404, path
    assert personas.orgs["gemeente_a"] not in memberships_of(app, admin.id)
    # No link went out: the invitation itself was refused, in Dutch.
    assert link is None
    assert response.status_code == 422
    assert ADMIN_REFUSAL in text(response) and TWO_ACCOUNTS in text(response)
    assert_refused(app, action="invitation.create", actor_id=admin.id, account_id=admin.id)
    with db_ctx(app) as session:
        assert session.scalar(select(Invitation).where(Invitation.email == admin.email)) is None


def test_finding1_an_invitation_made_before_the_account_became_admin_is_not_accepted(
    app, client, personas, outbox
):
    """The probe's link, or one sent before the promotion: accepting it answers 403 in Dutch."""
    case_id = open_case(app, personas)
    paths = case_paths(app, case_id)
    later = personas.housing  # a partner's member, invited to Rotterdam, then made admin
    inviter = login_as(app, app.test_client(), personas.org_admin_a)
    post_form(
        inviter,
        f"/organisaties/{personas.orgs['gemeente_a']}/uitnodigen",
        {"email": later.email, "role": "member"},
    )
    link = outbox_link(outbox, later.email)
    assert link
    make_admin(app, later)
    login_as(app, client, later)
    response = client.post(link, data={"csrf_token": csrf_token_of(app, client)})
    for path in paths:
        assert client.get(path).status_code == 404, path
    assert personas.orgs["gemeente_a"] not in memberships_of(app, later.id)
    assert response.status_code == 403
    assert ADMIN_REFUSAL in text(response) and TWO_ACCOUNTS in text(response)
    assert_refused(app, action="invitation.accept", actor_id=later.id, account_id=later.id)


def test_finding1_a_platform_admin_is_not_pulled_into_an_organisation_by_another_admin(
    app, client, personas
):
    """`/beheer/gebruikers/<id>/lidmaatschappen` for another platform-admin account."""
    other = personas.housing
    make_admin(app, other)
    login_as(app, client, personas.platform_admin)
    path = f"/beheer/gebruikers/{other.id}"
    response = post_form(
        client,
        f"{path}/lidmaatschappen",
        {"organisation_id": personas.orgs["gemeente_a"], "role": "member"},
        token_from=path,
    )
    assert response.status_code == 302
    assert ADMIN_REFUSAL in text(client.get(response.location))
    assert personas.orgs["gemeente_a"] not in memberships_of(app, other.id)
    assert_refused(
        app, action="membership.create", actor_id=personas.platform_admin.id, account_id=other.id
    )


# --- finding 2: grant yourself a restricted space ---------------------------------------------


def _triangle(app, personas) -> dict:
    """A zaakvertrouwelijk working space of A (the local triangle) with a document and a
    meeting for its readers."""
    with app.app_context():
        org_a = db.session.get(Organisation, personas.orgs["gemeente_a"])
        author = db.session.get(User, personas.org_admin_a.id)
        space = spaces.create_space(
            SpaceKind.RESTRICTED,
            "Driehoek Rotterdam",
            classification=Classification.ZAAKVERTROUWELIJK,
            actor=None,
        )
        spaces.add_grant(
            space, PrincipalType.ORGANISATION, SpaceRole.MANAGER, organisation=org_a, actor=None
        )
        with policy.assuming_mfa():
            document = documents.upload_document(
                space, documents.Upload(io.BytesIO(PDF), "driehoek.pdf"), actor=author
            )
            meeting = plan_meeting(space, author, **TRIANGLE_MEETING)
        db.session.commit()
        return {"space": space.id, "document": document.id, "meeting": meeting.id}


def _triangle_paths(ids) -> list[str]:
    return [
        f"/documenten/{ids['document']}",
        f"/documenten/{ids['document']}/versies/1/download",
        f"/bijeenkomsten/{ids['meeting']}",
    ]


def test_finding2_an_admin_who_grants_themselves_a_restricted_space_still_gets_404(
    app, client, personas
):
    ids = _triangle(app, personas)
    admin = personas.platform_admin
    login_as(app, client, admin)
    for path in _triangle_paths(ids):
        assert client.get(path).status_code == 404, path
    members = f"/werkruimtes/{ids['space']}/leden"
    response = post_form(client, members, {"principal": "user", "email": admin.email, "role": "10"})
    for path in _triangle_paths(ids):
        assert client.get(path).status_code == 404, path
    assert response.status_code == 422
    assert ADMIN_REFUSAL in text(response) and TWO_ACCOUNTS in text(response)
    assert_refused(app, action="grant.create", actor_id=admin.id, account_id=admin.id)


def test_a_space_manager_cannot_grant_a_platform_admin_either(app, client, personas):
    """Grant to the user by someone else: the admin's account is refused all the same."""
    ids = _triangle(app, personas)
    login_as(app, client, personas.org_admin_a)
    response = post_form(
        client,
        f"/werkruimtes/{ids['space']}/leden",
        {"principal": "user", "email": personas.platform_admin.email, "role": "10"},
    )
    assert response.status_code == 422
    assert ADMIN_REFUSAL in text(response)
    login_as(app, client, personas.platform_admin)
    for path in _triangle_paths(ids):
        assert client.get(path).status_code == 404, path
    assert_refused(
        app,
        action="grant.create",
        actor_id=personas.org_admin_a.id,
        account_id=personas.platform_admin.id,
    )


# --- the other paths, at the service (views, CLI and SSO all pass through it) ----------------


def _refused(call) -> policy.SeparationRefused:
    with pytest.raises(policy.SeparationRefused) as caught:
        call()
    roll_back_refusal(caught.value)  # as a view does: roll back, then audit
    return caught.value


def test_case_participation_of_a_platform_admin_is_refused(app, personas):
    case_id = open_case(app, personas)
    with app.app_context():
        case = db.session.get(cases.Case, case_id)
        admin = db.session.get(User, personas.platform_admin.id)
        manager = db.session.get(User, personas.member_a.id)
        refused = _refused(lambda: cases.add_user(case, admin, SpaceRole.VIEWER, actor=manager))
        assert ADMIN_REFUSAL in refused.message and TWO_ACCOUNTS in refused.message
    assert_refused(
        app,
        action="case.user_add",
        actor_id=personas.member_a.id,
        account_id=personas.platform_admin.id,
    )


def test_an_organisation_with_a_platform_admin_member_does_not_join_a_case(app, personas):
    """The persona admin is still a member of the VNG (data from before the rule): the VNG
    taking part would give the admin the case."""
    case_id = open_case(app, personas)
    with app.app_context():
        case = db.session.get(cases.Case, case_id)
        vng = db.session.get(Organisation, personas.orgs["vng"])
        manager = db.session.get(User, personas.member_a.id)
        participant = cases.Participant(vng, SpaceRole.VIEWER, False, False)
        refused = _refused(lambda: cases.add_participant(case, participant, actor=manager))
        assert ADMIN_REFUSAL in refused.message
        assert cases.participation(db.session.get(cases.Case, case_id), vng.id) is None
    assert_refused(
        app,
        action="case.participant_add",
        actor_id=personas.member_a.id,
        account_id=personas.platform_admin.id,
    )


def test_a_platform_admin_opens_no_case(app, personas):
    """A case's creator manages it: never a platform-admin account (also the secretariat)."""
    with app.app_context():
        admin = db.session.get(User, personas.platform_admin.id)
        admin.is_secretariat = True  # the secretariat opens cases for any municipality
        refused = _refused(
            lambda: cases.create_case(
                actor=admin,
                municipality=db.session.get(Organisation, personas.orgs["gemeente_a"]),
                occurred_at=utcnow(),
                target_type=cases.TargetType.WONING,
                explosive_type=cases.ExplosiveType.ZWAAR_VUURWERK,
                legal_basis_id=1,
            )
        )
        assert ADMIN_REFUSAL in refused.message
    admin_id = personas.platform_admin.id
    assert_refused(app, action="case.create", actor_id=admin_id, account_id=admin_id)


def test_add_member_refuses_a_platform_admin_from_the_cli_too(app, personas):
    with app.app_context():
        admin = db.session.get(User, personas.platform_admin.id)
        org = db.session.get(Organisation, personas.orgs["gemeente_a"])
        _refused(lambda: organisations.add_member(org, admin, OrgRole.MEMBER, actor=None))
        assert org.id not in {m.organisation_id for m in admin.memberships}
    assert_refused(app, action="membership.create", actor_id=None, account_id=admin.id)


def test_the_secretariat_does_not_invite_itself(app, personas, outbox):
    """The secretariat has no content by its role; an invitation to itself would give it an
    organisation's content that nobody chose to give it."""
    with app.app_context():
        secretariat = db.session.get(User, personas.secretariat.id)
        org = db.session.get(Organisation, personas.orgs["gemeente_a"])
        refused = _refused(
            lambda: accounts.invite(secretariat.email, org, OrgRole.MEMBER, actor=secretariat)
        )
        assert SELF_REFUSAL in refused.message
    assert not [m for m in outbox() if m["To"] == personas.secretariat.email]
    assert_refused(
        app,
        action="invitation.create",
        actor_id=personas.secretariat.id,
        account_id=personas.secretariat.id,
        reason="self",
    )


def test_nobody_grants_themselves_more_than_they_hold(app, personas):
    """A space manager may restate their own role, never give themselves a space they cannot
    read (the secretariat in A's triangle)."""
    ids = _triangle(app, personas)
    with app.app_context():
        space = db.session.get(Space, ids["space"])
        manager = db.session.get(User, personas.org_admin_a.id)
        spaces.add_grant(space, PrincipalType.USER, SpaceRole.MANAGER, user=manager, actor=manager)
        secretariat = db.session.get(User, personas.secretariat.id)
        refused = _refused(
            lambda: spaces.add_grant(
                space, PrincipalType.USER, SpaceRole.VIEWER, user=secretariat, actor=secretariat
            )
        )
        assert SELF_REFUSAL in refused.message
        assert policy.space_role(secretariat, db.session.get(Space, ids["space"])) is None
    assert_refused(
        app,
        action="grant.create",
        actor_id=personas.secretariat.id,
        account_id=personas.secretariat.id,
        reason="self",
    )


def test_approving_an_application_with_an_admins_address_invites_nobody(app, personas, outbox):
    """An application in the admin's own name: its approval would invite the admin as the new
    organisation's admin. Refused, and nothing of the approval stays."""
    from neig_workspace.applications import service as applications
    from neig_workspace.applications.models import Application, ApplicationStatus
    from neig_workspace.organisations.models import OrgType

    admin = personas.platform_admin
    with app.app_context():
        application = applications.submit(
            applications.Submission(
                organisation_name="Stichting Beheer",
                org_type=OrgType.OTHER if hasattr(OrgType, "OTHER") else OrgType.ASSOCIATION,
                cbs_code=None,
                contact_name="Beheerder",
                email=admin.email,
                phone="010-1234567",
                contact_role="Directeur",
                motivation="Wij willen meedoen.",
            )
        )
        db.session.commit()
        application_id = application.id
        actor = db.session.get(User, admin.id)
        _refused(lambda: applications.approve(application, actor=actor))
        assert db.session.get(Application, application_id).status == ApplicationStatus.PENDING
        assert (
            db.session.scalar(select(Organisation).where(Organisation.name == "Stichting Beheer"))
            is None
        )
    assert not [m for m in outbox() if m["To"] == admin.email and "Uitnodiging" in m["Subject"]]
    assert_refused(app, action="invitation.create", actor_id=admin.id, account_id=admin.id)


def test_an_organisation_with_a_platform_admin_member_is_granted_no_space(app, personas):
    """Granting the VNG (the persona admin is still its member) would give the admin the
    space: refused like a grant to the admin."""
    ids = _triangle(app, personas)
    with app.app_context():
        space = db.session.get(Space, ids["space"])
        vng = db.session.get(Organisation, personas.orgs["vng"])
        manager = db.session.get(User, personas.org_admin_a.id)
        refused = _refused(
            lambda: spaces.add_grant(
                space, PrincipalType.ORGANISATION, SpaceRole.VIEWER, organisation=vng, actor=manager
            )
        )
        assert ADMIN_REFUSAL in refused.message
    assert_refused(
        app,
        action="grant.create",
        actor_id=personas.org_admin_a.id,
        account_id=personas.platform_admin.id,
    )


def test_the_refusal_reads_in_english_for_an_english_account(app, client, personas):
    with app.app_context():
        db.session.get(User, personas.platform_admin.id).locale = "en"
        db.session.commit()
    login_as(app, client, personas.platform_admin)
    response = post_form(
        client,
        f"/organisaties/{personas.orgs['gemeente_a']}/uitnodigen",
        {"email": personas.platform_admin.email, "role": "member"},
    )
    assert response.status_code == 422
    page = text(response)
    assert "A platform administrator's account cannot be given access to content" in page
    assert "uses a second account" in page
