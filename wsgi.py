"""WSGI entry point: `gunicorn wsgi:app`, or `flask --app wsgi run`."""

from neig_workspace import create_app

app = create_app()
