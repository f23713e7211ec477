"""Demo meetings: two upcoming network meetings and a past one with its minutes, in the
Kennisbank (the network reads it; VNG manages it and organises them)."""

import io
from datetime import datetime, time, timedelta

from sqlalchemy import select

from ..accounts.models import User
from ..documents import service as documents
from ..documents.models import Folder
from ..extensions import db
from ..spaces.models import Space
from ..timeutil import utcnow
from . import service
from .models import MeetingAudience, MeetingKind

MINUTES = """Verslag netwerkbijeenkomst NEIG

Aanwezig: 42 deelnemers uit 31 gemeenten, politie, OM en corporaties.

1. Opening door VNG.
2. Rotterdam over de sluiting van woningen na een explosie (art. 174a Gemeentewet).
3. Nazorg voor bewoners: wat werkt in de eerste week.
4. Rondvraag en afsluiting.
"""


def _at(days: int, hour: int, minute: int = 0) -> datetime:
    """A Dutch wall-clock time `days` from today, as naive UTC."""
    day = service.local(utcnow()).date() + timedelta(days=days)
    return service.to_utc(datetime.combine(day, time(hour, minute)))


def _meeting(space, organiser, title, kind, days, hours, **details):
    data = service.MeetingData(
        title=title,
        kind=kind,
        audience=MeetingAudience.NETWORK,
        starts_at=_at(days, hours[0]),
        ends_at=_at(days, hours[1]),
        **details,
    )
    return service.create_meeting(space, data, actor=organiser)


def load_demo(organisations: dict) -> None:
    """Add the demo meetings; the caller commits."""
    space = db.session.scalar(select(Space).where(Space.name == "Kennisbank"))
    organiser = db.session.scalar(select(User).where(User.email == "s.devries@vng.example"))
    if space is None or organiser is None:
        return
    _meeting(
        space,
        organiser,
        "Kennissessie: het handelingskader explosies",
        MeetingKind.KENNISSESSIE,
        9,
        (10, 11),
        description="Een uur over het handelingskader: van melding tot nazorg, met vragen.",
        online_url="https://meet.example.nl/neig-kennissessie",
        capacity=100,
    )
    upcoming = _meeting(
        space,
        organiser,
        "Netwerkbijeenkomst NEIG in Utrecht",
        MeetingKind.BIJEENKOMST,
        23,
        (13, 17),
        description="Gemeenten en partners delen ervaringen met preventie, aanpak en nazorg.",
        location="Stadskantoor Utrecht, Stadsplateau 1, Utrecht",
        capacity=60,
    )
    past = _meeting(
        space,
        organiser,
        "Netwerkbijeenkomst NEIG: sluiten en nazorg",
        MeetingKind.BIJEENKOMST,
        -30,
        (13, 16),
        description="Terugblik op de sluiting van woningen en de nazorg voor bewoners.",
        location="VNG, Nassaulaan 12, Den Haag",
    )
    report = db.session.get(Folder, past.report_folder_id)
    documents.upload_document(
        space,
        documents.Upload(io.BytesIO(MINUTES.encode()), "verslag-netwerkbijeenkomst.txt"),
        folder=report,
        title="Verslag netwerkbijeenkomst",
        actor=organiser,
    )
    for email in ("medewerker@rotterdam.example", "medewerker@amsterdam.example"):
        user = db.session.scalar(select(User).where(User.email == email))
        if user is not None:
            service.register(upcoming, actor=user)


__all__ = ["load_demo"]
