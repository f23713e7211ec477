"""Application use cases: submit, ask a question, approve, reject. One transaction each; the
caller commits. Every state change is audited and every message to the applicant is queued
until the commit, so a refused decision sends nothing."""

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask import current_app, render_template
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, func, select

from .. import mail
from ..access.roles import OrgRole
from ..accounts import service as accounts
from ..accounts.models import User
from ..audit import service as audit
from ..errors import ServiceError
from ..extensions import db
from ..formatting import datetime_short
from ..organisations import service as organisations
from ..organisations.models import Organisation, OrgType
from ..spaces.models import Space, SpaceKind
from ..spaces.service import create_organisation_space
from ..timeutil import utcnow
from .models import Application, ApplicationQuestion, ApplicationStatus


class AlreadyHandled(ServiceError):
    """A decision on an application that was approved or rejected before (HTTP 409)."""


@dataclass
class Submission:
    organisation_name: str
    org_type: OrgType
    cbs_code: str | None
    contact_name: str
    email: str
    phone: str
    contact_role: str
    motivation: str


def submit(data: Submission) -> Application:
    """Store an application and confirm it to the applicant."""
    application = Application(
        organisation_name=data.organisation_name,
        org_type=data.org_type,
        cbs_code=data.cbs_code if data.org_type == OrgType.MUNICIPALITY else None,
        contact_name=data.contact_name,
        email=accounts.normalise_email(data.email),
        phone=data.phone,
        contact_role=data.contact_role,
        motivation=data.motivation,
        privacy_consent_at=utcnow(),
        status=ApplicationStatus.PENDING,
    )
    db.session.add(application)
    db.session.flush()
    audit.record(
        "application.submitted",
        target=application,
        details={"organisation": application.organisation_name, "type": data.org_type.value},
    )
    _mail(
        application,
        _l("Uw aanmelding bij het Netwerk Explosies In Gemeenten"),
        "mail/application_received.txt",
    )
    return application


# --- duplicates ----------------------------------------------------------------------------


@dataclass
class Duplicates:
    """Earlier applications and existing records that look like the same organisation or person."""

    applications: list[Application] = field(default_factory=list)
    organisations: list[Organisation] = field(default_factory=list)
    users: list[User] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.applications or self.organisations or self.users)


def duplicates(application: Application) -> Duplicates:
    """Same municipality (CBS code) or organisation name, or same e-mail address; never the
    organisation this application itself created or joined when it was approved."""
    same_org = func.lower(Organisation.name) == application.organisation_name.lower()
    if application.cbs_code:
        same_org = same_org | (Organisation.cbs_code == application.cbs_code)
    if application.organisation_id is not None:
        same_org = same_org & (Organisation.id != application.organisation_id)
    same_application = Application.email == application.email
    if application.cbs_code:
        same_application = same_application | (Application.cbs_code == application.cbs_code)
    return Duplicates(
        applications=db.session.scalars(
            select(Application)
            .where(same_application, Application.id != application.id)
            .order_by(Application.created_at.desc())
        ).all(),
        organisations=db.session.scalars(
            select(Organisation).where(same_org).order_by(Organisation.name)
        ).all(),
        users=db.session.scalars(select(User).where(User.email == application.email)).all(),
    )


def flagged(applications: list[Application]) -> set[int]:
    """The ids of the applications (a page of the list) that `duplicates` would flag, in three
    queries whatever their number: another application with the same address or municipality,
    an organisation with the same municipality or name (not its own), a user with the address."""
    if not applications:
        return set()
    emails = {a.email for a in applications}
    codes = {a.cbs_code for a in applications if a.cbs_code}
    names = {a.organisation_name.lower() for a in applications}
    others = db.session.execute(
        select(Application.id, Application.email, Application.cbs_code).where(
            Application.email.in_(emails) | Application.cbs_code.in_(codes)
        )
    ).all()
    organisations = db.session.execute(
        select(Organisation.id, Organisation.cbs_code, func.lower(Organisation.name)).where(
            Organisation.cbs_code.in_(codes) | func.lower(Organisation.name).in_(names)
        )
    ).all()
    users = set(db.session.scalars(select(User.email).where(User.email.in_(emails))))
    found = set()
    for a in applications:
        same_application = any(
            row.id != a.id and (row.email == a.email or (a.cbs_code and row.cbs_code == a.cbs_code))
            for row in others
        )
        same_organisation = any(
            org_id != a.organisation_id
            and ((a.cbs_code and code == a.cbs_code) or name == a.organisation_name.lower())
            for org_id, code, name in organisations
        )
        if same_application or same_organisation or a.email in users:
            found.add(a.id)
    return found


def existing_organisation(application: Application) -> Organisation | None:
    """The organisation an approval would make the applicant admin of, if it exists already."""
    return _existing_organisation(application) if application.status.is_open else None


# --- decisions -----------------------------------------------------------------------------


