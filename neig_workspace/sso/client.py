"""The OpenID Connect relying party: discovery, the authorization request (code flow with PKCE
S256, state and nonce), the token request and the ID token's checks.

Built on Authlib (`OAuth2Session` for the protocol, `CodeIDToken` for the claims) and joserfc
(signature). Knows nothing of users or the database: service.py decides who signs in.
"""

import ipaddress
import threading
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

import requests
from authlib.common.security import generate_token
from authlib.integrations.base_client.errors import OAuthError
from authlib.integrations.requests_client import OAuth2Session
from authlib.oidc.core import CodeIDToken
from flask import current_app
from joserfc import jwt
from joserfc.errors import (
    ClaimError,
    ExpiredTokenError,
    InvalidKeyIdError,
    JoseError,
)
from joserfc.jwk import KeySet

SCOPE = "openid email profile"
#: Seconds for each request to a provider; a provider that is down must not hold a page long.
HTTP_TIMEOUT = 5
#: Discovery metadata and keys are kept this long (a key the cache lacks refetches the keys).
METADATA_TTL = 600
#: Clock skew allowed on `exp` (and `iat`/`nbf`) of an ID token.
LEEWAY_SECONDS = 60
#: Signature algorithms we accept: asymmetric only (no "none", no HMAC with a public key).
ALLOWED_ALGORITHMS = (
    "RS256",
    "RS384",
    "RS512",
    "PS256",
    "PS384",
    "PS512",
    "ES256",
    "ES384",
    "ES512",
    "EdDSA",
)
#: `amr` values (RFC 8176) that show a second factor or a phishing-resistant key was used.
MFA_AMR_VALUES = frozenset(
    {"mfa", "otp", "hwk", "swk", "sc", "sms", "tel", "fpt", "face", "iris", "retina", "vbm"}
)


class ProviderUnavailable(Exception):
    """The provider did not answer (in time), or answered with an error page."""


class SsoProtocolError(Exception):
    """The provider's answer fails a check; `reason` is a short code for the audit log."""

    def __init__(self, reason: str, detail: str = ""):
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.detail = detail


@dataclass(frozen=True)
class ProviderConfig:
    """What the client needs of an IdentityProvider row (the secret decrypted)."""

    issuer: str
    client_id: str
    client_secret: str


@dataclass(frozen=True)
class AuthorizationRequest:
    url: str
    state: str
    nonce: str
    code_verifier: str


# --- issuer URLs ---------------------------------------------------------------------------


def _is_loopback(host: str | None) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host or "").is_loopback
    except ValueError:
        return False


def issuer_problem(issuer: str, *, testing: bool) -> str | None:
    """Why `issuer` cannot be a provider's issuer, or None. HTTPS only; plain HTTP only to a
    loopback address and only while testing (the tests' own provider), never in production."""
    try:
        parts = urlsplit(issuer)
    except ValueError:
        return "invalid"
    if not parts.hostname or parts.query or parts.fragment or parts.username or parts.password:
        return "invalid"
    if parts.scheme == "https":
        return None
    if parts.scheme == "http" and testing and _is_loopback(parts.hostname):
        return None
    return "insecure"


def _check_url(url: str | None, issuer: str) -> str:
    """An endpoint from the metadata must be as secure as the issuer is allowed to be."""
    if not url or issuer_problem(url, testing=current_app.testing) is not None:
        raise SsoProtocolError("metadata", f"unusable endpoint {url!r}")
    return url


# --- discovery and keys --------------------------------------------------------------------

_cache: dict[str, tuple[float, dict, dict | None]] = {}
_cache_lock = threading.Lock()


def _get_json(url: str) -> dict:
    try:
        response = requests.get(url, timeout=HTTP_TIMEOUT, allow_redirects=False)
    except requests.RequestException as error:
        raise ProviderUnavailable(f"{url}: {error.__class__.__name__}") from error
    if response.status_code != 200:
        raise ProviderUnavailable(f"{url}: HTTP {response.status_code}")
    try:
        data = response.json()
    except ValueError as error:
        raise ProviderUnavailable(f"{url}: not JSON") from error
    if not isinstance(data, dict):
        raise ProviderUnavailable(f"{url}: not a JSON object")
    return data


def metadata(issuer: str) -> dict:
    """The provider's discovery document; its `issuer` must be exactly the configured one."""
    now = time.monotonic()
    with _cache_lock:
        cached = _cache.get(issuer)
    if cached and now - cached[0] < METADATA_TTL:
        return cached[1]
    data = _get_json(issuer.rstrip("/") + "/.well-known/openid-configuration")
    if data.get("issuer") != issuer:
        # OpenID Connect Discovery 1.0 § 4.3: otherwise another provider could pose as this one.
        raise SsoProtocolError("issuer_mismatch", f"metadata names {data.get('issuer')!r}")
    for key in ("authorization_endpoint", "token_endpoint", "jwks_uri"):
        _check_url(data.get(key), issuer)
    with _cache_lock:
        _cache[issuer] = (now, data, None)
    return data


def _jwks(issuer: str, *, refresh: bool = False) -> KeySet:
    meta = metadata(issuer)
    with _cache_lock:
        cached = _cache.get(issuer)
    keys = cached[2] if cached and not refresh else None
    if keys is None:
        keys = _get_json(meta["jwks_uri"])
        with _cache_lock:
            if issuer in _cache:
                _cache[issuer] = (_cache[issuer][0], _cache[issuer][1], keys)
    try:
        return KeySet.import_key_set(keys)
    except (JoseError, ValueError, KeyError, TypeError) as error:
        raise SsoProtocolError("jwks", str(error)) from error


