"""The documents blueprint, on its own so that every module of document pages can add its routes
to it without importing another: `views` (files, versions, folders, trash, search) and
`draft_views` (text drafts and status)."""

from flask import Blueprint

bp = Blueprint("documents", __name__)
