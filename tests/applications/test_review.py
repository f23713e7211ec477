"""VNG's review: only platform admins see applications; duplicates are flagged; a question, an
approval or a rejection is one audited step with its e-mail, and a decided application cannot
be decided again."""

import html
import re

from sqlalchemy import func, select

from neig_workspace.access.roles import OrgRole
from neig_workspace.accounts.models import Invitation, User
from neig_workspace.applications import service
from neig_workspace.applications.models import Application, ApplicationQuestion, ApplicationStatus
from neig_workspace.audit.models import AuditEvent
from neig_workspace.extensions import db
from neig_workspace.organisations.models import Organisation, OrgType
from neig_workspace.spaces.models import Space, SpaceKind
from tests.applications.conftest import valid_form
from tests.conftest import db_ctx
from tests.helpers import login_as, post_form

ADMIN_LIST = "/beheer/aanmeldingen"


def plant(app, **changes) -> int:
    """An application as the public form stores it; returns its id."""
    data = valid_form(**changes)
    with app.test_request_context():
        application = service.submit(
            service.Submission(
                organisation_name=data["organisation_name"] or "Gemeente Enschede",
                org_type=OrgType(data["org_type"]),
                cbs_code=data["cbs_code"] or None,
                contact_name=data["contact_name"],
                email=data["email"],
                phone=data["phone"],
                contact_role=data["contact_role"],
                motivation=data["motivation"],
            )
        )
        db.session.commit()
        return application.id


def admin(app, personas):
    return login_as(app, app.test_client(), personas.platform_admin)


def path(application_id: int, action: str = "") -> str:
    return f"{ADMIN_LIST}/{application_id}" + (f"/{action}" if action else "")


def decide(client, application_id: int, action: str, data=None):
    return post_form(
        client, path(application_id, action), data or {}, token_from=path(application_id)
    )


def audit_actions(app) -> list[str]:
    with db_ctx(app) as session:
        return list(session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))


def load(app, application_id: int) -> Application:
    with db_ctx(app) as session:
        application = session.get(Application, application_id)
        session.expunge(application)
        return application


def mails_to(outbox, email: str):
    return [m for m in outbox() if m["To"] == email]


# --- who sees what -------------------------------------------------------------------------


def test_only_platform_admins_see_applications(app, personas):
    application_id = plant(app)
    for key in ("member_a", "org_admin_a", "secretariat"):
        client = login_as(app, app.test_client(), personas[key])
        assert client.get(ADMIN_LIST).status_code == 403, key
        # An application does not exist for them (its contact details are VNG's business).
        assert client.get(path(application_id)).status_code == 404, key
        assert decide(client, application_id, "goedkeuren").status_code == 404, key
    assert app.test_client().get(ADMIN_LIST).status_code == 302  # to the login page
    assert load(app, application_id).status == ApplicationStatus.PENDING


def test_the_list_shows_pending_ones_and_the_filter_the_handled_ones(app, personas):
    pending = plant(app, cbs_code="GM0153")
    asked = plant(app, cbs_code="GM0158", email="haaksbergen@example.nl")
    handled = plant(app, cbs_code="GM0164", email="hengelo@example.nl")
    client = admin(app, personas)
    decide(client, asked, "vraag", {"question": "Wie is uw burgemeester?"})
    decide(client, handled, "afwijzen", {"reason": "Al lid via de regio."})

    open_list = client.get(ADMIN_LIST).get_data(as_text=True)
    assert path(pending) in open_list and path(asked) in open_list
    assert path(handled) not in open_list
    assert "vraag gesteld" in open_list and "2 aanmeldingen te beoordelen" in open_list

    done_list = client.get(ADMIN_LIST + "?status=afgehandeld").get_data(as_text=True)
    assert path(handled) in done_list and path(pending) not in done_list
    assert "afgewezen" in done_list


# --- duplicates ----------------------------------------------------------------------------


