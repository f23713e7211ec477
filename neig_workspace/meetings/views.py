"""Meetings and knowledge sessions: the views."""

import csv
import io

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from ..access.policy import can, load_or_404, require, visible_meetings
from ..actions.export import safe_text
from ..audit import service as audit
from ..editing import Edit
from ..forms import REFUSED, ActionForm, commit_side_effect, run_use_case
from ..pagination import paginate
from ..tabular import csv_download
from ..timeutil import utcnow
from . import ics, service
from .forms import MeetingFilterForm, MeetingForm
from .models import Meeting, MeetingKind

bp = Blueprint("meetings", __name__)

LABELS = {
    "kinds": service.KIND_LABELS,
    "audiences": service.AUDIENCE_LABELS,
    "statuses": service.STATUS_LABELS,
}


def _load(meeting_id: int, action: str = "meeting.view") -> Meeting:
    return load_or_404(Meeting, meeting_id, action)


@bp.get("/bijeenkomsten")
@login_required
def index():
    """Upcoming (or past) meetings the user may see, filtered by kind."""
    form = MeetingFilterForm(request.args)
    past = request.args.get("periode") == "verleden"
    now = utcnow()
    query = select(Meeting).where(visible_meetings(current_user))
    if past:
        query = query.where(Meeting.ends_at <= now).order_by(Meeting.starts_at.desc())
    else:
        query = query.where(Meeting.ends_at > now).order_by(Meeting.starts_at)
    if form.soort.data in {kind.value for kind in MeetingKind}:
        query = query.where(Meeting.kind == MeetingKind(form.soort.data))
    page = paginate(query.order_by(Meeting.id))
    return render_template(
        "meetings/index.html",
        page=page,
        form=form,
        past=past,
        may_create=can(current_user, "meeting.create"),
        labels=LABELS,
    )


def _meeting_data(form: MeetingForm) -> service.MeetingData:
    def utc(value):
        return service.to_utc(value) if value else None

    return service.MeetingData(
        title=form.title.data or "",
        description=form.description.data or "",
        kind=form.kind.data,
        audience=form.audience.data,
        starts_at=utc(form.starts_at.data),
        ends_at=utc(form.ends_at.data),
        location=form.location.data or "",
        online_url=form.online_url.data or "",
        capacity=form.capacity.data,
    )


def _render_form(form, meeting=None, status=None):
    status = status or (422 if request.method == "POST" else 200)
    return render_template("meetings/form.html", form=form, meeting=meeting), status


@bp.route("/bijeenkomsten/nieuw", methods=["GET", "POST"])
@login_required
def create():
    """A new meeting in a space the user organises meetings in."""
    require("meeting.create")
    form = MeetingForm()
    spaces = service.organiser_spaces(current_user)
    form.space_id.choices = [(space.id, space.name) for space in spaces]
    if not form.validate_on_submit():
        return _render_form(form)
    space = next((s for s in spaces if s.id == form.space_id.data), None)
    if space is None:
        form.space_id.errors = [_("Kies een werkruimte waarin u bijeenkomsten organiseert.")]
        return _render_form(form)
    meeting = run_use_case(
        form,
        lambda: service.create_meeting(space, _meeting_data(form), actor=current_user),
        success=_("De bijeenkomst is aangemaakt."),
    )
    if meeting is REFUSED:
        return _render_form(form)
    return redirect(url_for(".show", meeting_id=meeting.id))


@bp.route("/bijeenkomsten/<int:meeting_id>/bewerken", methods=["GET", "POST"])
@login_required
def edit(meeting_id):
    """Change a meeting (organisers); the space stays."""
    meeting = _load(meeting_id, "meeting.manage")
    form = MeetingForm(data=_meeting_values(meeting)) if request.method == "GET" else MeetingForm()
    del form.space_id
    edit = Edit(form, meeting, lambda: _meeting_values(meeting))
    if not form.validate_on_submit():
        return _render_form(form, meeting)
    done = edit.save(
        lambda: service.update_meeting(meeting, _meeting_data(form), actor=current_user),
        success=_("De bijeenkomst is bijgewerkt."),
    )
    if done is REFUSED:
        return _render_form(form, meeting, edit.status)
    return redirect(url_for(".show", meeting_id=meeting.id))


