"""The SELECTs of the case list: the policy's filter first, built here, run by the view."""

from sqlalchemy import func, or_, select

from ..access.policy import visible_cases
from ..extensions import db
from ..organisations.models import Organisation
from ..queries import LIKE_ESCAPE, like_pattern
from .models import Case, CaseStatus


def case_municipalities(user) -> list[Organisation]:
    """The municipalities of the cases `user` may see: the choices of the list's filter."""
    return db.session.scalars(
        select(Organisation)
        .where(Organisation.id.in_(select(Case.municipality_id).where(visible_cases(user))))
        .order_by(Organisation.name)
    ).all()


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
