"""NEIG Werkruimte: the application factory."""

import os
from pathlib import Path
from urllib.parse import urlsplit

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from . import database
from .extensions import babel, csrf, db, limiter, login_manager, migrate
from .integers import IdConverter

ROOT = Path(__file__).resolve().parent.parent


def create_app(config_name: str | None = None, **overrides) -> Flask:
    """Build the application for one environment (development, testing or production)."""
    from config import CONFIGS

    config_name = config_name or os.environ.get("NEIG_CONFIG", "development")
    app = Flask(
        __name__,
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
        instance_path=os.environ.get("NEIG_INSTANCE_PATH", str(ROOT / "instance")),
    )
    app.config.from_object(CONFIGS[config_name])
    app.config.update(overrides)
    from .documents.request_body import SpoolingRequest

    app.request_class = SpoolingRequest  # uploads arrive in the blob store's temporary folder
    if app.config["TRUSTED_HOSTS"] is None:
        app.config["TRUSTED_HOSTS"] = trusted_hosts(
            app.config, production=config_name == "production"
        )
    if config_name == "production":
        from .web.deploy import refuse_insecure_start

        refuse_insecure_start(app)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    hops = int(app.config.get("TRUST_PROXY_HOPS") or 0)
    if hops:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)

    _configure_logging(app)
    _init_extensions(app)
    # Before any route is added: every <int:…> refuses ids no column can hold (404, not 500).
    app.url_map.converters["int"] = IdConverter
    _init_operations(app)
    _register_blueprints(app)
    _register_hooks(app)
    from .cli import register_cli

    register_cli(app)
    return app


def trusted_hosts(config, *, production: bool) -> list[str]:
    """The hosts requests may name when TRUSTED_HOSTS is not set: EXTERNAL_URL's, and outside
    production also localhost and 127.0.0.1 (the development server and the test client)."""
    hosts = [urlsplit(config.get("EXTERNAL_URL") or "").hostname or ""]
    if not production:
        hosts += ["localhost", "127.0.0.1"]
    return [host for host in dict.fromkeys(hosts) if host]


def _init_extensions(app: Flask) -> None:
    from .forms import install_quick_html_params
    from .i18n import (
        install_request_domain,
        install_template_gettext,
        select_locale,
        select_timezone,
    )

    # Timeouts, and SQLite's locking: neig_workspace/database.py.
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = database.engine_options(app.config)
    db.init_app(app)
    with app.app_context():
        for engine in db.engines.values():
            database.watch_engine(engine, app.config)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"), render_as_batch=True)
    csrf.init_app(app)
    install_quick_html_params()
    babel.init_app(
        app,
        locale_selector=select_locale,
        timezone_selector=select_timezone,
        default_translation_directories=str(ROOT / "neig_workspace" / "translations"),
    )
    install_request_domain(babel)
    install_template_gettext(app)
    limiter.init_app(app)
    login_manager.init_app(app)
    from .accounts import sessions

    sessions.init_login_manager(login_manager)


def _register_blueprints(app: Flask) -> None:
    """Every feature's pages. Importing them also registers the comment subjects (actions,
    documents, knowledge; see comments/subjects.py), so every app has them, the CLI's too."""
    from .accounts.admin_views import bp as accounts_admin_bp
    from .accounts.views import bp as accounts_bp
    from .actions.views import bp as actions_bp
    from .applications.views import bp as applications_bp
    from .audit.views import bp as audit_bp
    from .cases.views import bp as cases_bp
    from .comments.views import bp as comments_bp
    from .directory.views import bp as directory_bp
    from .documents.views import bp as documents_bp
    from .jobs.views import bp as jobs_bp
    from .knowledge.views import bp as knowledge_bp
    from .meetings.views import bp as meetings_bp
    from .notifications.views import bp as notifications_bp
    from .notifications.views import unread_count_context
    from .organisations.views import bp as organisations_bp
    from .privacy.views import bp as privacy_bp
    from .reviews.views import bp as reviews_bp
    from .spaces.views import bp as spaces_bp
    from .sso.views import bp as sso_bp
    from .web import init_web
    from .web.help import bp as help_bp
    from .web.views import bp as web_bp

    blueprints = (
        web_bp,
        accounts_bp,
        accounts_admin_bp,
        organisations_bp,
        audit_bp,
        spaces_bp,
        documents_bp,
        comments_bp,
        notifications_bp,
        sso_bp,
        actions_bp,
        cases_bp,
        applications_bp,
        knowledge_bp,
        meetings_bp,
        directory_bp,
        jobs_bp,
        privacy_bp,
        reviews_bp,
        help_bp,
    )
    for blueprint in blueprints:
        app.register_blueprint(blueprint)
    app.context_processor(unread_count_context)  # notifications: header count
    init_web(app)


def _register_hooks(app: Flask) -> None:
    """What features add to others through their extension points, once per application."""
    from .cases import document_hooks
    from .documents import hooks as documents_hooks
    from .search import index as search_index

    documents_hooks.init_app(app)
    search_index.install()  # the search index follows every change to a document
    document_hooks.init_app(app)  # casework: the documents of case spaces


def _configure_logging(app: Flask) -> None:
    """JSON lines or text (LOG_FORMAT), each with the request's id (neig_workspace/log_format.py)."""
    from .log_format import configure_logging

    configure_logging(app.config["LOG_FORMAT"])


def _init_operations(app: Flask) -> None:
    """The request id and the access line of every request, and the metrics' gauges. First of
    the hooks: its after_request runs last, so it counts the final status."""
    from .web.metrics import init_metrics
    from .web.observability import init_observability

    init_observability(app)
    init_metrics(app)