def _meeting_values(meeting) -> dict:
    """The meeting as its edit form shows it (times in Dutch time)."""
    return {
        "title": meeting.title,
        "kind": meeting.kind,
        "description": meeting.description,
        "starts_at": service.local(meeting.starts_at),
        "ends_at": service.local(meeting.ends_at),
        "location": meeting.location,
        "online_url": meeting.online_url,
        "capacity": meeting.capacity,
        "audience": meeting.audience,
    }


@bp.get("/bijeenkomsten/<int:meeting_id>")
@login_required
def show(meeting_id):
    """The meeting: details, your registration, its documents; the list for organisers."""
    meeting = _load(meeting_id)
    now = utcnow()
    may_manage = can(current_user, "meeting.manage", meeting)
    return render_template(
        "meetings/show.html",
        meeting=meeting,
        when=service.when_text(meeting),
        standing=service.standing(meeting, current_user),
        started=meeting.has_started(now),
        ended=meeting.ends_at <= now,
        documents=service.folder_documents(current_user, meeting.folder_id),
        report=service.folder_documents(current_user, meeting.report_folder_id),
        registrations=service.registrations(meeting) if may_manage else None,
        may_manage=may_manage,
        may_register=can(current_user, "meeting.register", meeting),
        form=ActionForm(),
        labels=LABELS,
    )


def _post_action(meeting_id: int, call, success: str):
    meeting = _load(meeting_id)
    form = ActionForm()
    if not form.validate_on_submit():
        abort(400)
    if run_use_case(form, lambda: call(meeting), success=success) is REFUSED:
        for message in form.form_errors:
            flash(message, "error")
    return redirect(url_for(".show", meeting_id=meeting.id))


@bp.post("/bijeenkomsten/<int:meeting_id>/aanmelden")
@login_required
def register(meeting_id):
    """Register, or join the waiting list when it is full."""
    return _post_action(
        meeting_id,
        lambda meeting: service.register(meeting, actor=current_user),
        _("U bent aangemeld, of op de wachtlijst gezet als de bijeenkomst vol is."),
    )


@bp.post("/bijeenkomsten/<int:meeting_id>/afmelden")
@login_required
def unregister(meeting_id):
    """Cancel your registration or place on the waiting list."""
    return _post_action(
        meeting_id,
        lambda meeting: service.cancel_registration(meeting, actor=current_user),
        _("U bent afgemeld."),
    )


@bp.route("/bijeenkomsten/<int:meeting_id>/annuleren", methods=["GET", "POST"])
@login_required
def cancel(meeting_id):
    """Cancel the meeting (organisers); everyone registered or waiting is told."""
    meeting = _load(meeting_id, "meeting.manage")
    form = ActionForm()
    if not form.validate_on_submit():
        return render_template("meetings/cancel.html", meeting=meeting, form=form)
    done = run_use_case(
        form,
        lambda: service.cancel_meeting(meeting, actor=current_user),
        success=_("De bijeenkomst is geannuleerd; wie aangemeld was, krijgt bericht."),
    )
    if done is REFUSED:
        return render_template("meetings/cancel.html", meeting=meeting, form=form), 422
    return redirect(url_for(".show", meeting_id=meeting.id))


