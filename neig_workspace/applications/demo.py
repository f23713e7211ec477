"""Demo applications to join: two waiting for VNG, one of them a duplicate of a
municipality already in the network, so the review page shows its warning. The caller commits."""

from datetime import timedelta

from ..extensions import db
from ..organisations.models import OrgType
from ..timeutil import utcnow
from .models import Application, ApplicationStatus

#: (organisation, type, CBS code, contact, role, e-mail, phone, days ago, motivation)
DEMO_APPLICATIONS = [
    (
        "Gemeente Enschede",
        OrgType.MUNICIPALITY,
        "GM0153",
        "Fatima el Amrani",
        "Beleidsadviseur openbare orde en veiligheid",
        "f.elamrani@enschede.example",
        "053 481 81 81",
        2,
        "Dit jaar twee explosies bij woningen in de wijk Velve-Lindenhof. Wij zoeken kennis over "
        "nazorg voor bewoners en willen leren van gemeenten die de driehoek al zo inrichten.",
    ),
    (
        # Rotterdam is a member already: the review page flags the existing organisation.
        "Gemeente Rotterdam, directie Veiligheid",
        OrgType.MUNICIPALITY,
        "GM0599",
        "Pieter Bakker",
        "Programmamanager explosies",
        "p.bakker@rotterdam.example",
        "010 267 16 25",
        1,
        "Onze directie wil zelf deelnemen aan de kennissessies over preventie.",
    ),
]


def load_demo(organisations: dict) -> None:
    """Add the demo applications; `organisations` (name -> Organisation) is not needed: an
    application names its municipality by CBS code, as the public form does."""
    now = utcnow()
    for org_name, org_type, cbs, contact, role, email, phone, days, motivation in DEMO_APPLICATIONS:
        received = now - timedelta(days=days)
        db.session.add(
            Application(
                organisation_name=org_name,
                org_type=org_type,
                cbs_code=cbs,
                contact_name=contact,
                contact_role=role,
                email=email,
                phone=phone,
                motivation=motivation,
                privacy_consent_at=received,
                created_at=received,
                status=ApplicationStatus.PENDING,
            )
        )
    db.session.flush()
