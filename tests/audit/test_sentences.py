"""Every action the code records has a label (the audit log), and every action that can reach
a space's activity feed a sentence, in Dutch and in English: no page shows an action's code."""

import ast
import functools
import re
from pathlib import Path

import pytest
from flask_babel import force_locale

from neig_workspace.access.registry import ACTIONS
from neig_workspace.audit import sentences

SOURCE = Path(__file__).resolve().parents[2] / "neig_workspace"
NAME = re.compile(r"^[a-z_]+\.[a-z_]+$")
#: Dotted strings in those families that are no audit action (rate-limit keys, CLI names).
NOT_EVENTS = {
    "audit.checkpoint",
    "case.participant_add",
    "case.user_add",
    "grant.create",
    "invitation.accept",
    "invitation.create",
    "membership.create",
    "sso.callback",
    "sso.provision",
    "user.promote",
}
#: Built at run time: f"action_item.{name}".
BUILT = {"action_item.milestone_done", "action_item.milestone_reopened"}
pytestmark = pytest.mark.one_database("reads the source and the translation tables")


@functools.cache
def _scan() -> tuple[frozenset, frozenset]:
    """One walk over the source: every dotted string, and the families of the actions recorded
    with a space_id (those reach a space's feed)."""
    strings, families = set(), set()
    for path in SOURCE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                if NAME.match(node.value):
                    strings.add(node.value)
            elif (
                isinstance(node, ast.Call)
                and getattr(node.func, "attr", getattr(node.func, "id", "")) == "record"
                and node.args
                and any(k.arg == "space_id" for k in node.keywords)
            ):
                families |= {
                    c.value.split(".")[0]
                    for c in ast.walk(node.args[0])
                    if isinstance(c, ast.Constant) and isinstance(c.value, str)
                }
    return frozenset(strings), frozenset(families)


def recorded_actions() -> set[str]:
    """Every dotted string in an audit family that is not a policy action: the recorded ones,
    whether passed to audit.record directly, through a variable or a conditional."""
    families = {action.split(".")[0] for action in sentences.LABELS}
    found = _scan()[0]
    return {a for a in found if a.split(".")[0] in families} - set(ACTIONS) - NOT_EVENTS | BUILT


def space_families() -> set[str]:
    return set(_scan()[1])


def test_every_recorded_action_has_a_label():
    missing = recorded_actions() - set(sentences.LABELS)
    assert not missing, sorted(missing)
    assert len(recorded_actions()) > 140  # the scan finds them at all


def test_every_action_that_can_reach_a_feed_has_a_sentence():
    families = space_families()
    assert {"document", "folder", "comment", "action_item", "meeting", "grant"} <= families
    feed_actions = {a for a in recorded_actions() if a.split(".")[0] in families}
    missing = feed_actions - set(sentences.SENTENCES)
    assert not missing, sorted(missing)


def test_sentences_name_only_who_and_what():
    for action, template in sentences.SENTENCES.items():
        assert set(re.findall(r"%\((\w+)\)s", template._args[0])) <= {"actor", "target"}, action


def test_a_sentence_in_dutch_and_in_english(app):
    with app.test_request_context():
        with force_locale("nl"):
            line = sentences.sentence(
                "document.uploaded", actor="Thijs Bakker", target="‘Verslag overleg’"
            )
            assert line == "Thijs Bakker heeft ‘Verslag overleg’ geüpload"
            assert sentences.sentence("x.unknown", actor=None, target=None) == (
                "Het systeem heeft iets gewijzigd"
            )
            assert sentences.label("document.uploaded") == "Document geüpload"
        with force_locale("en"):
            line = sentences.sentence(
                "document.uploaded", actor="Thijs Bakker", target="‘Verslag overleg’"
            )
            assert line == "Thijs Bakker uploaded ‘Verslag overleg’"
