"""TOTP (RFC 6238) with single-use codes, and hashed single-use recovery codes."""

import base64
import hashlib
import hmac
import secrets
import time

import pyotp
import segno
from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import current_app

STEP_SECONDS = 30
RECOVERY_CODE_COUNT = 10
_RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"


def derive_key(purpose: bytes, secret: str | None = None) -> bytes:
    """32 bytes for one purpose (the HKDF info), derived from `secret`, else MFA_ENCRYPTION_KEY
    or SECRET_KEY: each secret kept at rest and each keyed hash gets a key of its own."""
    key_material = (
        secret or current_app.config.get("MFA_ENCRYPTION_KEY") or current_app.config["SECRET_KEY"]
    )
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=purpose).derive(
        key_material.encode()
    )


def derive_fernet(purpose: bytes) -> Fernet:
    """A Fernet key for one purpose: TOTP secrets, SSO client secrets, case addresses."""
    return Fernet(base64.urlsafe_b64encode(derive_key(purpose)))


def _fernet() -> Fernet:
    return derive_fernet(b"neig-totp-secret")


def new_secret() -> str:
    return pyotp.random_base32()


def encrypt_secret(secret: str) -> str:
    return _fernet().encrypt(secret.encode()).decode()


def decrypt_secret(token: str) -> str | None:
    try:
        return _fernet().decrypt(token.encode()).decode()
    except InvalidToken:
        return None


def provisioning_uri(secret: str, email: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(
        name=email, issuer_name=current_app.config["MFA_ISSUER"]
    )


def qr_data_uri(uri: str) -> str:
    """The QR code as an SVG data URI: an <img>, so the CSP needs no inline markup."""
    return segno.make(uri, error="m").svg_data_uri(scale=5, border=2)


def format_secret(secret: str) -> str:
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def matching_step(secret: str, code: str, last_step: int | None, now: float | None = None):
    """The time step a code belongs to (±1 step of 30 s), or None; a used step never matches."""
    code = "".join(code.split())
    if not (code.isdigit() and len(code) == 6):
        return None
    totp = pyotp.TOTP(secret)
    current = int((now if now is not None else time.time()) // STEP_SECONDS)
    for step in (current - 1, current, current + 1):
        if last_step is not None and step <= last_step:
            continue
        if hmac.compare_digest(totp.at(step * STEP_SECONDS), code):
            return step
    return None


def new_recovery_codes() -> list[str]:
    """Ten codes of 16 characters (about 79 bits each), shown once in groups of four."""
    codes = []
    for _ in range(RECOVERY_CODE_COUNT):
        raw = "".join(secrets.choice(_RECOVERY_ALPHABET) for _ in range(16))
        codes.append("-".join(raw[i : i + 4] for i in range(0, 16, 4)))
    return codes


def normalise_recovery_code(code: str) -> str:
    return "".join(ch for ch in code.lower() if ch.isalnum())


def hash_recovery_code(code: str) -> str:
    # High-entropy codes: a plain sha256 resists guessing without a slow hash.
    return hashlib.sha256(normalise_recovery_code(code).encode()).hexdigest()
