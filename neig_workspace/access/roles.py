"""Roles, as ordered enums: a higher role includes every lower one."""

import enum


class OrgRole(enum.StrEnum):
    """A user's role in an organisation (on the membership)."""

    MEMBER = "member"
    ORG_ADMIN = "org_admin"


class SpaceRole(enum.IntEnum):
    """A principal's role in a space (werkruimte); each includes the ones before it."""

    VIEWER = 10
    CONTRIBUTOR = 20
    EDITOR = 30
    MANAGER = 40
