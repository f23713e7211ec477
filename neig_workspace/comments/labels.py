"""How a decision on a comment is named: on the page, in the form and in the comment table."""

from flask_babel import lazy_gettext as _l

from .models import Decision

DECISION_LABELS = {
    Decision.OVERGENOMEN: _l("overgenomen"),
    Decision.DEELS_OVERGENOMEN: _l("deels overgenomen"),
    Decision.NIET_OVERGENOMEN: _l("niet overgenomen"),
    Decision.KENNISGENOMEN: _l("kennisgenomen"),
}
