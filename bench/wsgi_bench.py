"""The app as the benchmark serves it: the production app, plus, only here (never in the app's
own code paths), the SQL statements each request ran in an `X-Bench-Queries` header, and a bare
Flask endpoint at /bench-bare on the same gunicorn, the ceiling every page is compared with.

    gunicorn bench.wsgi_bench:app      (bench/pages.py starts it)
"""

from flask import Flask, g, request_started
from sqlalchemy import event
from werkzeug.middleware.dispatcher import DispatcherMiddleware

from neig_workspace import create_app
from neig_workspace.extensions import db

neig = create_app()
_count = {"queries": 0}


@request_started.connect_via(neig)
def _reset(sender, **extra):
    _count["queries"] = 0
    g.bench_counting = True


with neig.app_context():

    @event.listens_for(db.engine, "before_cursor_execute")
    def _one_more(conn, cursor, statement, parameters, context, executemany):
        _count["queries"] += 1


@neig.after_request
def _header(response):
    response.headers["X-Bench-Queries"] = str(_count["queries"])
    return response


bare = Flask("bare")


@bare.get("/")
def hello():
    return "Hallo"


app = DispatcherMiddleware(neig, {"/bench-bare": bare})
