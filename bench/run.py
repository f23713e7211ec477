"""Benchmark the admin list pages at two data sizes; prints timings and query counts.

    make bench            (or: .venv/bin/python -m bench.run --sizes 50 5000)

Run by hand: speed is measured here, never in timed tests.
"""

import argparse
import statistics
import tempfile
import time

from sqlalchemy import event, insert

from neig_workspace import create_app
from neig_workspace.access.roles import OrgRole
from neig_workspace.accounts.models import User
from neig_workspace.audit import service as audit
from neig_workspace.extensions import db
from neig_workspace.organisations.models import Membership, Organisation, OrgType
from tests.helpers import login_as
from tests.personas import create_personas

PAGES = ["/beheer/gebruikers", "/beheer/organisaties", "/beheer/audit", "/organisaties/{org}"]


def _grow(size: int) -> None:
    orgs = [
        {"name": f"Bench org {i}", "slug": f"bench-{i}", "type": OrgType.MUNICIPALITY}
        for i in range(size // 10)
    ]
    db.session.execute(insert(Organisation), orgs)
    users = [{"email": f"bench{i}@example.nl", "name": f"Bench {i:05d}"} for i in range(size)]
    db.session.execute(insert(User), users)
    db.session.flush()
    first_org = db.session.query(Organisation.id).filter_by(slug="gemeente_a").scalar()
    user_ids = [u for (u,) in db.session.query(User.id).filter(User.email.like("bench%"))]
    db.session.execute(
        insert(Membership),
        [{"user_id": u, "organisation_id": first_org, "role": OrgRole.MEMBER} for u in user_ids],
    )
    for i in range(size):
        audit.record("bench.event", details={"i": i})
    db.session.commit()


def measure(size: int, repeats: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        app = create_app(
            "testing", SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp}/bench.sqlite3", MAIL_OUTBOX_DIR=tmp
        )
        with app.app_context():
            from flask_migrate import upgrade

            upgrade()
            personas = create_personas()
            _grow(size)
            engine = db.engine
        client = app.test_client()
        login_as(app, client, personas.platform_admin)
        statements = []
        event.listen(engine, "before_cursor_execute", lambda *a: statements.append(1))
        for page in PAGES:
            url = page.format(org=personas.orgs["gemeente_a"])
            timings = []
            for _ in range(repeats):
                statements.clear()
                start = time.perf_counter()
                assert client.get(url).status_code == 200
                timings.append((time.perf_counter() - start) * 1000)
            print(
                f"{size:>6} rows  {url:<28} median {statistics.median(timings):7.1f} ms  {len(statements):>3} queries"
            )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=int, nargs="+", default=[50, 5000])
    parser.add_argument("--repeats", type=int, default=20)
    args = parser.parse_args()
    for size in args.sizes:
        measure(size, args.repeats)


if __name__ == "__main__":
    main()
