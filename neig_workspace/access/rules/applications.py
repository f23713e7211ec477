"""Applications to join: anyone may apply (the public form needs no login and asks no policy).
VNG admits members: only platform admins see applications (with their contact details) and
decide on them; to anyone else an application does not exist (404)."""

from sqlalchemy import ColumnElement, false, true

from ...applications.models import Application
from ..scope import _is_platform_admin, _per_request, _platform_admin_only


@_per_request
def visible_applications(user) -> ColumnElement[bool]:
    return true() if _is_platform_admin(user) else false()


ACTIONS = {
    "application.review": (None, _platform_admin_only),
    "application.view": (Application, _platform_admin_only),
    "application.decide": (Application, _platform_admin_only),
}
VIEW_ACTION = {Application: "application.view"}
VISIBLE = {Application: visible_applications}
SUBJECTS = {}
