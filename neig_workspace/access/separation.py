"""Separation of duties: platform admins and the secretariat hold no content by their role
(DESIGN.md § Who may do what), and a platform-admin account can never be *given* content."""

from flask import g, has_request_context
from sqlalchemy import exists, func, select

from ..accounts.models import User
from ..errors import ServiceError
from ..extensions import db
from ..organisations.models import Membership
from ..spaces.models import PrincipalType, SpaceGrant

# --- separation of duties ------------------------------------------------------------------
#
# Platform admins and the secretariat hold no content by their role (DESIGN.md § Who may do
# what). A platform-admin account can never be *given* content either: no membership,
# invitation or its acceptance, grant to the user, case participation or SSO first sign-in
# (provisioning into an organisation) may reach it. Every service that creates one of those asks
# `refuse_content_to` first, so views, the CLI, SSO and the demo all pass through this one rule.
# And no account gives itself access it did not have (a self-invitation, a self-grant): the
# secretariat, or an organisation admin, is given access by someone else.


def holds_content(account) -> bool:
    """Does the account hold a membership or a grant to the user (a way to content)?"""
    memberships = select(Membership.id).where(Membership.user_id == account.id)
    grants = select(SpaceGrant.id).where(
        SpaceGrant.principal_type == PrincipalType.USER, SpaceGrant.user_id == account.id
    )
    return bool(db.session.scalar(select(exists(memberships) | exists(grants))))


def refuse_promotion(account, *, actor) -> None:
    """An account that holds content does not become a platform admin: the admin would hold it.
    (The other way round from the rule: the same promise, kept from both sides.)"""
    from flask_babel import gettext

    if account.is_platform_admin or not holds_content(account):
        return
    raise SeparationRefused(
        gettext(
            "Dit account is lid van een organisatie of heeft toegang tot een werkruimte, en kan "
            "daarom geen platformbeheerder worden. Een platformbeheerder gebruikt een tweede "
            "account, zonder toegang tot inhoud."
        ),
        "platform_admin",
        action="user.promote",
        reason="holds_content",
        actor_id=actor.id if actor is not None else None,
        account_id=account.id,
        target_type="user",
        target_id=account.id,
        space_id=None,
    )


def refuse_content_to_members_of(organisation_id: int, **refusal) -> None:
    """`refuse_content_to` for every platform-admin account that is still a member of the
    organisation (data from before the rule; `flask neig check-deploy` names them): whatever
    the organisation is given, such a member would read."""
    admins = db.session.scalars(
        select(User)
        .join(Membership, Membership.user_id == User.id)
        .where(Membership.organisation_id == organisation_id, User.is_platform_admin)
    )
    for admin in admins:
        refuse_content_to(admin, **refusal)


def platform_admins_holding_content() -> list[tuple[User, int, int]]:
    """Platform-admin accounts that hold a membership or a grant to the user (data from before
    the rule): (account, memberships, user grants), for `flask neig check-deploy`."""
    memberships = (
        select(func.count(Membership.id)).where(Membership.user_id == User.id).scalar_subquery()
    )
    grants = (
        select(func.count(SpaceGrant.id))
        .where(SpaceGrant.principal_type == PrincipalType.USER, SpaceGrant.user_id == User.id)
        .scalar_subquery()
    )
    rows = db.session.execute(
        select(User, memberships, grants)
        .where(User.is_platform_admin, (memberships > 0) | (grants > 0))
        .order_by(User.email)
    )
    return [tuple(row) for row in rows]


def audit_separation_refusals(response):
    """After a request: audit the refusals its view rolled back but did not audit yet (a view
    that catches a ServiceError rolls back; this writes the record in a transaction of its own)."""
    pending = [r for r in g.pop("separation_refusals", []) if not r.audited]
    if pending:
        db.session.rollback()
        for refused in pending:
            refused.audit_refusal()
        db.session.commit()
    return response


def may_receive_content(account) -> bool:
    """May `account` be given content (a membership, an invitation, a grant, a participation)?
    Never a platform-admin account, active or not: whoever also works for a partner uses a
    second account."""
    return account is None or not account.is_platform_admin


def _content_refusal_message() -> str:
    from flask_babel import gettext

    return gettext(
        "Een account van een platformbeheerder kan geen toegang tot inhoud krijgen: geen "
        "lidmaatschap, uitnodiging, toegang tot een werkruimte of deelname aan een casus. "
        "Wie het platform beheert en ook voor een partner werkt, gebruikt daarvoor een tweede "
        "account."
    )


def _self_refusal_message() -> str:
    from flask_babel import gettext

    return gettext(
        "U kunt uzelf geen toegang geven die u nog niet hebt. Vraag een andere beheerder."
    )


def refuse_content_to(
    account,
    *,
    action: str,
    actor=None,
    email: str | None = None,
    target_type: str | None = None,
    target_id=None,
    space_id: int | None = None,
    field: str | None = None,
    self_allowed: bool = False,
) -> None:
    """Raise a refusal (a ServiceError, audited once the caller rolled back) when `action` would
    give content to a platform-admin account (`account`, or the account of `email`), or when
    `actor` would give it to itself (unless `self_allowed`: a case's creator manages it)."""
    if account is None and email is not None:
        account = db.session.scalar(select(User).where(User.email == email))
    if account is None:
        return
    if not may_receive_content(account):
        reason, message = "platform_admin", _content_refusal_message()
    elif actor is not None and actor.id == account.id and not self_allowed:
        reason, message = "self", _self_refusal_message()
    else:
        return
    raise SeparationRefused(
        message,
        field,
        action=action,
        reason=reason,
        actor_id=actor.id if actor is not None else None,
        account_id=account.id,
        target_type=target_type,
        target_id=target_id,
        space_id=space_id,
    )


class SeparationRefused(ServiceError):
    """An action refused by the separation of duties; `audit_refusal()` records it once the
    caller rolled its transaction back (forms.run_use_case, refused())."""

    def __init__(self, message: str, field: str | None = None, **details):
        super().__init__(message, field)
        self.details = details
        self.audited = False
        if has_request_context():  # audited after the view, whatever it did with the error
            g.setdefault("separation_refusals", []).append(self)

    def audit_refusal(self) -> None:
        from ..audit import service as audit

        if self.audited:
            return
        self.audited = True
        details = dict(self.details)
        actor_id = details.pop("actor_id")
        audit.record(
            "separation.refused",
            actor=db.session.get(User, actor_id) if actor_id else None,
            result="denied",
            target_type=details.pop("target_type") or "user",
            target_id=details.pop("target_id") or details["account_id"],
            space_id=details.pop("space_id"),
            details=details,
        )
