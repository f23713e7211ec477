"""The subject-access export (AVG art. 15): one zip with everything the workspace holds about an
account, as JSON (`gegevens.json`) and as a readable page (`overzicht.html`).

What it holds: the profile, memberships and roles, grants to the person, sessions, e-mail
changes, invitations to the address, the directory profile, meeting registrations,
notifications, the comments and documents the person wrote (titles and metadata), the action
items they are responsible for or created, their progress updates, the knowledge articles they
wrote, case timeline entries they wrote (metadata only: case content is released by the case
managers, docs/subject-requests.md), and the audit events about them.

Content (a comment's text, a document's file, a progress update's note) is included only with
`include_content` and only where the person's own organisation may release it: the document
lies in an organisation space owned by one of their organisations, the update was reported for
one of their organisations. The command line includes it; the page for platform
admins does not, since no action gives a platform admin content (README § Separation of
duties): the organisation's own admin releases that.

Nothing about another person: an audit event by someone else shows neither who nor from
where, and e-mail addresses other than the person's own are masked in the details.
"""

import io
import json
import re
import shutil
import zipfile
from datetime import date, datetime

from flask import render_template
from sqlalchemy import or_, select

from ..access.roles import SpaceRole
from ..accounts.models import EmailChange, Invitation, User, UserSession
from ..actions.models import ActionItem, ProgressUpdate
from ..audit import service as audit
from ..audit.models import AuditEvent
from ..cases.models import TimelineEntry
from ..comments.models import Comment
from ..directory.models import DirectoryProfile
from ..documents.models import Document, DocumentVersion
from ..documents.service import store
from ..extensions import db
from ..knowledge.models import Article
from ..meetings.models import MeetingRegistration
from ..notifications.models import Notification
from ..organisations.models import Membership
from ..spaces.models import PrincipalType, Space, SpaceGrant, SpaceKind
from ..timeutil import utcnow

_EMAIL = re.compile(r"[^@\s\"'<>]+@[^@\s\"'<>]+\.[a-z]{2,}", re.IGNORECASE)
MASK = "[ander e-mailadres]"


def _when(moment) -> str | None:
    if moment is None:
        return None
    if isinstance(moment, datetime | date):
        return moment.isoformat()
    return str(moment)


def _value(value):
    return value.value if hasattr(value, "value") else value


def _masked(value, own: str):
    """Every e-mail address but `own` masked, in a JSON value."""
    return audit.replace_in(
        value,
        lambda text: _EMAIL.sub(lambda m: m.group(0) if m.group(0).lower() == own else MASK, text),
    )


def releasable_space_ids(user: User) -> set[int]:
    """Spaces whose content the person's own organisations may release: their organisation
    spaces."""
    organisation_ids = [m.organisation_id for m in user.memberships]
    if not organisation_ids:
        return set()
    return set(
        db.session.scalars(
            select(Space.id).where(
                Space.kind == SpaceKind.ORGANISATION, Space.organisation_id.in_(organisation_ids)
            )
        )
    )


