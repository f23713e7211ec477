"""Helpers of the application tests: a valid form and a way to send it."""

import pytest

from tests.helpers import post_form

APPLY = "/aanmelden"


def valid_form(**changes) -> dict:
    """A municipality's application as a person would fill it in."""
    data = {
        "org_type": "municipality",
        "cbs_code": "GM0153",  # Enschede: not among the personas' organisations
        "organisation_name": "",
        "contact_name": "Fatima el Amrani",
        "contact_role": "Beleidsadviseur openbare orde en veiligheid",
        "email": "f.elamrani@enschede.example.nl",
        "phone": "053 481 81 81",
        "motivation": "Twee explosies bij woningen dit jaar; wij zoeken kennis over nazorg.",
        "privacy_consent": "y",
        "website": "",
    }
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


@pytest.fixture
def apply():
    """POST the public form like a browser (with the CSRF token of the form page)."""

    def send(client, **changes):
        return post_form(client, APPLY, valid_form(**changes))

    return send