@bp.get("/bijeenkomsten/<int:meeting_id>/aanmeldingen.csv")
@login_required
def registrations_csv(meeting_id):
    """Who registered and who waits, as CSV (organisers; audited)."""
    meeting = _load(meeting_id, "meeting.manage")
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";")
    writer.writerow([_("naam"), _("e-mailadres"), _("status"), _("aangemeld op")])
    rows = service.registrations(meeting)
    for row in rows:
        queued = service.local(row.queued_at).strftime("%d-%m-%Y %H:%M")
        status = str(service.STATUS_LABELS[row.status])
        writer.writerow([safe_text(row.user.name), safe_text(row.user.email), status, queued])
    commit_side_effect(
        audit.record,
        "meeting.registrations_exported",
        actor=current_user,
        target=meeting,
        space_id=meeting.space_id,
        details={"rows": len(rows)},
    )
    return csv_download("\ufeff" + out.getvalue(), f"bijeenkomst-{meeting.id}-aanmeldingen.csv")


def _event(meeting: Meeting) -> ics.Event:
    base = current_app.config["EXTERNAL_URL"].rstrip("/")
    page = f"{base}/bijeenkomsten/{meeting.id}"
    host = base.split("://", 1)[-1].split("/", 1)[0].split(":", 1)[0]
    description = "\n\n".join(part for part in (meeting.description, page) if part)
    return ics.Event(
        uid=f"bijeenkomst-{meeting.id}@{host}",
        starts_at=meeting.starts_at,
        ends_at=meeting.ends_at,
        summary=meeting.title,
        description=description,
        location=meeting.location or meeting.online_url,
        url=meeting.online_url or page,
        cancelled=meeting.is_cancelled,
    )


def _calendar_response(body: str, filename: str) -> Response:
    return Response(
        body,
        mimetype="text/calendar",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@bp.get("/bijeenkomsten/<int:meeting_id>.ics")
@login_required
def calendar_file(meeting_id):
    """The meeting as an iCalendar file for your own agenda."""
    meeting = _load(meeting_id)
    body = ics.calendar([_event(meeting)], stamp=utcnow())
    return _calendar_response(body, f"bijeenkomst-{meeting.id}.ics")


@bp.get("/bijeenkomsten/agenda")
@login_required
def feed_settings():
    """Your personal calendar feed: make, renew or revoke its secret link."""
    require("meeting.feed")
    return render_template(
        "meetings/feed.html",
        has_token=service.has_feed_token(current_user),
        feed_url=None,
        form=ActionForm(),
    )


@bp.post("/bijeenkomsten/agenda/nieuw")
@login_required
def feed_regenerate():
    """A new secret link; the old one stops working. Shown once."""
    require("meeting.feed")
    form = ActionForm()
    if not form.validate_on_submit():
        abort(400)
    token = run_use_case(
        form,
        lambda: service.regenerate_feed_token(actor=current_user),
        success=_("Er is een nieuwe link voor uw agenda. Een eerdere link werkt niet meer."),
    )
    base = current_app.config["EXTERNAL_URL"].rstrip("/")
    feed_url = base + url_for(".feed", token=token)
    return render_template("meetings/feed.html", has_token=True, feed_url=feed_url, form=form)


@bp.post("/bijeenkomsten/agenda/intrekken")
@login_required
def feed_revoke():
    """Revoke the secret link: the feed answers 404 from now on."""
    require("meeting.feed")
    form = ActionForm()
    if not form.validate_on_submit():
        abort(400)
    if (
        run_use_case(
            form,
            lambda: service.revoke_feed_token(actor=current_user),
            success=_("De link naar uw agenda is ingetrokken."),
        )
        is REFUSED
    ):
        for message in form.form_errors:
            flash(message, "error")
    return redirect(url_for(".feed_settings"))


@bp.get("/bijeenkomsten/agenda/<token>.ics")
def feed(token):
    """The personal feed: the meetings the token's owner registered for and may still see."""
    owner = service.feed_owner(token) if len(token) <= 100 else None
    if owner is None:
        abort(404)
    events = [_event(meeting) for meeting in service.feed_meetings(owner)]
    body = ics.calendar(events, stamp=utcnow(), name=_("Mijn bijeenkomsten NEIG"))
    response = _calendar_response(body, "bijeenkomsten.ics")
    response.headers["Cache-Control"] = "no-store"
    return response
