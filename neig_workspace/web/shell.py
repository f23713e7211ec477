"""The application shell's parts that many requests render alike (templates/shell/): rendered
once per process for each set of values they are rendered from, and kept.

The main menu depends on the page's endpoint, the language, the policy's answers to its
actions and the organisations the user administers; nothing else. The header's tools depend on
the language, where the page belongs (its endpoint), the unread count and the user's name and
address, with two values that change with every request: the CSRF token and the page's own
path (the language form's `next`). Those are rendered as slots, private-use characters that
escaping leaves alone, and filled in per request. Rendering these parts through Jinja costs
about two milliseconds a page (a macro call, a translation and a `url_for` per link); the kept
copy costs a dictionary lookup. The key is every value the template reads, so two requests
with the same key get the same markup by construction."""

import re
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable

from flask import current_app, request, url_for
from flask_babel import get_locale
from flask_login import current_user
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup, escape

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
    """key -> rendered markup (or its pieces), for this process (thread-safe, least recently
    used go first)."""

    def __init__(self, limit: int):
        self.limit = limit
        self.entries: OrderedDict[Hashable, object] = OrderedDict()
        self.lock = threading.Lock()

    def get(self, key: Hashable, render: Callable[[], object]):
        with self.lock:
            found = self.entries.get(key)
            if found is not None:
                self.entries.move_to_end(key)
                return found
        value = render()
        with self.lock:
            self.entries[key] = value
            while len(self.entries) > self.limit:
                self.entries.popitem(last=False)
        return value

    def clear(self) -> None:
        with self.lock:
            self.entries.clear()


def _fragments() -> Fragments:
    """This app's kept fragments (their links are its URLs)."""
    return current_app.extensions["neig_shell_fragments"]


def _render(template: str, **values) -> Markup:
    html = current_app.jinja_env.get_template(template).render(**values)
    return Markup(html)  # noqa: S704 # nosec B704 # Jinja escaped every value (autoescape)


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
    return _fragments().get(key, lambda: _render("shell/site_nav.html", **values))


#: The header's slots: the CSRF token (twice: the language form and logging out) and the page's
#: path. A name or address that holds one of these characters is rendered without the cache.
CSRF_SLOT = "\ue000"
NEXT_SLOT = "\ue001"
_SLOTS = (CSRF_SLOT, NEXT_SLOT)


def header_tools(unread: int) -> Markup:
    """The logged-in header's tools (base.html, block header_tools): notifications, search and
    the user menu."""
    user = policy.unproxied(current_user)
    here = _header_places(request.endpoint or "")
    csrf = generate_csrf()
    next_path = request.full_path if request.method == "GET" else url_for("web.index")
    values = {"here": here, "unread": unread, "name": user.name, "email": user.email}
    if any(slot in str(value) for value in (user.name, user.email) for slot in _SLOTS):
        return _render("shell/header_tools.html", csrf=csrf, next_path=next_path, **values)
    key = ("header_tools", str(get_locale()), request.script_root, tuple(here.values()))
    key += (unread, user.name, user.email)
    pieces = _fragments().get(
        key,
        lambda: _pieces(
            _render("shell/header_tools.html", csrf=CSRF_SLOT, next_path=NEXT_SLOT, **values)
        ),
    )
    filled = {CSRF_SLOT: escape(csrf), NEXT_SLOT: escape(next_path)}
    html = "".join(filled.get(piece, piece) for piece in pieces)
    return Markup(html)  # noqa: S704 # nosec B704 # rendered pieces and the slots escaped here


def _header_places(ep: str) -> dict[str, bool]:
    """Which of the header's links is the page (templates/shell/header_tools.html, `here`)."""
    return {
        "notifications": ep.startswith("notifications."),
        "account": ep.startswith("accounts.") and ep != "accounts.sessions_list",
        "sessions": ep == "accounts.sessions_list",
        "notification_settings": ep == "notifications.settings",
    }


def _pieces(markup: str) -> tuple[str, ...]:
    """The rendered markup cut at its slots, each slot a piece of its own."""
    return tuple(piece for piece in _SLOT_PATTERN.split(markup) if piece)


_SLOT_PATTERN = re.compile(f"([{CSRF_SLOT}{NEXT_SLOT}])")


def init_shell(app) -> None:
    app.extensions["neig_shell_fragments"] = Fragments(KEPT_FRAGMENTS)
    app.jinja_env.globals["site_nav"] = site_nav
    app.jinja_env.globals["header_tools"] = header_tools
