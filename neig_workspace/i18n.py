"""Locale and timezone selection: the user's choice, then the session's, then Dutch."""

from flask import current_app, g, has_app_context, has_request_context, session
from flask_babel import Domain
from flask_login import current_user


def select_locale() -> str:
    languages = current_app.config["LANGUAGES"]
    if not has_request_context():  # CLI and cron: the default language
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    if current_user and current_user.is_authenticated and current_user.locale in languages:
        return current_user.locale
    chosen = session.get("locale")
    if chosen in languages:
        return chosen
    # Dutch first, whatever the browser prefers: the network works in Dutch.
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def select_timezone() -> str:
    return current_app.config["BABEL_DEFAULT_TIMEZONE"]


class RequestDomain(Domain):
    """Flask-Babel's message domain with the request's translations looked up once: every
    `gettext` and every lazy label (`lazy_gettext`, a list's statuses and kinds, rendered per
    row) asks for them, and Flask-Babel looks up the request's namespace, domain, locale and
    cache again each time (13 µs a string)."""

    def get_translations(self):
        if not has_app_context():
            return super().get_translations()
        state = g.get("_flask_babel")
        locale = getattr(state, "babel_locale", None)
        kept = getattr(state, "neig_translations", None)
        # A locale forced for an e-mail (`force_locale`) or chosen anew is another object, so
        # it gets its own translations.
        if locale is not None and kept is not None and kept[0] is locale:
            return kept[1]
        translations = super().get_translations()
        state = g.get("_flask_babel")
        if state is not None:
            state.neig_translations = (getattr(state, "babel_locale", None), translations)
        return translations


def request_translations():
    """The translations of this request (RequestDomain): a page's templates ask for them a
    hundred times."""
    return _DOMAIN.get_translations()


_DOMAIN = RequestDomain()


def install_request_domain(babel) -> None:
    """Make RequestDomain the domain Flask-Babel's `gettext`, `lazy_gettext` and the rest use."""
    babel.domain_instance = _DOMAIN


def install_template_gettext(app) -> None:
    """The templates' `_`, `ngettext`, `pgettext` and `npgettext` through
    `request_translations`, in place of Flask-Babel's (which it installs the same way)."""
    app.jinja_env.install_gettext_callables(
        gettext=lambda s: request_translations().ugettext(s),
        ngettext=lambda s, p, n: request_translations().ungettext(s, p, n),
        newstyle=True,
        pgettext=lambda c, s: request_translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: request_translations().unpgettext(c, s, p, n),
    )
