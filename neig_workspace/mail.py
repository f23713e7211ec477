"""Outgoing e-mail: queued by services, sent only after the transaction commits, as a background
job ("mail.send", neig_workspace/jobs): retried with backoff (MAIL_RETRY_INTERVALS) on a queue,
and on the dead-letter list for platform admins when it keeps failing. The job's payload is
sealed (encrypted): a body may hold a single-use link, which must not sit readable in Redis or
in the dead-letter row, and the page shows only a shortened recipient.

With MAIL_SERVER set, mail goes out over SMTP (STARTTLS by default). Without it (development and
tests) every message is written as an .eml file to MAIL_OUTBOX_DIR, so invitations and reset
links work out of the box.
"""

import logging
import smtplib
import uuid
from dataclasses import dataclass
from email.message import EmailMessage
from email.policy import default as default_policy
from pathlib import Path

from flask import current_app

from . import jobs
from .timeutil import utcnow

log = logging.getLogger("neig_workspace.mail")


@dataclass
class Mail:
    to: str
    subject: str
    body: str


def external_link(endpoint: str, **values) -> str:
    """An absolute link for an e-mail, always on EXTERNAL_URL: never the Host header of the
    request that sent it, which whoever makes the request chooses (a reset link pointing at
    their own site would hand them the token)."""
    # The path alone, as the app's root sees it: EXTERNAL_URL holds any prefix it is served
    # under, and the link can be built outside a request too (CLI, cron).
    path = current_app.url_map.bind("localhost").build(endpoint, values)
    return current_app.config["EXTERNAL_URL"].rstrip("/") + path


def queue(to: str, subject: str, body: str) -> None:
    """Send this message once the current transaction commits; drop it on rollback."""
    sealed = jobs.seal({"to": to, "subject": subject, "body": body})
    jobs.enqueue("mail.send", summary=shortened(to), sealed=sealed)


def shortened(address: str) -> str:
    """n…@example.nl: enough for an admin to recognise a recipient, not to read an address
    list off the dead-letter page."""
    local, _, domain = address.partition("@")
    return f"{local[:1]}…@{domain}" if domain else "…"


def deliver(sealed: str) -> None:
    """The "mail.send" job: open the sealed message and send it; an SMTP error (a 4xx
    included) raises, so the queue tries again later."""
    send_now(Mail(**jobs.unseal(sealed)))


def _build(mail: Mail) -> EmailMessage:
    message = EmailMessage()
    message["From"] = current_app.config["MAIL_DEFAULT_SENDER"]
    message["To"] = mail.to
    message["Subject"] = mail.subject
    message["Message-ID"] = f"<{uuid.uuid4()}@neig-werkruimte>"
    message.set_content(mail.body)
    return message


def send_now(mail: Mail) -> None:
    message = _build(mail)
    cfg = current_app.config
    if cfg.get("MAIL_SERVER"):
        with smtplib.SMTP(cfg["MAIL_SERVER"], cfg["MAIL_PORT"], timeout=30) as smtp:
            if cfg["MAIL_USE_TLS"]:
                smtp.starttls()
            if cfg.get("MAIL_USERNAME"):
                smtp.login(cfg["MAIL_USERNAME"], cfg["MAIL_PASSWORD"])
            smtp.send_message(message)
        log.info("mail sent over SMTP (subject %r)", mail.subject)
        return
    outbox = Path(cfg["MAIL_OUTBOX_DIR"])
    outbox.mkdir(parents=True, exist_ok=True)
    path = outbox / f"{utcnow():%Y%m%dT%H%M%S%f}-{uuid.uuid4().hex[:8]}.eml"
    path.write_bytes(message.as_bytes(policy=default_policy))
    # The path only: the body may hold a single-use link, which must not reach the logs.
    log.info("mail written to %s (subject %r)", path, mail.subject)


def read_outbox(directory: str | Path) -> list[EmailMessage]:
    """The messages in an outbox folder, oldest first (for tests and the demo)."""
    from email import message_from_bytes

    paths = sorted(Path(directory).glob("*.eml"))
    return [message_from_bytes(p.read_bytes(), policy=default_policy) for p in paths]
