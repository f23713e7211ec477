"""The policy's registry: the rule modules of access/rules/ put together in access/registry.py.
Every action has a check, every model that may be seen has its filter, a name claimed twice
fails at import, and the filters a page asks for read the database once per request."""

import ast
import pkgutil
from contextlib import nullcontext
from pathlib import Path
from types import SimpleNamespace

import pytest
from flask import g

from neig_workspace import access
from neig_workspace.access import policy, registry, rules
from neig_workspace.accounts.models import User
from neig_workspace.extensions import db
from tests.conftest import count_queries

ACCESS = Path(access.__file__).parent
TABLES = ("ACTIONS", "VIEW_ACTION", "VISIBLE", "SUBJECTS")

#: Models that may be seen (VIEW_ACTION) but have no SQL filter: none today. load_or_404 asks
#: VISIBLE[model], so a model added here would also need its own lookup.
WITHOUT_FILTER: set[type] = set()


def _fake(name: str, **tables) -> SimpleNamespace:
    return SimpleNamespace(__name__=name, **{table: tables.get(table, {}) for table in TABLES})


def test_every_rule_module_is_listed_once_and_exports_its_tables():
    found = {module.name for module in pkgutil.iter_modules(rules.__path__)}
    listed = [module.__name__.rsplit(".", 1)[1] for module in registry.RULE_MODULES]
    assert sorted(listed) == sorted(found)
    assert len(set(listed)) == len(listed)
    for module in registry.RULE_MODULES:
        for table in TABLES:
            assert isinstance(getattr(module, table), dict), (module.__name__, table)


def test_every_action_has_a_check_and_a_type_or_none():
    assert policy.ACTIONS is registry.ACTIONS
    for action, (expected_type, check) in policy.ACTIONS.items():
        assert callable(check), action
        assert expected_type is None or isinstance(expected_type, type), action


def test_every_model_that_may_be_seen_has_its_view_action_and_its_filter():
    for model, action in policy.VIEW_ACTION.items():
        assert policy.ACTIONS[action][0] is model, (model.__name__, action)
    assert set(policy.VIEW_ACTION) - WITHOUT_FILTER == set(policy.VISIBLE)
    for model, clause_for in policy.VISIBLE.items():
        assert callable(clause_for), model.__name__


def test_the_registered_notification_subjects():
    assert list(policy.NOTIFICATION_SUBJECTS)[:8] == [
        "document",
        "comment",
        "comment_round",
        "action_item",
        "case",
        "case_task",
        "article",
        "meeting",
    ]


def test_an_unknown_action_raises():
    with pytest.raises(KeyError):
        policy.can(None, "document.fly")


def test_an_action_claimed_by_two_modules_is_refused():
    def check(user, obj=None):
        return False

    one = _fake("rules.one", ACTIONS={"thing.view": (None, check)})
    two = _fake("rules.two", ACTIONS={"thing.view": (None, check), "thing.edit": (None, check)})
    with pytest.raises(ValueError, match="thing.view.*rules.one.*rules.two"):
        registry.build([one, two])
    built = registry.build([one, _fake("rules.two", ACTIONS={"thing.edit": (None, check)})])
    assert list(built.actions) == ["thing.view", "thing.edit"]


def test_a_model_or_subject_claimed_twice_is_refused():
    class Thing:
        pass

    def check(user, obj=None):
        return False

    one = _fake(
        "rules.one",
        ACTIONS={"thing.view": (Thing, check)},
        VIEW_ACTION={Thing: "thing.view"},
        VISIBLE={Thing: check},
        SUBJECTS={"thing": check},
    )
    with pytest.raises(ValueError, match="VIEW_ACTION"):
        registry.build([one, _fake("rules.two", VIEW_ACTION={Thing: "thing.view"})])
    with pytest.raises(ValueError, match="VISIBLE"):
        registry.build([one, _fake("rules.two", VISIBLE={Thing: check})])
    with pytest.raises(ValueError, match="SUBJECTS"):
        registry.build([one, _fake("rules.two", SUBJECTS={"thing": check})])


def test_an_action_without_a_check_or_a_view_action_on_another_model_is_refused():
    class Thing:
        pass

    with pytest.raises(TypeError, match="no check"):
        registry.build([_fake("rules.one", ACTIONS={"thing.view": (Thing, None)})])
    with pytest.raises(ValueError, match="not an action on it"):
        registry.build(
            [
                _fake(
                    "rules.one",
                    ACTIONS={"thing.view": (None, lambda user, obj=None: True)},
                    VIEW_ACTION={Thing: "thing.view"},
                )
            ]
        )


def test_no_module_of_access_is_over_400_lines():
    for path in ACCESS.rglob("*.py"):
        lines = len(path.read_text(encoding="utf-8").splitlines())
        assert lines <= 400, (path.relative_to(ACCESS), lines)


def _imports(path: Path) -> set[str]:
    """The modules `path` imports, relative ones resolved within neig_workspace.access."""
    package = ["neig_workspace", *path.relative_to(ACCESS.parent).parent.parts]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            base = package[: len(package) - node.level + 1] if node.level else []
            module = ".".join(base + ([node.module] if node.module else []))
            found.add(module)
            found.update(f"{module}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return found


def test_rules_and_shared_modules_never_import_the_door():
    door = {"neig_workspace.access.policy", "neig_workspace.access.registry"}
    for path in ACCESS.rglob("*.py"):
        if path.name in ("policy.py", "registry.py"):
            continue
        assert not _imports(path) & door, path.relative_to(ACCESS)


def test_the_filters_read_the_database_once_per_request(app, personas):
    """Every VISIBLE filter (what load_or_404 and the lists ask) fetches its ids once: asked
    again in the same request, no query at all. A flush forgets them."""
    with app.test_request_context():
        user = db.session.get(User, personas.member_a.id)
        g._login_user = user  # the user at the keyboard: the filters use sets of ids
        for mfa in (False, True):
            with policy.assuming_mfa() if mfa else nullcontext():
                with count_queries(app) as first:
                    for clause_for in policy.VISIBLE.values():
                        clause_for(user)
                assert first, "the first ask fetches the ids"
                with count_queries(app) as statements:
                    for clause_for in policy.VISIBLE.values():
                        clause_for(user)
                    policy.visible_spaces(user)
                    policy.visible_notifications(user)
                assert statements == [], mfa
        assert "policy_filters" in g
        user.name = user.name + " (changed)"
        db.session.flush()
        assert "policy_filters" not in g
        db.session.rollback()
