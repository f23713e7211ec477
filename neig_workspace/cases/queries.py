"""The SELECTs of the case list: the policy's filter first, built here, run by the view."""

from sqlalchemy import func, or_, select

from ..access.policy import visible_cases
from ..accounts.models import User
from ..audit.models import AuditEvent
from ..extensions import db
from ..organisations.models import Organisation
from ..queries import LIKE_ESCAPE, like_pattern
from .models import Case, CaseStatus


def case_municipalities(user) -> list[tuple[int, str]]:
    """(id, name) of the municipalities of the cases `user` may see: the choices of the list's
    filter (rows, not an Organisation for each)."""
    rows = db.session.execute(
        select(Organisation.id, Organisation.name)
        .where(Organisation.id.in_(select(Case.municipality_id).where(visible_cases(user))))
        .order_by(Organisation.name)
    )
    return [(org_id, name) for org_id, name in rows]


def case_list(
    user, *, status: CaseStatus | None = None, municipality_id: int | None = None, text: str = ""
):
    """The cases `user` may see, filtered (`text` in the reference, neighbourhood or
    postcode), newest incident first: one SELECT for paginate."""
    query = select(Case).where(visible_cases(user))
    if status is not None:
        query = query.where(Case.status == status)
    if municipality_id:
        query = query.where(Case.municipality_id == municipality_id)
    if text:
        pattern = like_pattern(text.lower())
        query = query.where(
            or_(
                func.lower(Case.reference).like(pattern, escape=LIKE_ESCAPE),
                func.lower(Case.neighbourhood).like(pattern, escape=LIKE_ESCAPE),
                Case.postcode4.like(pattern, escape=LIKE_ESCAPE),
            )
        )
    return query.options(db.joinedload(Case.municipality)).order_by(
        Case.occurred_at.desc(), Case.id.desc()
    )


#: The audit actions that are reads of the case, shown in its access log.
READ_ACTIONS = (
    "case.viewed",
    "case.address_viewed",
    "document.viewed",
    "document.downloaded",
    "document.previewed",
    "document.compared",
    "case.exported",
    "case.disclosures_exported",
)


def _reads(case: Case):
    return (AuditEvent.space_id == case.space_id) & AuditEvent.action.in_(READ_ACTIONS)


def case_readers(case: Case) -> list[User]:
    """Everyone who read something of the case, by name: the access log's filter choices."""
    return db.session.scalars(
        select(User)
        .where(User.id.in_(select(AuditEvent.actor_id).where(_reads(case))))
        .order_by(User.name)
    ).all()


def access_log(case: Case, *, reader_id: int | None = None):
    """The reads of the case (by one reader), newest first: one SELECT for paginate."""
    query = select(AuditEvent).where(_reads(case))
    if reader_id:
        query = query.where(AuditEvent.actor_id == reader_id)
    return query.options(
        db.joinedload(AuditEvent.actor), db.joinedload(AuditEvent.actor_org)
    ).order_by(AuditEvent.id.desc())