def forget(issuer: str) -> None:
    """Drop what is cached of a provider (its settings changed)."""
    with _cache_lock:
        _cache.pop(issuer, None)


# --- the flow ------------------------------------------------------------------------------


def _session(config: ProviderConfig, redirect_uri: str) -> OAuth2Session:
    return OAuth2Session(
        client_id=config.client_id,
        client_secret=config.client_secret,
        scope=SCOPE,
        redirect_uri=redirect_uri,
        code_challenge_method="S256",
    )


def authorization_request(
    config: ProviderConfig, *, redirect_uri: str, login_hint: str
) -> AuthorizationRequest:
    """Where to send the browser: a fresh state, nonce and PKCE verifier for each sign-in."""
    meta = metadata(config.issuer)
    if "S256" not in meta.get("code_challenge_methods_supported", ["S256"]):
        raise SsoProtocolError("metadata", "provider does not offer PKCE with S256")
    state, nonce, verifier = generate_token(40), generate_token(32), generate_token(64)
    with _session(config, redirect_uri) as session:
        url, _ = session.create_authorization_url(
            meta["authorization_endpoint"],
            state=state,
            code_verifier=verifier,
            nonce=nonce,
            login_hint=login_hint,
        )
    return AuthorizationRequest(url=url, state=state, nonce=nonce, code_verifier=verifier)


def check_response_issuer(config: ProviderConfig, iss: str | None) -> None:
    """RFC 9207: the `iss` of the authorization response must be our provider (mix-up defence)."""
    meta = metadata(config.issuer)
    if iss is None:
        if meta.get("authorization_response_iss_parameter_supported"):
            raise SsoProtocolError("issuer_mismatch", "authorization response without iss")
        return
    if iss != config.issuer:
        raise SsoProtocolError("issuer_mismatch", f"authorization response from {iss!r}")


def exchange_code(
    config: ProviderConfig, *, code: str, code_verifier: str, redirect_uri: str
) -> dict:
    """The token request (authenticated with the client secret, with the PKCE verifier)."""
    meta = metadata(config.issuer)
    try:
        with _session(config, redirect_uri) as session:
            token = session.fetch_token(
                meta["token_endpoint"],
                grant_type="authorization_code",
                code=code,
                code_verifier=code_verifier,
                timeout=HTTP_TIMEOUT,
            )
    except OAuthError as error:
        # invalid_grant: a used, expired or stolen code, or a verifier that does not match it.
        raise SsoProtocolError("token_refused", error.error or "") from error
    except requests.RequestException as error:
        raise ProviderUnavailable(f"token endpoint: {error.__class__.__name__}") from error
    except ValueError as error:
        raise ProviderUnavailable(f"token endpoint: {error}") from error
    if not token.get("id_token"):
        raise SsoProtocolError("token_refused", "no id_token in the token response")
    return dict(token)


def validate_id_token(
    config: ProviderConfig,
    id_token: str,
    *,
    nonce: str,
    access_token: str | None = None,
    now: int | None = None,
) -> dict:
    """Check the ID token's signature (the provider's published keys), issuer, audience,
    expiry and nonce (OpenID Connect Core § 3.1.3.7); return its claims."""
    meta = metadata(config.issuer)
    offered = meta.get("id_token_signing_alg_values_supported") or ["RS256"]
    algorithms = [alg for alg in offered if alg in ALLOWED_ALGORITHMS]
    try:
        try:
            token = jwt.decode(id_token, _jwks(config.issuer), algorithms=algorithms)
        except InvalidKeyIdError:
            # The provider may have rotated its keys since we cached them.
            token = jwt.decode(id_token, _jwks(config.issuer, refresh=True), algorithms=algorithms)
    except JoseError as error:
        raise SsoProtocolError("signature", error.__class__.__name__) from error
    options = {
        "iss": {"essential": True, "value": config.issuer},
        "aud": {"essential": True, "value": config.client_id},
        "exp": {"essential": True},
        "nonce": {"essential": True, "value": nonce},
    }
    params = {"nonce": nonce, "client_id": config.client_id, "access_token": access_token}
    claims = CodeIDToken(token.claims, token.header, options, params)
    try:
        claims.validate(now=now if now is not None else int(time.time()), leeway=LEEWAY_SECONDS)
    except ExpiredTokenError as error:
        raise SsoProtocolError("expired", "exp") from error
    except ClaimError as error:
        reason = {"iss": "issuer", "aud": "audience", "nonce": "nonce", "azp": "audience"}
        raise SsoProtocolError(reason.get(error.claim, "claims"), error.claim) from error
    except JoseError as error:
        raise SsoProtocolError("claims", error.__class__.__name__) from error
    return dict(claims)


def asserts_mfa(claims: dict, acr_values: set[str]) -> bool:
    """Did the provider check a second factor? By `amr` (RFC 8176) or a configured `acr`."""
    amr = claims.get("amr")
    if isinstance(amr, list) and MFA_AMR_VALUES.intersection(a for a in amr if isinstance(a, str)):
        return True
    acr = claims.get("acr")
    return isinstance(acr, str) and acr in acr_values
