"""Paginated lists: two queries (the page and the count), whatever the data size."""

from flask import current_app, request

from .extensions import db


def paginate(query):
    page = request.args.get("pagina", 1, type=int)
    return db.paginate(
        query,
        page=max(page, 1),
        per_page=current_app.config["PAGE_SIZE"],
        error_out=False,
        max_per_page=100,
    )