def test_the_same_municipality_or_e_mail_is_flagged(app, personas):
    first = plant(app)
    same_municipality = plant(app, email="ander@enschede.example.nl")
    same_email = plant(app, org_type="police", cbs_code="", organisation_name="Politie Oost")
    unrelated = plant(app, cbs_code="GM0164", email="hengelo@example.nl")
    client = admin(app, personas)

    page = client.get(path(first)).get_data(as_text=True)
    assert "Let op: deze aanmelding lijkt op" in page
    assert path(same_municipality) in page and path(same_email) in page
    assert path(unrelated) not in page

    calm = client.get(path(unrelated)).get_data(as_text=True)
    assert "Let op: deze aanmelding lijkt op" not in calm


def test_the_list_marks_possible_duplicates_but_not_an_approved_one_as_its_own(app, personas):
    first = plant(app)
    same_municipality = plant(app, email="ander@enschede.example.nl")
    unrelated = plant(app, cbs_code="GM0164", email="hengelo@example.nl")
    client = admin(app, personas)

    def marked() -> set[int]:
        listed = client.get(ADMIN_LIST).get_data(as_text=True)
        listed += client.get(f"{ADMIN_LIST}?status=afgehandeld").get_data(as_text=True)
        rows = re.findall(
            r'href="/beheer/aanmeldingen/(\d+)">[^<]*</a>( <span[^>]*>mogelijk dubbel)?', listed
        )
        return {int(i) for i, flag in rows if flag}

    assert marked() == {first, same_municipality}
    # Once Enschede is approved, its organisation is not "a duplicate" of its own application.
    reject = {"reason": "Dubbel."}
    assert decide(client, same_municipality, "afwijzen", reject).status_code == 302
    assert decide(client, unrelated, "goedkeuren").status_code == 302
    assert unrelated not in marked()
    page = client.get(path(unrelated)).get_data(as_text=True)
    assert "Let op: deze aanmelding lijkt op" not in page and "Bestaande organisatie:" not in page


def test_an_existing_organisation_or_user_is_flagged(app, personas):
    # Rotterdam is a member already; member_a's address applies again.
    application_id = plant(app, cbs_code="GM0599", email=personas.member_a.email)
    page = admin(app, personas).get(path(application_id)).get_data(as_text=True)
    assert "Bestaande organisatie:" in page
    assert f'/organisaties/{personas.orgs["gemeente_a"]}"' in page
    assert "Bestaande gebruiker met dit e-mailadres:" in page
    assert f"/beheer/gebruikers/{personas.member_a.id}" in page


# --- a question ----------------------------------------------------------------------------


def test_a_question_is_mailed_recorded_and_audited(app, personas, outbox):
    application_id = plant(app)
    client = admin(app, personas)
    response = decide(client, application_id, "vraag", {"question": "Wie is uw burgemeester?"})
    assert response.status_code == 302

    application = load(app, application_id)
    assert application.status == ApplicationStatus.QUESTION_ASKED
    with db_ctx(app) as session:
        [question] = session.scalars(select(ApplicationQuestion)).all()
        assert question.question == "Wie is uw burgemeester?"
        assert question.asked_by_id == personas.platform_admin.id
    [mail] = [m for m in mails_to(outbox, application.email) if "vraag" in m["Subject"]]
    assert "Wie is uw burgemeester?" in mail.get_content()
    assert "application.question_asked" in audit_actions(app)
    page = client.get(path(application_id)).get_data(as_text=True)
    assert "Gestelde vragen" in page and "Wie is uw burgemeester?" in page
    # Still open: the admin can decide after the answer.
    assert "Goedkeuren en uitnodigen" in page


def test_an_empty_question_is_refused_next_to_the_field(app, personas, outbox):
    application_id = plant(app)
    sent = len(outbox())
    response = decide(admin(app, personas), application_id, "vraag", {"question": "  "})
    assert response.status_code == 422
    assert 'id="question-error"' in response.get_data(as_text=True)
    assert load(app, application_id).status == ApplicationStatus.PENDING
    assert len(outbox()) == sent


