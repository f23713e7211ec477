"""Every rule module, listed once, and the tables `policy` reads built from them: ACTIONS
(action -> (object type or None, check)), VIEW_ACTION (model -> the action that decides
whether an object may be seen at all), VISIBLE (model -> its visible_* clause builder) and the
notification subjects. A name or model that two modules both claim fails at import."""

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from types import ModuleType

from .rules import (
    actions,
    applications,
    audit,
    cases,
    comments,
    directory,
    documents,
    jobs,
    knowledge,
    meetings,
    notifications,
    organisations,
    privacy,
    reviews,
    spaces,
    users,
)

#: The rule modules, in the order their actions are listed (and notification subjects asked).
RULE_MODULES: tuple[ModuleType, ...] = (
    organisations,
    users,
    audit,
    spaces,
    documents,
    comments,
    notifications,
    actions,
    cases,
    applications,
    knowledge,
    meetings,
    directory,
    jobs,
    reviews,
    privacy,
)


@dataclass(frozen=True)
class Registry:
    actions: dict[str, tuple[type | None, Callable]]
    view_action: dict[type, str]
    visible: dict[type, Callable]
    subjects: dict[str, Callable]


def _merge(modules: Iterable[ModuleType], table: str) -> dict:
    merged: dict = {}
    owner: dict = {}
    for module in modules:
        for key, value in getattr(module, table).items():
            if key in merged:
                name = getattr(key, "__name__", key)
                raise ValueError(
                    f"{table} {name!r} is defined in both {owner[key]} and {module.__name__}"
                )
            merged[key] = value
            owner[key] = module.__name__
    return merged


def build(modules: Iterable[ModuleType]) -> Registry:
    """Put the modules' tables together; a duplicate action, model or subject raises."""
    modules = tuple(modules)
    registry = Registry(
        actions=_merge(modules, "ACTIONS"),
        view_action=_merge(modules, "VIEW_ACTION"),
        visible=_merge(modules, "VISIBLE"),
        subjects=_merge(modules, "SUBJECTS"),
    )
    for action, (_expected_type, check) in registry.actions.items():
        if not callable(check):
            raise TypeError(f"action {action!r} has no check")
    for model, action in registry.view_action.items():
        if registry.actions.get(action, (None,))[0] is not model:
            raise ValueError(f"VIEW_ACTION {model.__name__}: {action!r} is not an action on it")
    return registry


_REGISTRY = build(RULE_MODULES)

ACTIONS = _REGISTRY.actions
VIEW_ACTION = _REGISTRY.view_action
VISIBLE = _REGISTRY.visible


def _register_subjects(subjects: dict[str, Callable]) -> None:
    for subject_type, readable_ids in subjects.items():
        notifications.register_notification_subject(subject_type, readable_ids)


_register_subjects(_REGISTRY.subjects)
