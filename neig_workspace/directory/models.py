"""What a user shows of themselves in the member directory, and when they last saw the
dashboard."""

from datetime import datetime

from sqlalchemy import ForeignKey, String, false
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from ..timeutil import utcnow

#: The fields a user may show, in the order the directory lists them.
FIELDS = ("name", "job_title", "organisation", "email", "phone")


class DirectoryProfile(db.Model):
    """A user's directory settings: every field is hidden until they opt in."""

    __tablename__ = "directory_profiles"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    #: Role or function, e.g. "beleidsadviseur openbare orde".
    job_title: Mapped[str] = mapped_column(String(200), default="")
    phone: Mapped[str] = mapped_column(String(40), default="")
    #: Opt-ins, one per field. "organisation" lists the user on their organisations' pages:
    #: without it they appear nowhere in the directory.
    show_name: Mapped[bool] = mapped_column(default=False, server_default=false())
    show_job_title: Mapped[bool] = mapped_column(default=False, server_default=false())
    show_organisation: Mapped[bool] = mapped_column(default=False, server_default=false())
    show_email: Mapped[bool] = mapped_column(default=False, server_default=false())
    show_phone: Mapped[bool] = mapped_column(default=False, server_default=false())
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    def shown(self) -> list[str]:
        return [name for name in FIELDS if getattr(self, f"show_{name}")]

    def __repr__(self) -> str:
        return f"<DirectoryProfile user={self.user_id} shows={self.shown()}>"


class DashboardVisit(db.Model):
    """When a user last looked at the dashboard, and the moment "new since" counts from.

    `since` moves to the old `seen_at` only when a new visit starts (after VISIT_GAP without
    looking), so reloading the dashboard does not wipe what was new."""

    __tablename__ = "dashboard_visits"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    #: The last time the dashboard was shown.
    seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: Start of "what changed since my last visit" during the current visit.
    since: Mapped[datetime | None]

    def __repr__(self) -> str:
        return f"<DashboardVisit user={self.user_id} since={self.since}>"