# --- approval ------------------------------------------------------------------------------


def test_approval_creates_the_organisation_its_space_and_an_invitation(app, personas, outbox):
    application_id = plant(app)
    response = decide(admin(app, personas), application_id, "goedkeuren")
    assert response.status_code == 302

    application = load(app, application_id)
    assert application.status == ApplicationStatus.APPROVED
    assert application.handled_by_id == personas.platform_admin.id
    with db_ctx(app) as session:
        org = session.get(Organisation, application.organisation_id)
        assert (org.name, org.type, org.cbs_code) == (
            "Gemeente Enschede",
            OrgType.MUNICIPALITY,
            "GM0153",
        )
        spaces = session.scalars(
            select(Space).where(
                Space.organisation_id == org.id, Space.kind == SpaceKind.ORGANISATION
            )
        ).all()
        assert len(spaces) == 1
        invitation = session.get(Invitation, application.invitation_id)
        assert invitation.email == application.email and invitation.role == OrgRole.ORG_ADMIN
        assert invitation.organisation_id == org.id
    [mail] = [m for m in mails_to(outbox, application.email) if "Uitnodiging" in m["Subject"]]
    assert "als beheerder van Gemeente Enschede" in mail.get_content()
    events = audit_actions(app)
    for action in ("organisation.created", "space.created", "invitation.created"):
        assert action in events
    assert events[-1] == "application.approved"


def test_approval_reuses_the_organisation_of_the_municipality(app, personas, outbox):
    # Rotterdam is in the network already (without an organisation space yet).
    application_id = plant(
        app, cbs_code="GM0599", organisation_name="Rotterdam", email="oov@rotterdam.example.nl"
    )
    with db_ctx(app) as session:
        organisations_before = session.scalar(select(func.count(Organisation.id)))
    client = admin(app, personas)
    # Making the applicant admin of an existing organisation is asked first: nothing happens.
    asked = decide(client, application_id, "goedkeuren")
    assert asked.status_code == 422
    page = html.unescape(asked.get_data(as_text=True))
    assert "Gemeente Rotterdam is al lid van het netwerk." in page
    assert 'id="confirm_existing-error"' in page
    assert load(app, application_id).status == ApplicationStatus.PENDING
    assert "invitation.created" not in audit_actions(app)
    confirmed = decide(client, application_id, "goedkeuren", {"confirm_existing": "y"})
    assert confirmed.status_code == 302

    application = load(app, application_id)
    assert application.organisation_id == personas.orgs["gemeente_a"]
    with db_ctx(app) as session:
        assert session.scalar(select(func.count(Organisation.id))) == organisations_before
        own_spaces = session.scalar(
            select(func.count(Space.id)).where(
                Space.organisation_id == personas.orgs["gemeente_a"],
                Space.kind == SpaceKind.ORGANISATION,
            )
        )
        assert own_spaces == 1
    assert "organisation.created" not in audit_actions(app)

    # A second application for the same municipality reuses it too, and no second space appears.
    again = plant(app, cbs_code="GM0599", email="wethouder@rotterdam.example.nl")
    response = decide(admin(app, personas), again, "goedkeuren", {"confirm_existing": "y"})
    assert response.status_code == 302
    with db_ctx(app) as session:
        own_spaces = session.scalar(
            select(func.count(Space.id)).where(
                Space.organisation_id == personas.orgs["gemeente_a"],
                Space.kind == SpaceKind.ORGANISATION,
            )
        )
        assert own_spaces == 1


