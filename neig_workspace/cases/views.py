"""Casework pages: the one place that imports every module of case pages, so that each has added
its routes to the blueprint once `bp` is taken from here (as `create_app` does). The blueprint,
its second-factor gate and `load_case` live in `blueprint`, which those modules import."""

from . import (  # each adds its routes to `bp`
    accountability_views,
    admin_views,
    case_views,
    item_views,
    stats_views,
)
from .blueprint import bp

__all__ = ["accountability_views", "admin_views", "bp", "case_views", "item_views", "stats_views"]
