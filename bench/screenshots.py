"""The screenshot gallery (`make screenshots`): the key pages of every part of the app, with the
demo network, at 1366 and 390 CSS pixels, written to docs/screenshots/<page>-<width>.png.

It loads the demo network into a throwaway SQLite database (with a few documents, so the lists
are not empty), serves it on loopback from a thread, logs each persona in with a session of its
own (every account has two-step verification set up, and the session counts it as done, as
after a real login with a code) and drives
Debian's Chromium through Playwright. Nothing outside the temporary folder and the output folder
is touched.

    python -m bench.screenshots [--out docs/screenshots] [--only dashboard,case] [--width 390]
"""

import argparse
import io
import logging
import sys
import tempfile
import threading
import time
from pathlib import Path

import pyotp
from sqlalchemy import select
from werkzeug.serving import make_server

from bench.common import session_after_mfa

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
WIDTHS = {1366: 900, 390: 844}  # width -> the viewport's height

#: name -> (demo account, path template filled from the planted ids)
PAGES = {
    "dashboard": ("medewerker@rotterdam.example", "/"),
    "spaces": ("beheer@rotterdam.example", "/werkruimtes"),
    "space": ("beheer@rotterdam.example", "/werkruimtes/{nazorg}"),
    "documents": ("beheer@rotterdam.example", "/werkruimtes/{nazorg}/documenten"),
    "document": ("beheer@rotterdam.example", "/documenten/{document}"),
    "draft": ("beheer@rotterdam.example", "/documenten/{draft}"),
    "comment-round": ("beheer@rotterdam.example", "/commentaarrondes/{round}"),
    "action-plan": ("secretariaat@ote.example", "/actieplannen/{plan}"),
    "action-plan-dashboard": ("secretariaat@ote.example", "/actieplannen/{plan}/dashboard"),
    "cases": ("medewerker@rotterdam.example", "/casussen"),
    "case": ("medewerker@rotterdam.example", "/casussen/{case}"),
    "search": ("medewerker@rotterdam.example", "/zoeken?q=nazorg"),
    "knowledge": ("medewerker@amsterdam.example", "/kennisbank"),
    "meetings": ("medewerker@amsterdam.example", "/bijeenkomsten"),
    "directory": ("medewerker@amsterdam.example", "/netwerk/leden"),
    "notifications": ("beheer@rotterdam.example", "/meldingen"),
    "organisation": ("beheer@rotterdam.example", "/organisaties/{rotterdam}"),
    "admin-users": ("beheerder@vng.example", "/beheer/gebruikers"),
    "admin-applications": ("beheerder@vng.example", "/beheer/aanmeldingen"),
    "admin-audit": ("beheerder@vng.example", "/beheer/audit"),
    "login": (None, "/inloggen"),
    # the shell itself: the menus opened (the phone menu at 390 px, the user menu at 1366 px)
    "menu": ("beheer@rotterdam.example", "/"),
}
#: Pages shot with a menu opened first.
OPEN_MENU = {"menu"}

#: Files for the Werkgroep Nazorg, so the document list shows what a working group keeps.
DEMO_FILES = [
    ("Verslag overleg werkgroep 12 november.pdf", "beheer@rotterdam.example"),
    ("Bewonersbrief na explosie (model).pdf", "nazorg@woonstad.example"),
    ("Overzicht schadeafhandeling verzekeraars.pdf", "medewerker@amsterdam.example"),
]
PDF = b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n"


def build_app(work: Path):
    from flask_migrate import upgrade

    from neig_workspace import create_app

    app = create_app(
        "development",
        SQLALCHEMY_DATABASE_URI=f"sqlite:///{work / 'demo.sqlite3'}",
        BLOB_ROOT=str(work / "blobs"),
        MAIL_OUTBOX_DIR=str(work / "outbox"),
        AUDIT_CHECKPOINT_FILE=str(work / "checkpoints.log"),
        JOB_QUEUE_URL="",
        CLAMAV_SOCKET="",
        CLAMAV_HOST="",
    )
    quiet()
    with app.app_context():
        upgrade(directory=str(ROOT / "migrations"), revision="heads")
    quiet()
    return app


def quiet() -> None:
    """Warnings only: the script prints the files it writes, not a line per request."""
    for name in ("", "werkzeug", "neig_workspace", "alembic"):
        logging.getLogger(name).setLevel(logging.WARNING)


