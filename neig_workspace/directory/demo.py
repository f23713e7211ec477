"""Demo directory: a few demo users opted in to the member directory, each with other choices,
so the directory shows what opting in per field means."""

from sqlalchemy import select

from ..accounts.models import User
from ..extensions import db
from .models import FIELDS, DirectoryProfile

#: e-mail -> (role or function, phone, the fields shown); users of neig_workspace/demo.py.
DEMO_PROFILES = {
    "beheer@rotterdam.example": (
        "Programmamanager explosies, Directie Veiligheid",
        "010 267 00 00",
        {"name", "job_title", "organisation", "email", "phone"},
    ),
    "medewerker@rotterdam.example": (
        "Beleidsadviseur openbare orde",
        "010 267 00 01",
        {"name", "job_title", "organisation"},
    ),
    "beheer@amsterdam.example": (
        "Coördinator aanpak explosies",
        "020 552 00 00",
        {"name", "job_title", "organisation", "email"},
    ),
    "agent@politie-rotterdam.example": (
        "Teamleider wijkpolitie",
        "",
        {"name", "organisation", "email"},
    ),
    "secretariaat@ote.example": (
        "Secretaris Offensief tegen Explosies",
        "070 373 83 93",
        {"name", "job_title", "organisation", "email", "phone"},
    ),
}


def load_demo(organisations: dict) -> None:
    """Opt the demo users above in (the caller commits); `organisations` is not needed: a
    user is listed with every organisation they are a member of."""
    users = db.session.scalars(select(User).where(User.email.in_(list(DEMO_PROFILES)))).all()
    for user in users:
        job_title, phone, shown = DEMO_PROFILES[user.email]
        db.session.add(
            DirectoryProfile(
                user_id=user.id,
                job_title=job_title,
                phone=phone,
                **{f"show_{name}": name in shown for name in FIELDS},
            )
        )
    db.session.flush()
