"""The application shell's parts that many requests render alike (templates/shell/): rendered
once per process for each set of values they are rendered from, and kept.

The main menu depends on the page's endpoint, the language, the policy's answers to its
actions and the organisations the user administers; nothing else. Rendering it through Jinja
costs about a millisecond a page (a macro call, a translation and a `url_for` per link); the
kept copy costs a dictionary lookup. The key is every value the template reads, so two
requests with the same key get the same markup by construction."""

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable

from flask import current_app, request
from flask_babel import get_locale
from flask_login import current_user
from markupsafe import Markup

from ..access import policy
from ..access.roles import OrgRole

#: Fragments one process keeps (the least recently used go first): a menu is about 3 kB, and
#: its keys are endpoints × languages × the few combinations of rights.
KEPT_FRAGMENTS = 2048

#: The main menu's actions (templates/shell/site_nav.html reads `allowed[action]`).
NAV_ACTIONS = (
    "application.review",
    "organisation.list_all",
    "user.list_all",
    "space.create",
    "legal_basis.manage",
    "access_review.overview",
    "privacy.register_all",
    "audit.view",
    "jobs.view",
    "directory.view",
)


class Fragments:
    """key -> rendered markup, for this process (thread-safe, least recently used go first)."""

    def __init__(self, limit: int):
        self.limit = limit
        self.entries: OrderedDict[Hashable, Markup] = OrderedDict()
        self.lock = threading.Lock()

    def get(self, key: Hashable, render: Callable[[], str]) -> Markup:
        with self.lock:
            found = self.entries.get(key)
            if found is not None:
                self.entries.move_to_end(key)
                return found
        markup = Markup(render())
        with self.lock:
            self.entries[key] = markup
            while len(self.entries) > self.limit:
                self.entries.popitem(last=False)
        return markup

    def clear(self) -> None:
        with self.lock:
            self.entries.clear()


FRAGMENTS = Fragments(KEPT_FRAGMENTS)


def _render(template: str, **values) -> str:
    return current_app.jinja_env.get_template(template).render(**values)


def site_nav() -> Markup:
    """The main menu for the user at the keyboard on this page (base.html, block site_nav)."""
    user = policy.unproxied(current_user)
    allowed = {action: policy.can(user, action) for action in NAV_ACTIONS}
    managed = ()
    if not allowed["organisation.list_all"]:
        managed = tuple(
            (m.organisation.id, m.organisation.name)
            for m in user.memberships
            if m.role == OrgRole.ORG_ADMIN
        )
    ep = request.endpoint or ""
    view_organisation_id = None
    if managed and ep.startswith("organisations."):
        view_organisation_id = (request.view_args or {}).get("organisation_id")
    values = {
        "ep": ep,
        "allowed": allowed,
        "managed": managed,
        "view_organisation_id": view_organisation_id,
    }
    key = (
        "site_nav",
        str(get_locale()),
        request.script_root,
        ep,
        tuple(allowed.values()),
        managed,
        view_organisation_id,
    )
    return FRAGMENTS.get(key, lambda: _render("shell/site_nav.html", **values))


def init_shell(app) -> None:
    app.jinja_env.globals["site_nav"] = site_nav
