"""Time helpers: every timestamp is stored as naive UTC, the same on SQLite and PostgreSQL;
people type and read Dutch wall-clock time (Europe/Amsterdam)."""

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

TIMEZONE = ZoneInfo("Europe/Amsterdam")


def utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def local(moment: datetime) -> datetime:
    """Naive UTC as naive Europe/Amsterdam wall-clock time."""
    return moment.replace(tzinfo=UTC).astimezone(TIMEZONE).replace(tzinfo=None)


def to_utc(moment: datetime) -> datetime:
    """Naive Europe/Amsterdam wall-clock time as naive UTC."""
    return moment.replace(tzinfo=TIMEZONE).astimezone(UTC).replace(tzinfo=None)
