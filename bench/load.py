"""Load: simulated people working at once against the app served by gunicorn on PostgreSQL with
the production configuration. Prints p50 and p95 per page, and checks that nothing was lost.

    .venv/bin/python -m bench.load                               (50 users for 5 minutes)
    .venv/bin/python -m bench.load --users 10 --duration 60 --workers 2

Run by hand, never in the suite. It creates a database of its own on the server at --admin-url
(dropped afterwards unless --keep), migrates and seeds it (organisations, users with MFA, spaces
with documents and a draft, an action plan with items), serves it with gunicorn on 127.0.0.1 and
lets each user log in (password and TOTP) and then, with a think time between steps, open the
dashboard, the spaces, a document list and the action plan, download a document (its sha256
checked), upload one, comment on the draft and report progress on an item, now and then logging
out and in again. At the end it checks: no errors; what the users created is in the database
exactly (rows and their audit events); every stored version's blob is there and matches its
sha256; and the audit chain verifies.
"""

import argparse
import hashlib
import io
import os
import random
import secrets
import shutil
import signal
import statistics
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import pyotp
import requests
from flask_migrate import upgrade
from sqlalchemy import func, select

from bench.common import (
    ADMIN_URL,
    create_database,
    csrf_token,
    drop_database,
    free_port,
    insecure_cookies,
    production_env,
    serve,
)
from neig_workspace import create_app
from neig_workspace.access.roles import OrgRole, SpaceRole
from neig_workspace.accounts import mfa
from neig_workspace.accounts.models import User
from neig_workspace.accounts.passwords import hash_password
from neig_workspace.actions import service as actions
from neig_workspace.actions.models import ProgressUpdate
from neig_workspace.audit.models import AuditEvent
from neig_workspace.audit.service import verify_chain
from neig_workspace.comments.models import Comment
from neig_workspace.documents import drafts
from neig_workspace.documents import service as documents
from neig_workspace.documents.models import DocumentVersion, ScanStatus
from neig_workspace.documents.storage import LocalBlobStore
from neig_workspace.extensions import db
from neig_workspace.organisations.models import Membership, Organisation, OrgType
from neig_workspace.spaces import service as spaces
from neig_workspace.spaces.models import PrincipalType, SpaceKind
from neig_workspace.timeutil import utcnow
from tests.documents.doc_helpers import pdf

PASSWORD = "bench-belasting-onweer-fiets-73"  # noqa: S105 - a throw-away database's users
#: step -> weight: how often a user takes it after logging in.
STEPS = {
    "dashboard": 15,
    "spaces": 10,
    "document list": 18,
    "action plan": 12,
    "download": 15,
    "upload": 6,
    "comment": 8,
    "progress update": 8,
    "log out and in": 2,
}
UPLOAD_PREFIX, COMMENT_PREFIX, PROGRESS_PREFIX = "bench-upload", "Bench-reactie", "Bench-voortgang"


# --- seeding ----------------------------------------------------------------------------------


@dataclass
class Person:
    email: str
    totp_secret: str
    org: int  # index into World.orgs


@dataclass
class Org:
    space_id: int
    draft_id: int
    documents: dict[int, str]  # document id -> sha256 of version 1
    items: list[int]


@dataclass
class World:
    people: list[Person]
    orgs: list[Org]
    plan_id: int
    #: audit events per kind once seeded, before the load
    audited: dict[str, int]


def seed(app, users: int, orgs: int, documents_per_org: int, items_per_org: int) -> World:
    """Organisations with a space each (documents and a draft), users with MFA, and one action
    plan in a space every organisation reads, with items each organisation leads."""
    with app.app_context():
        password_hash = hash_password(PASSWORD)
        organisations = [
            Organisation(name=f"Gemeente Bench {i}", slug=f"bench-{i}", type=OrgType.MUNICIPALITY)
            for i in range(orgs)
        ]
        db.session.add_all(organisations)
        people, members = [], defaultdict(list)
        for n in range(users):
            secret = pyotp.random_base32()
            user = User(email=f"bench{n}@example.nl", name=f"Bench {n:03d}")
            user.password_hash = password_hash
            user.totp_secret_encrypted = mfa.encrypt_secret(secret)
            user.mfa_enabled_at = utcnow()
            db.session.add(user)
            db.session.add(
                Membership(user=user, organisation=organisations[n % orgs], role=OrgRole.MEMBER)
            )
            people.append(Person(user.email, secret, n % orgs))
            members[n % orgs].append(user)
        db.session.commit()
        plan = _plan(organisations)
        seeded = [
            _org_world(organisation, members[i][0], plan, documents_per_org, items_per_org)
            for i, organisation in enumerate(organisations)
        ]
        db.session.commit()
        return World(people, seeded, plan.id, audit_counts())