def _check_open(application: Application) -> None:
    if not application.status.is_open:
        raise AlreadyHandled(
            _(
                "Over deze aanmelding is al besloten, op %(date)s door %(name)s (zie "
                "‘Besluit’ hieronder); er kan niets meer aan worden gedaan. Misschien had u de "
                "pagina nog open van voor dat besluit.",
                date=datetime_short(application.handled_at),
                name=application.handled_by.name if application.handled_by else "—",
            )
        )


def ask_question(application: Application, question: str, *, actor: User) -> ApplicationQuestion:
    """E-mail a question to the applicant; the application waits for the answer."""
    _check_open(application)
    asked = ApplicationQuestion(application=application, asked_by=actor, question=question)
    db.session.add(asked)
    application.status = ApplicationStatus.QUESTION_ASKED
    db.session.flush()
    audit.record(
        "application.question_asked",
        actor=actor,
        target=application,
        details={"question_id": asked.id},
    )
    _mail(
        application,
        _l("Een vraag over uw aanmelding bij het NEIG"),
        "mail/application_question.txt",
        question=question,
    )
    return asked


def reject(application: Application, reason: str, *, actor: User) -> None:
    """Reject with a reason, which the applicant receives by e-mail."""
    _check_open(application)
    _decide(application, ApplicationStatus.REJECTED, actor)
    application.rejection_reason = reason
    audit.record("application.rejected", actor=actor, target=application)
    _mail(
        application,
        _l("Uw aanmelding bij het NEIG is afgewezen"),
        "mail/application_rejected.txt",
        reason=reason,
    )


#: How long a rejected application is kept (the privacy statement promises at most a year).
REJECTED_KEPT_FOR = timedelta(days=365)


def rejected_past_retention(now: datetime | None = None) -> list[int]:
    """Ids of the rejected applications decided more than a year ago."""
    cutoff = (now or utcnow()) - REJECTED_KEPT_FOR
    return db.session.scalars(
        select(Application.id).where(
            Application.status == ApplicationStatus.REJECTED, Application.handled_at < cutoff
        )
    ).all()


def purge_rejected(now: datetime | None = None) -> int:
    """Delete rejected applications past their retention, with their questions; one audit
    event with the number, so no personal data of the applicants stays behind."""
    ids = rejected_past_retention(now)
    if ids:
        db.session.execute(
            delete(ApplicationQuestion).where(ApplicationQuestion.application_id.in_(ids))
        )
        db.session.execute(delete(Application).where(Application.id.in_(ids)))
        audit.record("application.purged", details={"applications": len(ids)})
    return len(ids)


def approve(
    application: Application, *, actor: User, confirm_existing: bool = False
) -> Organisation:
    """Admit the organisation: create it (or reuse the one already there), make sure it has its
    own space, and invite the contact person as its organisation admin. Reusing an existing
    organisation makes the applicant one of its admins: only when `confirm_existing`."""
    _check_open(application)
    org = _existing_organisation(application)
    if org is not None and not confirm_existing:
        raise ServiceError(
            _(
                "%(name)s is al lid van het netwerk. Goedkeuren maakt %(email)s beheerder van "
                "die organisatie; vink dat aan als dat de bedoeling is.",
                name=org.name,
                email=application.email,
            ),
            "confirm_existing",
        )
    if org is None:
        # create_organisation also creates the organisation's space.
        org = organisations.create_organisation(
            application.organisation_name,
            application.org_type,
            cbs_code=application.cbs_code,
            actor=actor,
        )
    elif not _has_own_space(org):
        create_organisation_space(org, actor=actor)
    invitation = accounts.invite(application.email, org, OrgRole.ORG_ADMIN, actor=actor)
    _decide(application, ApplicationStatus.APPROVED, actor)
    application.organisation = org
    application.invitation_id = invitation.id
    audit.record(
        "application.approved",
        actor=actor,
        target=application,
        details={"organisation_id": org.id, "invitation_id": invitation.id},
    )
    return org


def _decide(application: Application, status: ApplicationStatus, actor: User) -> None:
    application.status = status
    application.handled_at = utcnow()
    application.handled_by = actor


def _existing_organisation(application: Application) -> Organisation | None:
    """One organisation per municipality; other partners are matched by name."""
    if application.cbs_code:
        found = db.session.scalar(
            select(Organisation).where(Organisation.cbs_code == application.cbs_code)
        )
        if found is not None:
            return found
    return db.session.scalar(
        select(Organisation).where(
            func.lower(Organisation.name) == application.organisation_name.lower()
        )
    )


def _has_own_space(org: Organisation) -> bool:
    query = select(func.count(Space.id)).where(
        Space.organisation_id == org.id, Space.kind == SpaceKind.ORGANISATION
    )
    return bool(db.session.scalar(query))


def _mail(application: Application, subject, template: str, **context) -> None:
    """Applicants have no account yet: they get the site's default language."""
    with force_locale(current_app.config["BABEL_DEFAULT_LOCALE"]):
        body = render_template(template, application=application, **context)
        mail.queue(application.email, str(subject), body)