def test_approval_that_the_invitation_refuses_changes_nothing(app, personas, outbox):
    # member_a is already a member of Rotterdam: the invitation, and so the approval, refuses.
    application_id = plant(app, cbs_code="GM0599", email=personas.member_a.email)
    events_before = audit_actions(app)
    response = decide(admin(app, personas), application_id, "goedkeuren", {"confirm_existing": "y"})
    assert response.status_code == 422
    assert "Deze persoon is al lid van deze organisatie." in response.get_data(as_text=True)
    assert load(app, application_id).status == ApplicationStatus.PENDING
    with db_ctx(app) as session:
        assert session.scalar(select(func.count(Invitation.id))) == 0
        assert session.scalar(select(func.count(Space.id))) == 0
    assert audit_actions(app) == events_before
    assert not [m for m in outbox() if "Uitnodiging" in m["Subject"]]


# --- rejection -----------------------------------------------------------------------------


def test_rejection_needs_a_reason_which_the_applicant_receives(app, personas, outbox):
    application_id = plant(app)
    client = admin(app, personas)
    refused = decide(client, application_id, "afwijzen", {"reason": ""})
    assert refused.status_code == 422
    assert 'id="reason-error"' in refused.get_data(as_text=True)
    assert load(app, application_id).status == ApplicationStatus.PENDING

    response = decide(client, application_id, "afwijzen", {"reason": "Geen Nederlandse gemeente."})
    assert response.status_code == 302
    application = load(app, application_id)
    assert application.status == ApplicationStatus.REJECTED
    assert application.rejection_reason == "Geen Nederlandse gemeente."
    [mail] = [m for m in mails_to(outbox, application.email) if "afgewezen" in m["Subject"]]
    assert "Geen Nederlandse gemeente." in mail.get_content()
    assert audit_actions(app)[-1] == "application.rejected"
    with db_ctx(app) as session:
        assert session.scalar(select(func.count(Organisation.id))) == len(
            {p.org_id for p in personas.values() if p.org_id}
        )


# --- handled once --------------------------------------------------------------------------


def test_a_decided_application_cannot_be_decided_again(app, personas, outbox):
    approved = plant(app)
    rejected = plant(app, cbs_code="GM0164", email="hengelo@example.nl")
    client = admin(app, personas)
    assert decide(client, approved, "goedkeuren").status_code == 302
    assert decide(client, rejected, "afwijzen", {"reason": "Dubbel."}).status_code == 302
    events, mails = audit_actions(app), len(outbox())

    for application_id in (approved, rejected):
        for action, data in (
            ("goedkeuren", {}),
            ("afwijzen", {"reason": "Toch niet."}),
            ("vraag", {"question": "Nog iets?"}),
        ):
            response = decide(client, application_id, action, data)
            assert response.status_code == 409, (application_id, action)
            answer = response.get_data(as_text=True)
            assert "Over deze aanmelding is al besloten, op " in answer
            assert personas.platform_admin.name in answer  # who decided, and when

    assert audit_actions(app) == events and len(outbox()) == mails
    assert load(app, approved).status == ApplicationStatus.APPROVED
    assert load(app, rejected).status == ApplicationStatus.REJECTED
    with db_ctx(app) as session:
        assert session.scalar(select(func.count(Invitation.id))) == 1
    page = client.get(path(approved)).get_data(as_text=True)
    assert "Goedkeuren en uitnodigen" not in page and "goedgekeurd" in page


# --- the whole way -------------------------------------------------------------------------

NEW_PASSWORD = "twentse-molen-regenboog-58"  # noqa: S105 - strong enough for zxcvbn