def _plan(organisations):
    space = spaces.create_space(SpaceKind.RESTRICTED, "Actieplan bench", actor=None)
    for organisation in organisations:
        spaces.add_grant(
            space,
            PrincipalType.ORGANISATION,
            SpaceRole.VIEWER,
            organisation=organisation,
            actor=None,
        )
    data = actions.PlanData(
        name="Actieplan bench", period_start=date(2026, 1, 1), period_end=date(2026, 12, 31)
    )
    return actions.create_plan(space, data, actor=None)


def _org_world(organisation, author, plan, documents_per_org: int, items_per_org: int) -> Org:
    space = spaces.create_organisation_space(organisation, actor=author)
    seeded = {}
    for k in range(documents_per_org):
        content = pdf(f"seed {organisation.slug} {k}")
        upload = documents.Upload(io.BytesIO(content), f"verslag-{k}.pdf", "application/pdf")
        document = documents.upload_document(space, upload, actor=author)
        seeded[document.id] = hashlib.sha256(content).hexdigest()
    draft = drafts.create_text_draft(
        space, title="Concept aanpak", text="Eerste alinea.\n\nTweede alinea.", actor=author
    )
    items = []
    for k in range(items_per_org):
        data = actions.ItemData(
            code=f"{organisation.slug.upper()}-{k:02d}",
            title=f"Maatregel {k} van {organisation.name}",
            line_id=plan.lines[k % len(plan.lines)].id,
            lead_organisation_id=organisation.id,
        )
        items.append(actions.create_item(plan, data, actor=None).id)
    db.session.flush()
    return Org(space.id, draft.id, seeded, items)


# --- the simulated users ----------------------------------------------------------------------


@dataclass
class Results:
    lock: threading.Lock = field(default_factory=threading.Lock)
    timings: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: list[str] = field(default_factory=list)
    created: Counter = field(default_factory=Counter)

    def time(self, page: str, seconds: float) -> None:
        with self.lock:
            self.timings[page].append(seconds)

    def error(self, text: str) -> None:
        with self.lock:
            self.errors.append(text)

    def count(self, kind: str) -> None:
        with self.lock:
            self.created[kind] += 1


