"""Inviting someone from a form: the one use case behind both invite pages (the user admin's and
an organisation's members page)."""

from flask_babel import gettext as _
from flask_login import current_user

from ..access.roles import OrgRole
from ..forms import REFUSED, run_use_case
from ..organisations.models import Organisation
from . import service


def send_invitation(form, org: Organisation) -> bool:
    """Invite `form.email.data` to `org` with `form.role.data`; False with the refusal on the
    form."""
    done = run_use_case(
        form,
        lambda: service.invite(form.email.data, org, OrgRole(form.role.data), actor=current_user),
        success=lambda invitation: _sent_message(invitation, form.email.data),
    )
    return done is not REFUSED


def _sent_message(invitation, email: str) -> str:
    if invitation.replaced:
        return _(
            "Er stond al een uitnodiging open voor %(email)s. Die is opnieuw verstuurd; alleen de "
            "link in de nieuwe e-mail werkt nog.",
            email=email,
        )
    return _("De uitnodiging is verstuurd naar %(email)s.", email=email)
