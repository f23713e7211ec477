"""Two members of Gemeente Rotterdam with a record of every kind the subject export and the
erasure know: the subject (Saskia Subjectstra) and another (Otto Anderling), who mentions the
subject in a comment. Planted once per module (see `plant`)."""

import io
from dataclasses import dataclass
from datetime import timedelta

from neig_workspace.access.roles import OrgRole, SpaceRole
from neig_workspace.accounts.models import EmailChange, Invitation, User, UserSession
from neig_workspace.accounts.passwords import hash_password
from neig_workspace.accounts.tokens import new_token
from neig_workspace.actions.models import ItemStatus, ProgressUpdate
from neig_workspace.audit import service as audit
from neig_workspace.comments import service as comments
from neig_workspace.directory.models import DirectoryProfile
from neig_workspace.documents import service as documents
from neig_workspace.extensions import db
from neig_workspace.knowledge import service as knowledge
from neig_workspace.meetings.models import (
    Meeting,
    MeetingAudience,
    MeetingKind,
    MeetingRegistration,
    RegistrationStatus,
)
from neig_workspace.notifications.models import Notification, NotificationKind
from neig_workspace.organisations.models import Membership, Organisation
from neig_workspace.spaces import service as spaces
from neig_workspace.spaces.models import PrincipalType, SpaceKind
from neig_workspace.timeutil import utcnow
from tests.actions.helpers import make_item, make_plan, plan_space
from tests.knowledge.helpers import article_input
from tests.knowledge.helpers import make_space as knowledge_space
from tests.personas import PASSWORD

SUBJECT = ("saskia.subject@example.nl", "Saskia Subjectstra")
OTHER = ("otto.anderling@example.nl", "Otto Anderling")
#: The subject's second address, asked for in an e-mail change.
SUBJECT_NEW = "s.subjectstra@example.org"
PDF = b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n"


@dataclass
class World:
    subject: int
    other: int
    space: int
    document: int
    other_document: int
    comment: int


def _person(email, name, org, ip) -> User:
    user = User(email=email, name=name, password_hash=hash_password(PASSWORD))
    db.session.add_all([user, Membership(user=user, organisation=org, role=OrgRole.MEMBER)])
    db.session.flush()
    _, token_hash = new_token()
    db.session.add(UserSession(token_hash=token_hash, user_id=user.id, ip=ip, user_agent="Firefox"))
    db.session.add(DirectoryProfile(user_id=user.id, job_title="Adviseur", phone="010-1234567"))
    audit.record("auth.login", actor=user, details={"email": email})
    return user


def _plant_network_work(personas, org, subject) -> None:
    """An action item the subject is responsible for, their progress update on it, and a
    knowledge article they wrote."""
    item = make_item(
        make_plan(plan_space(personas)), personas, "P-01", responsible_email=SUBJECT[0]
    )
    db.session.add(
        ProgressUpdate(
            item_id=item.id,
            reported_on=utcnow().date(),
            note="Mijn eigen voortgang.",
            status_before=ItemStatus.NOT_STARTED,
            author_id=subject.id,
            organisation_id=org.id,
        )
    )
    knowledge.create_article(
        knowledge_space(personas), org, article_input("Aanpak subjectstra"), actor=subject
    )


def plant(personas) -> World:
    org = db.session.get(Organisation, personas.orgs["gemeente_a"])
    admin = db.session.get(User, personas.org_admin_a.id)
    subject = _person(*SUBJECT, org, "203.0.113.7")
    other = _person(*OTHER, org, "198.51.100.9")
    space = spaces.create_organisation_space(org, actor=None)
    group = spaces.create_space(SpaceKind.RESTRICTED, "Werkgroep privacy", actor=None)
    spaces.add_grant(group, PrincipalType.USER, SpaceRole.VIEWER, user=subject, actor=None)
    document = documents.upload_document(
        space, documents.Upload(io.BytesIO(PDF), "nota-subjectstra.pdf"), actor=subject
    )
    other_document = documents.upload_document(
        space,
        documents.Upload(io.BytesIO(PDF), "nota-anderling.pdf"),
        description=f"Opgesteld met {SUBJECT[1]}.",
        actor=other,
    )
    comment = comments.post_comment(document, body="Mijn eigen opmerking.", actor=subject).comment
    comments.post_comment(
        other_document, body=f"Zie ook @{SUBJECT[0]}, vraag {SUBJECT[1]}.", actor=other
    )
    for user, about in ((subject, other_document), (other, document)):
        db.session.add(
            Notification(
                user_id=user.id,
                kind=NotificationKind.MENTION,
                subject_type="document",
                subject_id=about.id,
                url=f"/documenten/{about.id}",
                title=about.title,
                excerpt="Kunt u kijken?",
                actor_id=(other if user is subject else subject).id,
            )
        )
    meeting = Meeting(
        space_id=space.id,
        title="Kennissessie nazorg",
        kind=MeetingKind.KENNISSESSIE,
        audience=MeetingAudience.SPACE,
        starts_at=utcnow() + timedelta(days=7),
        ends_at=utcnow() + timedelta(days=7, hours=2),
    )
    db.session.add(meeting)
    db.session.flush()
    for user in (subject, other):
        db.session.add(
            MeetingRegistration(
                meeting_id=meeting.id, user_id=user.id, status=RegistrationStatus.REGISTERED
            )
        )
    _, change_hash = new_token()
    db.session.add(
        EmailChange(
            user_id=subject.id,
            new_email=SUBJECT_NEW,
            token_hash=change_hash,
            expires_at=utcnow() + timedelta(days=1),
        )
    )
    _, invitation_hash = new_token()
    db.session.add(
        Invitation(
            email=SUBJECT[0],
            organisation_id=org.id,
            invited_by_id=admin.id,
            token_hash=invitation_hash,
            expires_at=utcnow() + timedelta(days=1),
            accepted_at=utcnow(),
            accepted_user_id=subject.id,
        )
    )
    audit.record("invitation.created", actor=admin, details={"email": SUBJECT[0]})
    audit.record("invitation.created", actor=admin, details={"email": OTHER[0]})
    audit.record(
        "account.email_change_requested",
        actor=subject,
        details={"old": SUBJECT[0], "new": SUBJECT_NEW},
    )
    _plant_network_work(personas, org, subject)
    db.session.flush()
    return World(
        subject=subject.id,
        other=other.id,
        space=space.id,
        document=document.id,
        other_document=other_document.id,
        comment=comment.id,
    )
