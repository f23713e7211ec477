"""Password hashing (argon2id) and the strength rule (length and zxcvbn score)."""

from functools import lru_cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app
from flask_babel import lazy_gettext as _l
from zxcvbn import zxcvbn

MAX_LENGTH = 256
#: Words a password must not lean on, besides the user's own name and e-mail.
CONTEXT_WORDS = ["neig", "werkruimte", "explosies", "vng", "offensief", "wachtwoord"]


@lru_cache(maxsize=4)
def _hasher(time_cost: int, memory_cost: int, parallelism: int) -> PasswordHasher:
    return PasswordHasher(time_cost=time_cost, memory_cost=memory_cost, parallelism=parallelism)


def hasher() -> PasswordHasher:
    cfg = current_app.config
    return _hasher(cfg["ARGON2_TIME_COST"], cfg["ARGON2_MEMORY_COST"], cfg["ARGON2_PARALLELISM"])


def hash_password(password: str) -> str:
    return hasher().hash(password)


@lru_cache(maxsize=4)
def _dummy_hash(time_cost: int, memory_cost: int, parallelism: int) -> str:
    return _hasher(time_cost, memory_cost, parallelism).hash("not-a-real-password-for-timing")


def verify_password(password_hash: str | None, password: str) -> bool:
    """Check a password; with no hash, spend the same time so timing tells nothing."""
    h = hasher()
    if not password_hash:
        cfg = current_app.config
        dummy = _dummy_hash(
            cfg["ARGON2_TIME_COST"], cfg["ARGON2_MEMORY_COST"], cfg["ARGON2_PARALLELISM"]
        )
        try:
            h.verify(dummy, password + "x")
        except (VerificationError, InvalidHashError):
            pass
        return False
    try:
        return h.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return hasher().check_needs_rehash(password_hash)


def password_problem(password: str, *, email: str = "", name: str = "") -> str | None:
    """Why this password is refused, in the user's language; None when it is good enough."""
    if len(password) < current_app.config["PASSWORD_MIN_LENGTH"]:
        return str(
            _l(
                "Kies een wachtwoord van minstens %(n)d tekens.",
                n=current_app.config["PASSWORD_MIN_LENGTH"],
            )
        )
    if len(password) > MAX_LENGTH:
        return str(_l("Kies een wachtwoord van hoogstens %(n)d tekens.", n=MAX_LENGTH))
    inputs = [*CONTEXT_WORDS, email, *email.split("@"), *name.split()]
    result = zxcvbn(password[:100], user_inputs=[w for w in inputs if w])
    if result["score"] < current_app.config["PASSWORD_MIN_SCORE"]:
        return str(
            _l(
                "Dit wachtwoord is te makkelijk te raden. Gebruik bijvoorbeeld vier of meer "
                "losse woorden die niet bij elkaar horen."
            )
        )
    return None
