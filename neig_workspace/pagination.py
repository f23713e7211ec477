"""Paginated lists: two queries (the page and the count), whatever the data size."""

from flask import current_app

from .extensions import db
from .integers import query_int


def paginate(query):
    page = query_int("pagina", 1)
    return db.paginate(
        query,
        page=max(page, 1),
        per_page=current_app.config["PAGE_SIZE"],
        error_out=False,
        max_per_page=100,
    )
