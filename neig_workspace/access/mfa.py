"""The second factor: who must use one, and whether this session passed one."""

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from flask import current_app, g

from ..spaces.models import Classification

#: Labels that need a second factor in the session to open (DESIGN.md § Classification).
MFA_CLASSIFICATIONS = [c for c in Classification if c.needs_mfa]


def mfa_required(user) -> bool:
    """Must this account use MFA? Always for platform admins; for all in production."""
    if user.is_platform_admin:
        return True
    return current_app.config["MFA_REQUIRED_FOR"] == "all"


#: Set by `assuming_mfa()`.
_ASSUME_MFA: ContextVar[bool] = ContextVar("neig_assume_mfa", default=False)


@contextmanager
def assuming_mfa() -> Iterator[None]:
    """Decide as if the session had passed a second factor: for checks about someone other
    than the person at the keyboard (may this notification's recipient read the subject after
    an MFA login?). Grants, narrowing and archiving still apply; only the session's MFA state
    is assumed. Build the query inside the block: the filters read the state when built."""
    token = _ASSUME_MFA.set(True)
    try:
        yield
    finally:
        _ASSUME_MFA.reset(token)


def session_has_mfa() -> bool:
    """Did the current login pass a second factor? Spaces that require MFA ask this."""
    if _ASSUME_MFA.get():  # see assuming_mfa()
        return True
    user_session = g.get("user_session")
    return bool(user_session is not None and user_session.mfa_verified)