def seed(app) -> dict:
    """The demo network, a few documents in the Werkgroep Nazorg; the ids the pages need."""
    from neig_workspace.accounts import mfa
    from neig_workspace.accounts.models import User
    from neig_workspace.actions.models import ActionPlan
    from neig_workspace.cases.models import Case
    from neig_workspace.comments.models import CommentRound
    from neig_workspace.demo import load_demo_network
    from neig_workspace.documents import service as documents
    from neig_workspace.extensions import db
    from neig_workspace.organisations.models import Organisation
    from neig_workspace.spaces.models import Space
    from neig_workspace.timeutil import utcnow

    with app.test_request_context():
        load_demo_network()
        # Everyone has set up two-step verification, as they would before opening cases.
        for user in db.session.scalars(select(User)):
            user.totp_secret_encrypted = mfa.encrypt_secret(pyotp.random_base32())
            user.mfa_enabled_at = utcnow()
        db.session.commit()
        nazorg = db.session.scalar(select(Space).where(Space.name == "Werkgroep Nazorg"))
        users = {u.email: u for u in db.session.scalars(select(User))}
        folder = documents.create_folder(
            nazorg, "Verslagen", None, actor=users["beheer@rotterdam.example"]
        )
        first = None
        for name, email in DEMO_FILES:
            document = documents.upload_document(
                nazorg,
                documents.Upload(io.BytesIO(PDF + name.encode()), name),
                tags="nazorg",
                actor=users[email],
            )
            first = first or document
        db.session.commit()
        comment_round = db.session.scalar(select(CommentRound).order_by(CommentRound.id))
        return {
            "nazorg": nazorg.id,
            "folder": folder.id,
            "document": first.id,
            "draft": comment_round.document_id,
            "round": comment_round.id,
            "plan": db.session.scalar(select(ActionPlan.id).order_by(ActionPlan.id)),
            "case": db.session.scalar(select(Case.id).order_by(Case.id)),
            "rotterdam": db.session.scalar(
                select(Organisation.id).where(Organisation.name == "Gemeente Rotterdam")
            ),
        }


def session_cookie(app, email: str) -> dict:
    """A logged-in session for `email` (second step done), as the login would leave it."""
    from neig_workspace.accounts.sessions import SESSION_KEY

    token, user_id = session_after_mfa(app, email)
    serializer = app.session_interface.get_signing_serializer(app)
    value = serializer.dumps({SESSION_KEY: token, "_user_id": str(user_id), "_fresh": True})
    return {"name": app.config["SESSION_COOKIE_NAME"], "value": value}


def shoot(app, ids: dict, out: Path, names: list[str], widths: list[int]) -> list[Path]:
    from playwright.sync_api import sync_playwright

    server = make_server("127.0.0.1", 0, app, threaded=True)
    url = f"http://127.0.0.1:{server.server_port}"
    threading.Thread(target=server.serve_forever, daemon=True).start()
    written = []
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True
            )
            contexts = {}
            for name in names:
                email, template = PAGES[name]
                if email not in contexts:
                    context = browser.new_context(base_url=url, locale="nl-NL")
                    if email:
                        context.add_cookies([{**session_cookie(app, email), "url": url}])
                    contexts[email] = context.new_page()
                page = contexts[email]
                for width in widths:
                    page.set_viewport_size({"width": width, "height": WIDTHS[width]})
                    response = page.goto(template.format(**ids))
                    if response is None or response.status != 200:
                        raise SystemExit(f"{name}: {response and response.status} on {page.url}")
                    if name in OPEN_MENU:
                        if width < 1024:
                            page.get_by_role("button", name="Menu").click()
                        else:
                            page.locator("summary.user-menu__toggle").click()
                    path = out / f"{name}-{width}.png"
                    page.screenshot(path=str(path), full_page=True)
                    shrink(path)
                    written.append(path)
            browser.close()
    finally:
        server.shutdown()
    return written


def shrink(path: Path) -> None:
    """256 colours are plenty for a page of text: the file is about a third of the size."""
    from PIL import Image  # Pillow, which python-pptx brings

    with Image.open(path) as shot:
        small = shot.convert("RGB").quantize(colors=256, method=Image.Quantize.MEDIANCUT)
    small.save(path, optimize=True)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    parser.add_argument(
        "--only", default="", help="comma-separated page names: " + ", ".join(PAGES)
    )
    parser.add_argument("--width", type=int, action="append", choices=sorted(WIDTHS))
    args = parser.parse_args(argv)
    names = [n for n in args.only.split(",") if n] or list(PAGES)
    unknown = set(names) - set(PAGES)
    if unknown:
        parser.error(f"unknown pages: {', '.join(sorted(unknown))}")
    if not Path(CHROMIUM).exists():
        sys.exit(f"Chromium is not installed at {CHROMIUM} (apt-get install chromium)")
    args.out.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="neig-screenshots-") as work:
        app = build_app(Path(work))
        ids = seed(app)
        written = shoot(app, ids, args.out, names, args.width or sorted(WIDTHS, reverse=True))
    for path in written:
        print(path.relative_to(ROOT) if path.is_relative_to(ROOT) else path)
    print(f"{len(written)} screenshots in {time.monotonic() - started:.0f} s")


if __name__ == "__main__":
    main()
