"""The notification centre (/meldingen): the list, opening an item, and e-mail preferences."""

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required

from ..access.policy import load_or_404
from ..forms import REFUSED, ActionForm, run_use_case
from ..pagination import paginate
from ..web import safe_next
from . import service
from .forms import PREFERENCE_CHOICES, PreferenceForm
from .models import Notification

bp = Blueprint("notifications", __name__)


def unread_count_context() -> dict:
    """For every template: `unread_notification_count()`, one count query per request, run
    only when a page asks (the header does; e-mail templates do not)."""

    def unread_notification_count() -> int:
        if not current_user.is_authenticated:
            return 0
        return service.unread_count(current_user)  # once per request

    return {"unread_notification_count": unread_notification_count}


@bp.get("/meldingen")
@login_required
def index():
    unread_only = request.args.get("ongelezen") == "1"
    page = paginate(service.visible_query(current_user, unread_only=unread_only))
    return render_template(
        "notifications/index.html",
        page=page,
        unread_only=unread_only,
        sentence=service.kind_sentence,
        form=ActionForm(),
    )


@bp.post("/meldingen/<int:notification_id>/openen", endpoint="open")
@login_required
def open_notification(notification_id: int):
    """Mark it read and go to its subject (a local path only: never an open redirect)."""
    form = ActionForm()
    notification = load_or_404(Notification, notification_id, "notification.mark_read")
    if not form.validate_on_submit():
        flash(_("Het formulier is verlopen. Probeer het opnieuw."), "error")
        return redirect(url_for(".index"))
    run_use_case(None, lambda: service.mark_read(notification, actor=current_user))
    return redirect(safe_next(notification.url, default="notifications.index"))


@bp.post("/meldingen/alles-gelezen")
@login_required
def mark_all_read():
    form = ActionForm()
    if form.validate_on_submit():
        run_use_case(
            None,
            lambda: service.mark_all_read(actor=current_user),
            success=lambda count: ngettext(
                "%(num)d melding als gelezen gemarkeerd.",
                "%(num)d meldingen als gelezen gemarkeerd.",
                count,
            ),
        )
    return redirect(url_for(".index"))


@bp.route("/meldingen/instellingen", methods=["GET", "POST"])
@login_required
def settings():
    form = PreferenceForm()
    if request.method == "GET":
        form.notification_email.data = current_user.notification_email.value
    status = 200
    if form.validate_on_submit():
        done = run_use_case(
            form,
            lambda: service.set_email_preference(form.notification_email.data, actor=current_user),
            success=_("Uw voorkeur voor e-mail over meldingen is opgeslagen."),
        )
        if done is not REFUSED:
            return redirect(url_for(".settings"))
    if form.errors or form.form_errors:
        status = 422
    return (
        render_template("notifications/settings.html", form=form, choices=PREFERENCE_CHOICES),
        status,
    )
