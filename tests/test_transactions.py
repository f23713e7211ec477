"""The test harness itself (tests/transactions.py): a test's writes are rolled back, a test that
commits is cleaned up after, and what the migrations seeded survives both."""

import pytest
from sqlalchemy import func, select, text

from neig_workspace.cases.legal_bases import DEFAULT_LEGAL_BASES
from neig_workspace.cases.models import LegalBasis
from neig_workspace.extensions import db
from neig_workspace.organisations.models import Organisation, OrgType
from tests.conftest import db_ctx

SEEDED_NAMES = sorted(name for name, *_ in DEFAULT_LEGAL_BASES)


def _organisations(app) -> int:
    with db_ctx(app) as session:
        return session.scalar(select(func.count(Organisation.id)))


def _legal_bases(app) -> list[str]:
    with db_ctx(app) as session:
        return sorted(session.scalars(select(LegalBasis.name)))


def _add_organisation(app, name: str) -> None:
    with db_ctx(app) as session:
        session.add(Organisation(name=name, slug=name.lower(), type=OrgType.MUNICIPALITY))
        session.commit()  # a view's commit: it releases the session's savepoint only


def _committed_outside(test_db, name: str) -> bool:
    """Seen from a connection of its own, outside the test's transaction."""
    with test_db.engine.connect() as connection:
        query = text("SELECT count(*) FROM organisations WHERE name = :name")
        return connection.execute(query, {"name": name}).scalar() == 1


def test_a_write_stays_inside_the_test(app, test_db):
    _add_organisation(app, "Gemeente Binnen")
    assert _organisations(app) == 1
    assert not _committed_outside(test_db, "Gemeente Binnen")


def test_the_next_test_starts_without_it(app):
    assert _organisations(app) == 0


@pytest.mark.commits("proves that a committing test really commits and is cleaned up after")
def test_a_test_marked_commits_really_commits(app, test_db):
    _add_organisation(app, "Gemeente Buiten")
    assert _committed_outside(test_db, "Gemeente Buiten")


def test_the_test_after_a_committing_one_starts_empty_with_the_seeded_rows(app):
    assert _organisations(app) == 0
    assert _legal_bases(app) == SEEDED_NAMES


def test_the_migrations_seeded_the_legal_bases(app):
    assert SEEDED_NAMES and _legal_bases(app) == SEEDED_NAMES


def test_the_cleanup_after_a_committing_test_keeps_the_seeded_legal_bases(app, test_db):
    """The old cleanup deleted every row of every table, the legal bases of migration 0009
    included, so only the first test of a run saw them."""
    _add_organisation(app, "Gemeente Opgeruimd")
    with db_ctx(app) as session:
        session.add(LegalBasis(name="Eigen grondslag"))
        session.commit()

    test_db.clean_committed()  # here inside the test's transaction, rolled back afterwards

    assert _organisations(app) == 0
    assert _legal_bases(app) == SEEDED_NAMES


def test_a_planted_level_nests(app, test_db):
    with test_db.rolled_back():
        _add_organisation(app, "Gemeente Genest")
        assert _organisations(app) == 1
    assert _organisations(app) == 0
    with db_ctx(app):
        assert db.session.connection().in_transaction()