def test_apply_approve_accept_and_work_in_the_new_organisation(app, personas, outbox):
    visitor = app.test_client()
    assert post_form(visitor, "/aanmelden", valid_form()).status_code == 302
    with db_ctx(app) as session:
        application_id = session.scalar(select(Application.id))
    assert decide(admin(app, personas), application_id, "goedkeuren").status_code == 302

    email = "f.elamrani@enschede.example.nl"
    [invitation_mail] = [m for m in mails_to(outbox, email) if "Uitnodiging" in m["Subject"]]
    link = re.search(
        r"https?://[^/\s]+(/uitnodiging/[A-Za-z0-9_-]+)", invitation_mail.get_content()
    )
    response = post_form(
        visitor,
        link.group(1),
        {"name": "Fatima el Amrani", "password": NEW_PASSWORD, "password_confirm": NEW_PASSWORD},
    )
    assert response.status_code == 302

    # A first login of her own, on a fresh client.
    contact = app.test_client()
    login = post_form(contact, "/inloggen", {"email": email, "password": NEW_PASSWORD})
    assert login.status_code == 302 and urlpath(login.location) == "/"
    home = contact.get("/").get_data(as_text=True)
    assert "Welkom, Fatima el Amrani" in home
    with db_ctx(app) as session:
        user = session.scalar(select(User).where(User.email == email))
        org = session.scalar(select(Organisation).where(Organisation.cbs_code == "GM0153"))
        assert user.is_org_admin_of(org.id)
        space = session.scalar(select(Space).where(Space.organisation_id == org.id))
    assert contact.get(f"/organisaties/{org.id}").status_code == 200
    spaces = contact.get("/werkruimtes").get_data(as_text=True)
    assert "Gemeente Enschede" in spaces
    assert contact.get(f"/werkruimtes/{space.id}").status_code in (200, 302)


def urlpath(location: str) -> str:
    return re.sub(r"^https?://[^/]+", "", location)


# --- demo ----------------------------------------------------------------------------------


def test_the_demo_adds_two_pending_applications_one_a_duplicate(app, personas):
    from neig_workspace.applications.demo import load_demo

    with db_ctx(app) as session:
        load_demo({})
        session.commit()
        rows = session.scalars(select(Application).order_by(Application.id)).all()
        assert [a.status for a in rows] == [ApplicationStatus.PENDING] * 2
        flagged = [bool(service.duplicates(a)) for a in rows]
    # Rotterdam (a persona organisation, GM0599) is flagged; Enschede is new.
    assert flagged == [False, True]
    page = admin(app, personas).get(ADMIN_LIST).get_data(as_text=True)
    assert "2 aanmeldingen te beoordelen" in page


def test_rejected_applications_are_deleted_a_year_after_the_decision(app, personas, outbox):
    """The privacy statement promises a rejected application is kept for at most a year."""
    from datetime import timedelta

    from neig_workspace.timeutil import utcnow

    old, recent, approved = (
        plant(app, email=f"{name}@example.nl") for name in ("oud", "recent", "goed")
    )
    client = admin(app, personas)
    decide(client, old, "vraag", {"question": "Welke gemeente bedoelt u?"})
    for application_id in (old, recent):
        assert (
            decide(client, application_id, "afwijzen", {"reason": "Geen partner."}).status_code
            == 302
        )
    assert decide(client, approved, "goedkeuren").status_code == 302
    with db_ctx(app) as session:
        for application_id in (old, approved):
            session.get(Application, application_id).handled_at = utcnow() - timedelta(days=366)
        session.commit()
    runner = app.test_cli_runner()
    dry = runner.invoke(args=["neig", "retention", "--dry-run"])
    assert "1 application(s) rejected more than a year ago would be deleted." in dry.output
    assert load(app, old) is not None
    result = runner.invoke(args=["neig", "retention"])
    assert result.exit_code == 0, result.output
    assert "Deleted 1 application(s)" in result.output
    with db_ctx(app) as session:
        assert session.get(Application, old) is None
        assert session.scalar(select(func.count(ApplicationQuestion.id))) == 0
        assert session.get(Application, recent) is not None  # rejected within the year
        assert session.get(Application, approved) is not None
        purged = session.scalars(
            select(AuditEvent).where(AuditEvent.action == "application.purged")
        ).one()
        assert purged.details == {"applications": 1}