def collect(user: User, *, include_content: bool) -> dict:
    """Every kind of record about `user`, as plain JSON values (see the module's docstring)."""
    own_spaces = releasable_space_ids(user) if include_content else set()
    data = {
        "gemaakt": _when(utcnow()),
        "profiel": _profile(user),
        "lidmaatschappen": [
            {
                "organisatie": m.organisation.name,
                "rol": _value(m.role),
                "sinds": _when(getattr(m, "created_at", None)),
            }
            for m in db.session.scalars(
                select(Membership).where(Membership.user_id == user.id).order_by(Membership.id)
            )
        ],
        "toegang_tot_werkruimtes": [
            {
                "werkruimte": g.space.name,
                "rol": SpaceRole(g.role).name.lower(),
                "sinds": _when(g.created_at),
            }
            for g in db.session.scalars(
                select(SpaceGrant)
                .where(
                    SpaceGrant.principal_type == PrincipalType.USER, SpaceGrant.user_id == user.id
                )
                .order_by(SpaceGrant.id)
            )
        ],
        "sessies": [
            {
                "begonnen": _when(s.created_at),
                "laatst_gezien": _when(s.last_seen_at),
                "ip": s.ip,
                "browser": s.user_agent,
                "tweestapsverificatie": s.mfa_verified,
                "beeindigd": _when(s.ended_at),
                "reden": s.end_reason,
            }
            for s in _rows(UserSession, UserSession.user_id == user.id)
        ],
        "e_mailwijzigingen": [
            {
                "nieuw_adres": c.new_email,
                "gevraagd": _when(c.created_at),
                "bevestigd": _when(c.confirmed_at),
                "ingetrokken": _when(c.cancelled_at),
            }
            for c in _rows(EmailChange, EmailChange.user_id == user.id)
        ],
        "uitnodigingen": [
            {
                "organisatie": i.organisation.name,
                "rol": _value(i.role),
                "verstuurd": _when(i.created_at),
                "geaccepteerd": _when(i.accepted_at),
                "ingetrokken": _when(i.revoked_at),
            }
            for i in _rows(
                Invitation,
                or_(Invitation.email == user.email, Invitation.accepted_user_id == user.id),
            )
        ],
        "ledenoverzicht": _directory(user),
        "bijeenkomsten": [
            {
                "bijeenkomst": r.meeting.title,
                "status": _value(r.status),
                "aangemeld": _when(r.queued_at),
                "afgemeld": _when(r.cancelled_at),
            }
            for r in _rows(MeetingRegistration, MeetingRegistration.user_id == user.id)
        ],
        "meldingen": [
            {
                "soort": _value(n.kind),
                "over": n.title,
                "link": n.url,
                "gemaakt": _when(n.created_at),
                "gelezen": _when(n.read_at),
            }
            for n in _rows(Notification, Notification.user_id == user.id)
        ],
        "documenten": _documents(user, own_spaces),
        "reacties": _comments(user, own_spaces),
        "actiepunten": _action_items(user),
        "voortgangsberichten": _progress_updates(user, include_content=include_content),
        "kennisbankartikelen": [
            {
                "id": a.id,
                "titel": a.title,
                "soort": _value(a.kind),
                "gepubliceerd": _when(a.published_at),
                "gearchiveerd": _when(a.archived_at),
            }
            for a in _rows(Article, Article.created_by_id == user.id)
        ],
        "tijdlijnnotities_in_casussen": [
            {
                "id": e.id,
                "casus": e.case_id,
                "soort": _value(e.kind),
                "gemaakt": _when(e.created_at),
            }
            for e in _rows(TimelineEntry, TimelineEntry.author_id == user.id)
        ],
        "auditlog": _audit_events(user),
    }
    return data


def _rows(model, *conditions) -> list:
    return list(db.session.scalars(select(model).where(*conditions).order_by(model.id)))


def _profile(user: User) -> dict:
    return {
        "id": user.id,
        "naam": user.name,
        "e_mailadres": user.email,
        "taal": user.locale,
        "e_mail_bij_meldingen": _value(user.notification_email),
        "platformbeheerder": user.is_platform_admin,
        "secretariaat": user.is_secretariat,
        "tweestapsverificatie_sinds": _when(user.mfa_enabled_at),
        "actief": user.active,
        "aangemaakt": _when(user.created_at),
        "laatst_ingelogd": _when(user.last_login_at),
        "wachtwoord_gewijzigd": _when(user.password_changed_at),
        "gedeactiveerd": _when(user.deactivated_at),
    }


def _directory(user: User) -> dict | None:
    profile = db.session.get(DirectoryProfile, user.id)
    if profile is None:
        return None
    return {
        "functie": profile.job_title,
        "telefoon": profile.phone,
        "getoond": profile.shown(),
        "gewijzigd": _when(profile.updated_at),
    }


def _documents(user: User, own_spaces: set[int]) -> list[dict]:
    documents = _rows(Document, Document.created_by_id == user.id)
    result = []
    for document in documents:
        versions = _rows(DocumentVersion, DocumentVersion.document_id == document.id)
        entry = {
            "id": document.id,
            "titel": document.title,
            "werkruimte": document.space.name,
            "rubricering": _value(document.classification),
            "status": _value(document.status),
            "gemaakt": _when(document.created_at),
            "in_prullenbak": _when(document.deleted_at),
            "versies": [
                {
                    "nummer": v.number,
                    "bestandsnaam": v.filename,
                    "grootte": v.size,
                    "sha256": v.sha256,
                    "door_u": v.created_by_id == user.id,
                    "gemaakt": _when(v.created_at),
                }
                for v in versions
            ],
            "inhoud_bijgevoegd": None,
        }
        latest = versions[-1] if versions else None
        if document.space_id in own_spaces and latest is not None and latest.scan_status.openable:
            entry["inhoud_bijgevoegd"] = (
                f"documenten/{document.id}-{latest.number}-{_safe(latest.filename)}"
            )
        result.append(entry)
    return result


