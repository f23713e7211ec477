"""The ID token's checks, on real tokens from the test provider: signature, audience, expiry
(with a clock we control) and nonce, and that no token without a signature passes."""

import base64
import json

import pytest

from neig_workspace.sso import client
from neig_workspace.sso.client import ProviderConfig, SsoProtocolError

from .conftest import CLIENT_ID, CLIENT_SECRET, REDIRECT_URI, through_provider
from .helpers import query


def b64(data: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def unb64(part: str) -> dict:
    return json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))


@pytest.fixture
def issued(app, oidc_provider):
    """A real sign-in of agent@politie.example: (config, nonce, token response)."""
    config = ProviderConfig(oidc_provider.issuer, CLIENT_ID, CLIENT_SECRET)
    with app.test_request_context():
        request = client.authorization_request(
            config, redirect_uri=REDIRECT_URI, login_hint="agent@politie.example"
        )
        callback = through_provider(request.url)
        token = client.exchange_code(
            config,
            code=query(callback)["code"],
            code_verifier=request.code_verifier,
            redirect_uri=REDIRECT_URI,
        )
    return config, request.nonce, token


def refusal(app, config, id_token, nonce, **kwargs) -> str:
    with app.test_request_context(), pytest.raises(SsoProtocolError) as refused:
        client.validate_id_token(config, id_token, nonce=nonce, **kwargs)
    return refused.value.reason


def test_a_good_token_passes_with_its_claims(app, issued):
    config, nonce, token = issued
    with app.test_request_context():
        claims = client.validate_id_token(
            config, token["id_token"], nonce=nonce, access_token=token["access_token"]
        )
    assert claims["aud"] == CLIENT_ID and claims["iss"] == config.issuer
    assert claims["email"] == "agent@politie.example" and claims["email_verified"] is True
    assert client.asserts_mfa(claims, set())


def test_a_token_for_another_client_is_refused(app, issued):
    config, nonce, token = issued
    other = ProviderConfig(config.issuer, "een-andere-client", CLIENT_SECRET)
    assert refusal(app, other, token["id_token"], nonce) == "audience"


def test_an_expired_token_is_refused_at_a_later_now(app, issued):
    config, nonce, token = issued
    exp = unb64(token["id_token"].split(".")[1])["exp"]
    with app.test_request_context():
        client.validate_id_token(config, token["id_token"], nonce=nonce, now=exp + 59)
    assert refusal(app, config, token["id_token"], nonce, now=exp + 61) == "expired"


def test_another_nonce_is_refused(app, issued):
    config, _, token = issued
    assert refusal(app, config, token["id_token"], "een-andere-nonce") == "nonce"


def test_a_changed_claim_breaks_the_signature(app, issued):
    config, nonce, token = issued
    header, payload, signature = token["id_token"].split(".")
    claims = unb64(payload) | {"email": "directeur@politie.example"}
    assert refusal(app, config, f"{header}.{b64(claims)}.{signature}", nonce) == "signature"


def test_an_unsigned_token_is_refused(app, issued):
    config, nonce, token = issued
    claims = unb64(token["id_token"].split(".")[1])
    unsigned = f"{b64({'alg': 'none', 'typ': 'JWT'})}.{b64(claims)}."
    assert refusal(app, config, unsigned, nonce) == "signature"


def test_a_token_signed_with_the_public_key_as_hmac_secret_is_refused(app, issued, oidc_provider):
    """The old confusion attack: HS256 keyed with the provider's public key."""
    import hashlib
    import hmac

    import requests

    config, nonce, token = issued
    jwks = requests.get(f"{oidc_provider.issuer}/jwks", timeout=5).json()
    claims = unb64(token["id_token"].split(".")[1])
    signing_input = f"{b64({'alg': 'HS256', 'kid': jwks['keys'][0]['kid']})}.{b64(claims)}"
    key = json.dumps(jwks["keys"][0]).encode()
    mac = hmac.new(key, signing_input.encode(), hashlib.sha256).digest()
    forged = f"{signing_input}.{base64.urlsafe_b64encode(mac).rstrip(b'=').decode()}"
    assert refusal(app, config, forged, nonce) == "signature"


def test_mfa_is_read_from_amr_or_a_configured_acr():
    assert client.asserts_mfa({"amr": ["pwd", "otp"]}, set())
    assert client.asserts_mfa({"amr": ["hwk"]}, set())
    assert not client.asserts_mfa({"amr": ["pwd"]}, set())
    assert not client.asserts_mfa({"amr": "mfa"}, set())  # not a list: not an amr
    assert client.asserts_mfa({"amr": ["pwd"], "acr": "urn:loa:hoog"}, {"urn:loa:hoog"})
    assert not client.asserts_mfa({"acr": "urn:loa:laag"}, {"urn:loa:hoog"})


@pytest.mark.parametrize(
    ("issuer", "testing", "problem"),
    [
        ("https://login.politie.nl", False, None),
        ("https://login.politie.nl/realms/neig", False, None),
        ("http://login.politie.nl", False, "insecure"),
        ("http://login.politie.nl", True, "insecure"),
        ("http://127.0.0.1:8080", False, "insecure"),
        ("http://127.0.0.1:8080", True, None),
        ("ftp://login.politie.nl", False, "insecure"),
        ("https://login.politie.nl/?x=1", False, "invalid"),
        ("https://user:pw@login.politie.nl", False, "invalid"),
        ("login.politie.nl", False, "invalid"),
    ],
)
def test_issuers_must_use_https_except_loopback_in_tests(issuer, testing, problem):
    assert client.issuer_problem(issuer, testing=testing) == problem
