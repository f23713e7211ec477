"""Locale and timezone selection: the user's choice, then the session's, then Dutch."""

from flask import current_app, has_request_context, session
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