def _comments(user: User, own_spaces: set[int]) -> list[dict]:
    comments = _rows(Comment, Comment.author_id == user.id)
    document_spaces = dict(
        db.session.execute(
            select(Document.id, Document.space_id).where(
                Document.id.in_({c.document_id for c in comments if c.document_id})
            )
        ).all()
    )
    return [
        {
            "id": c.id,
            "document": c.document_id,
            "actiepunt": c.action_item_id,
            "artikel": c.article_id,
            "gemaakt": _when(c.created_at),
            "bewerkt": _when(c.edited_at),
            "verwijderd": _when(c.deleted_at),
            "tekst": c.body if document_spaces.get(c.document_id) in own_spaces else None,
        }
        for c in comments
    ]


def _action_items(user: User) -> list[dict]:
    items = _rows(
        ActionItem, or_(ActionItem.responsible_id == user.id, ActionItem.created_by_id == user.id)
    )
    return [
        {
            "id": item.id,
            "code": item.code,
            "titel": item.title,
            "actieplan": item.plan.name,
            "status": _value(item.status),
            "verantwoordelijk": item.responsible_id == user.id,
            "door_u_aangemaakt": item.created_by_id == user.id,
            "gemaakt": _when(item.created_at),
        }
        for item in items
    ]


def _progress_updates(user: User, *, include_content: bool) -> list[dict]:
    own_organisations = {m.organisation_id for m in user.memberships} if include_content else set()
    return [
        {
            "id": update.id,
            "actiepunt": update.item_id,
            "over": _when(update.reported_on),
            "status_na": _value(update.status_after),
            "gemaakt": _when(update.created_at),
            "tekst": update.note if update.organisation_id in own_organisations else None,
        }
        for update in _rows(ProgressUpdate, ProgressUpdate.author_id == user.id)
    ]


def _audit_events(user: User) -> list[dict]:
    about = or_(
        AuditEvent.actor_id == user.id,
        (AuditEvent.target_type == "user") & (AuditEvent.target_id == str(user.id)),
        audit.like_any(AuditEvent.details, [user.email]),
    )
    events = db.session.scalars(select(AuditEvent).where(about).order_by(AuditEvent.id))
    own = user.email.lower()
    result = []
    for event in events:
        by_self = event.actor_id == user.id
        result.append(
            {
                "id": event.id,
                "tijd": _when(event.at),
                "actie": event.action,
                "resultaat": event.result,
                "object": event.target_type,
                "object_id": event.target_id,
                "door": "u zelf"
                if by_self
                else ("het systeem" if event.actor_id is None else "een ander account"),
                "ip": event.ip if by_self else None,
                "browser": event.user_agent if by_self else None,
                "details": _masked(event.details or {}, own),
            }
        )
    return result


def _safe(filename: str) -> str:
    return re.sub(r"[^\w.\-]+", "_", filename)[:100] or "bestand"


def build_archive(user: User, *, actor=None, include_content: bool) -> bytes:
    """The zip (gegevens.json, overzicht.html and, with content, the files); audited."""
    data = collect(user, include_content=include_content)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("gegevens.json", json.dumps(data, ensure_ascii=False, indent=2))
        archive.writestr(
            "overzicht.html",
            render_template(
                "subject_rights/overview.html", data=data, include_content=include_content
            ),
        )
        files = 0
        for document in data["documenten"]:
            if document["inhoud_bijgevoegd"]:
                sha256 = document["versies"][-1]["sha256"]
                with (
                    store().open(sha256) as blob,
                    archive.open(document["inhoud_bijgevoegd"], "w") as member,
                ):
                    shutil.copyfileobj(blob, member, 1024 * 1024)
                files += 1
    audit.record(
        "account.subject_exported",
        actor=actor,
        target_type="user",
        target_id=user.id,
        details={"content": include_content, "files": files},
    )
    return buffer.getvalue()