class SimulatedUser(threading.Thread):
    def __init__(self, number: int, base: str, world: World, results: Results, args):
        super().__init__(daemon=True, name=f"user-{number}")
        self.number, self.base, self.world, self.results, self.args = (
            number,
            base,
            world,
            results,
            args,
        )
        self.person = world.people[number]
        self.org = world.orgs[self.person.org]
        self.random = random.Random(number)  # noqa: S311 - a load mix, not a secret
        self.http = requests.Session()
        self.token = ""
        self.last_step = 0  # the TOTP time step last used: a code counts once
        self.uploads = 0

    def run(self) -> None:
        time.sleep(self.random.uniform(0, self.args.ramp))
        try:
            self.log_in()
            while time.monotonic() < self.args.deadline:
                time.sleep(self.random.uniform(0, 2 * self.args.think))
                step = self.random.choices(list(STEPS), weights=list(STEPS.values()))[0]
                getattr(self, "step_" + step.replace(" ", "_"))()
        except Exception as error:  # noqa: BLE001 - reported as an error of the run
            self.results.error(f"{self.name}: {type(error).__name__}: {error}")

    # requests, timed, with the answer they must give

    def _request(self, page: str, method: str, path: str, expect: int, **kwargs):
        started = time.perf_counter()
        response = self.http.request(
            method, self.base + path, allow_redirects=False, timeout=60, **kwargs
        )
        self.results.time(page, time.perf_counter() - started)
        insecure_cookies(self.http)
        if response.status_code != expect:
            self.results.error(f"{page}: {method} {path} -> {response.status_code}, not {expect}")
            return None
        if "text/html" in response.headers.get("Content-Type", ""):
            self.token = csrf_token(response.text, self.token)
        return response

    def _post(self, page: str, path: str, data: dict, **kwargs):
        return self._request(
            page, "POST", path, 302, data={"csrf_token": self.token, **data}, **kwargs
        )

    def log_in(self) -> None:
        self._request("login: form", "GET", "/inloggen", 200)
        credentials = {"email": self.person.email, "password": PASSWORD}
        if self._post("login: password", "/inloggen", credentials) is None:
            return
        self._request("login: code form", "GET", "/inloggen/verificatie", 200)
        step = int(time.time() // 30)
        while step <= self.last_step:  # the last code was of this step: wait for the next one
            time.sleep(1)
            step = int(time.time() // 30)
        self.last_step = step
        code = pyotp.TOTP(self.person.totp_secret).at(step * 30)
        if self._post("login: code", "/inloggen/verificatie", {"code": code}) is not None:
            self.results.count("login")
        self._request("dashboard", "GET", "/", 200)  # the new session's form token

    def step_dashboard(self) -> None:
        self._request("dashboard", "GET", "/", 200)

    def step_spaces(self) -> None:
        self._request("spaces", "GET", "/werkruimtes", 200)

    def step_document_list(self) -> None:
        self._request("document list", "GET", f"/werkruimtes/{self.org.space_id}/documenten", 200)

    def step_action_plan(self) -> None:
        self._request("action plan", "GET", f"/actieplannen/{self.world.plan_id}", 200)

    def step_download(self) -> None:
        document_id, sha256 = self.random.choice(list(self.org.documents.items()))
        path = f"/documenten/{document_id}/versies/1/download"
        response = self._request("download", "GET", path, 200)
        if response is not None and hashlib.sha256(response.content).hexdigest() != sha256:
            self.results.error(f"download: {path} does not match its sha256")

    def step_upload(self) -> None:
        self.uploads += 1
        name = f"{UPLOAD_PREFIX}-{self.number}-{self.uploads}.pdf"
        files = {"files": (name, pdf(f"{name} {secrets.token_hex(4)}"), "application/pdf")}
        data = {"folder": "0", "classification": "intern"}
        path = f"/werkruimtes/{self.org.space_id}/documenten/uploaden"
        if self._post("upload", path, data, files=files) is not None:
            self.results.count("upload")

    def step_comment(self) -> None:
        body = f"{COMMENT_PREFIX} van gebruiker {self.number}: graag toelichten."
        data = {"body": body, "paragraph": "0", "location": ""}
        if self._post("comment", f"/documenten/{self.org.draft_id}/reacties", data) is not None:
            self.results.count("comment")

    def step_progress_update(self) -> None:
        item = self.random.choice(self.org.items)
        status = self.random.choice(["op_schema", "risico", "vertraagd"])
        data = {"note": f"{PROGRESS_PREFIX} van gebruiker {self.number}.", "status": status}
        if self._post("progress update", f"/actiepunten/{item}/voortgang", data) is not None:
            self.results.count("progress")

    def step_log_out_and_in(self) -> None:
        if int(time.time() // 30) <= self.last_step:
            return self.step_dashboard()  # no fresh TOTP step yet: a person would wait too
        self._post("logout", "/uitloggen", {})
        self.log_in()


# --- serving, checking, reporting -------------------------------------------------------------


def check(app, world: World, results: Results) -> list[str]:
    """What the users were told was saved is in the database, exactly; blobs and audit intact."""
    problems = []
    created = results.created
    with app.app_context():
        found = {
            "upload": _count(DocumentVersion.filename.like(f"{UPLOAD_PREFIX}-%"), DocumentVersion),
            "comment": _count(Comment.body.like(f"{COMMENT_PREFIX} %"), Comment),
            "progress": _count(ProgressUpdate.note.like(f"{PROGRESS_PREFIX} %"), ProgressUpdate),
        }
        audited = Counter(audit_counts()) - Counter(world.audited)
        for kind, count in found.items():
            if count != created[kind]:
                problems.append(f"{kind}: {created[kind]} confirmed, {count} rows in the database")
        for kind in AUDITED:
            if audited[kind] != created[kind]:
                problems.append(f"{kind}: {created[kind]} confirmed, {audited[kind]} audit events")
        problems += _check_blobs(app)
        report = verify_chain()
        if not report.ok:
            problems.append(f"audit chain broken at {report.broken_at}: {report.reason}")
        print(f"\nCreated (confirmed = rows = audit events): {dict(created)}")
        print(f"Audit chain: {report.checked} events, {'intact' if report.ok else 'BROKEN'}")
    return problems


def _count(clause, model) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(clause))


#: what the users create -> the audit event each one writes
AUDITED = {
    "upload": ("document.uploaded", "success"),
    "comment": ("comment.created", "success"),
    "progress": ("action_item.progress_reported", "success"),
    "login": ("auth.login", "success"),
}


def audit_counts() -> dict[str, int]:
    """Audit events per kind of thing the users create (taken before and after the load)."""
    return {
        kind: _count((AuditEvent.action == action) & (AuditEvent.result == result), AuditEvent)
        for kind, (action, result) in AUDITED.items()
    }


def _check_blobs(app) -> list[str]:
    """Every stored version's blob exists and its content matches its sha256."""
    store = LocalBlobStore(app.config["BLOB_ROOT"])
    hashes = db.session.scalars(
        select(DocumentVersion.sha256)
        .where(DocumentVersion.scan_status != ScanStatus.INFECTED)
        .distinct()
    ).all()
    problems = []
    for sha256 in hashes:
        path = store.path(sha256)
        if not path.is_file():
            problems.append(f"blob {sha256} missing")
        elif hashlib.sha256(path.read_bytes()).hexdigest() != sha256:
            problems.append(f"blob {sha256} does not match its sha256")
    print(f"Blobs: {len(hashes)} checked")
    return problems


def report(results: Results, seconds: float) -> None:
    total = sum(len(t) for t in results.timings.values())
    print(f"\n{'page':<20} {'requests':>8} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8}")
    for page, timings in sorted(results.timings.items()):
        timings = sorted(timings)
        p95 = timings[min(len(timings) - 1, int(0.95 * len(timings)))]
        print(
            f"{page:<20} {len(timings):>8} {statistics.median(timings) * 1000:>8.0f}"
            f" {p95 * 1000:>8.0f} {timings[-1] * 1000:>8.0f}"
        )
    print(
        f"\n{total} requests in {seconds:.0f} s ({total / seconds:.1f}/s), {len(results.errors)} errors"
    )
    for error in results.errors[:20]:
        print(f"  ERROR {error}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--duration", type=float, default=300, help="seconds of load")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn sync workers")
    parser.add_argument("--think", type=float, default=1.0, help="mean seconds between steps")
    parser.add_argument("--ramp", type=float, default=20, help="seconds over which users start")
    parser.add_argument("--orgs", type=int, default=5)
    parser.add_argument("--admin-url", default=ADMIN_URL)
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/11", help="'' for none")
    parser.add_argument("--keep", action="store_true", help="keep the database and files")
    args = parser.parse_args()

    name, url = create_database(args.admin_url)
    work = Path(tempfile.mkdtemp(prefix="neig-load-"))
    settings = {
        "SQLALCHEMY_DATABASE_URI": url,
        "SECRET_KEY": secrets.token_urlsafe(48),
        "BLOB_ROOT": str(work / "blobs"),
        "MAIL_OUTBOX_DIR": str(work / "outbox"),
    }
    env = production_env(
        os.environ,
        url,
        settings["SECRET_KEY"],
        work,
        **({"REDIS_URL": args.redis} if args.redis else {}),
    )
    if args.redis:
        import redis

        redis.Redis.from_url(args.redis).flushdb()
    # Production refuses to start without EXTERNAL_URL: the same one gunicorn gets.
    app = create_app("production", EXTERNAL_URL=env["EXTERNAL_URL"], **settings)
    clean = False
    try:
        with app.app_context():
            upgrade()
        orgs = max(1, min(args.orgs, args.users))  # every organisation has a member
        world = seed(app, args.users, orgs, documents_per_org=20, items_per_org=8)
        print(f"Seeded {args.users} users in {orgs} organisations; database {name}, {work}")
        port = free_port()
        log = work / "gunicorn.log"
        server = serve(env, port, args.workers, log)
        results = Results()
        started = time.monotonic()
        args.deadline = started + args.ramp + args.duration
        users = [
            SimulatedUser(n, f"http://127.0.0.1:{port}", world, results, args)
            for n in range(args.users)
        ]
        for user in users:
            user.start()
        for user in users:
            user.join()
        seconds = time.monotonic() - started
        server.send_signal(signal.SIGTERM)
        server.wait(30)
        report(results, seconds)
        problems = check(app, world, results)
        timeouts = log.read_text().count("WORKER TIMEOUT")
        if timeouts:
            problems.append(f"{timeouts} gunicorn worker timeout(s), see {log}")
        for problem in problems:
            print(f"PROBLEM {problem}")
        clean = not problems and not results.errors
        print("\nOK: no errors, nothing lost." if clean else "\nFAILED")
    finally:
        with app.app_context():
            db.engine.dispose()
        if not args.keep:
            drop_database(args.admin_url, name)
            shutil.rmtree(work, ignore_errors=True)
    sys.exit(0 if clean else 1)


if __name__ == "__main__":
    main()
