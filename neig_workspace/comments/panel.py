"""The comments panel under a subject's page (a document, an action item, an article): the
threads, the forms and the rounds. Each feature's page view builds it; the comment views show
it again with a refused post's errors."""

from flask_babel import gettext as _
from flask_login import current_user

from .. import richtext
from ..access.policy import can
from ..documents.drafts import read_text
from ..extensions import db
from ..timeutil import utcnow
from . import service
from .forms import CommentForm, ReplyForm
from .models import CommentRound
from .subjects import subject_of


def comment_form(on, text: str | None, formdata=None) -> CommentForm:
    form = CommentForm(formdata=formdata)
    choices = [(0, _("Het hele document"))]
    if subject_of(on).is_text and text is not None:
        choices += [(p.number, _("Alinea %(n)d", n=p.number)) for p in richtext.paragraphs(text)]
    form.paragraph.choices = choices
    return form


def reply_form(thread_id: int, formdata=None) -> ReplyForm:
    return ReplyForm(formdata=formdata, prefix=f"antwoord-{thread_id}")


def panel(on, *, form=None, failed_reply=None) -> dict:
    """What the comments section of a subject's page needs (`comments`)."""
    subject = subject_of(on)
    threads = service.threads(subject)
    bodies = [c.body for t in threads for c in (t.comment, *t.replies)]
    text = read_text(subject.obj.latest) if subject.is_text else None
    rounds = []
    if subject.is_document:
        rounds = db.session.scalars(
            db.select(CommentRound)
            .where(CommentRound.document_id == subject.obj.id)
            .order_by(CommentRound.number.desc())
        ).all()
    adapter = subject.adapter
    return {
        "subject": subject,
        "threads": threads,
        "mention_names": service.mention_names(subject, bodies),
        "comment_form": form or comment_form(subject.obj, text, formdata=None),
        "failed_reply": failed_reply,
        "reply_form": reply_form,
        "current_round": next((r for r in rounds if r.is_open), None),
        "rounds": rounds,
        "now": utcnow(),
        "may_comment": can(current_user, subject.comment_action, subject.obj),
        "may_manage_drafts": subject.is_document
        and can(current_user, "document.manage_drafts", subject.obj),
        "create_url": adapter.post_url(subject.obj),
        "mentions_url": adapter.mentions_url(subject.obj),
    }
