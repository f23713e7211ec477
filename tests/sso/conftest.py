"""A real OpenID provider for the single sign-on tests: `node tests/sso/provider.mjs`, the npm
package oidc-provider (8.x, installed by `make node-deps` from package-lock.json) with clients
and accounts of our own, on a free loopback port; stopped at the end of the session.

Skipped when node or the package is missing; under CI=true that is a failure (.ci/run installs
npm and `make test` runs `npm ci`).

The provider logs in the test account named by the authorization request's `login_hint` (the
address typed on our login page) at once, with that account's claims and `amr`/`acr`: the test
drives the browser's part with `requests`, following the provider's redirects until it sends
the browser back to our callback.
"""

import json
import os
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest
import requests

ROOT = Path(__file__).resolve().parents[2]
PROVIDER_SCRIPT = Path(__file__).with_name("provider.mjs")
IN_CI = os.environ.get("CI", "").lower() == "true"
STARTUP_SECONDS = 30

#: Our callback as the Flask test client's requests build it (SERVER_NAME "localhost").
REDIRECT_URI = "http://localhost/inloggen/sso/callback"
CLIENT_ID = "neig-werkruimte"
CLIENT_SECRET = "politie-client-geheim-0123456789abcdef"  # noqa: S105 - a test provider's client
DOMAIN = "politie.example"
MFA_ACR = "urn:politie:loa:hoog"

#: login_hint -> the account at the provider: its claims and how it signed in there.
ACCOUNTS = {
    address: {"email": address, "email_verified": True, "name": name, "amr": amr}
    for address, name, amr in [
        ("agent@politie.example", "Agent Met Token", ["pwd", "otp"]),
        ("rechercheur@politie.example", "Rechercheur Zonder Token", ["pwd"]),
        ("beheerder@politie.example", "Beheerder Politie", ["pwd"]),
        ("sleutel@politie.example", "Beheerder Met Sleutel", ["hwk"]),
        ("genodigde@politie.example", "Genodigde Agent", ["pwd", "mfa"]),
        ("nieuw@politie.example", "Nieuwe Agent", ["pwd", "mfa"]),
        ("vertrokken@politie.example", "Vertrokken Agent", ["pwd", "mfa"]),
    ]
}
ACCOUNTS["niveau@politie.example"] = {
    "email": "niveau@politie.example",
    "email_verified": True,
    "name": "Agent Met Niveau",
    "amr": ["pwd"],
    "acr": MFA_ACR,
}
ACCOUNTS["onbevestigd@politie.example"] = {
    "email": "onbevestigd@politie.example",
    "email_verified": False,
    "name": "Onbevestigd Adres",
    "amr": ["pwd", "otp"],
}
# Typed on our page as an address of the police, but the provider knows them by another.
ACCOUNTS["uitzendkracht@politie.example"] = {
    "email": "uitzendkracht@elders.example",
    "email_verified": True,
    "name": "Uitzendkracht",
    "amr": ["pwd", "otp"],
}


@dataclass(frozen=True)
class OidcProvider:
    issuer: str
    port: int


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _require_node() -> str:
    node = shutil.which("node")
    package = ROOT / "node_modules" / "oidc-provider" / "package.json"
    problem = None
    if node is None:
        problem = "node is not installed (Debian: apt-get install npm)"
    elif not package.exists():
        problem = "the npm package oidc-provider is not installed (make node-deps)"
    if problem:
        if IN_CI:
            pytest.fail(f"{problem}; the SSO tests need it under CI=true", pytrace=False)
        pytest.skip(problem)
    return node


def _wait_for_discovery(issuer: str, process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    url = f"{issuer}/.well-known/openid-configuration"
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(
                f"oidc-provider exited with {process.returncode}:\n{log.read_text()}"
            )
        try:
            if requests.get(url, timeout=2).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"oidc-provider did not answer in {STARTUP_SECONDS} s:\n{log.read_text()}")


def run_provider(clock_offset_seconds: int = 0, redirect_uris: tuple[str, ...] = (REDIRECT_URI,)):
    """Start a provider (a generator: yields it, stops it when resumed)."""
    node = _require_node()
    workdir = Path(tempfile.mkdtemp(prefix="neig-oidc-"))
    port = free_port()
    issuer = f"http://127.0.0.1:{port}"
    config = workdir / "config.json"
    config.write_text(
        json.dumps(
            {
                "port": port,
                "issuer": issuer,
                "clockOffsetSeconds": clock_offset_seconds,
                "clients": [
                    {
                        "client_id": CLIENT_ID,
                        "client_secret": CLIENT_SECRET,
                        "redirect_uris": list(redirect_uris),
                        "grant_types": ["authorization_code"],
                        "response_types": ["code"],
                    }
                ],
                "accounts": ACCOUNTS,
            }
        )
    )
    log = workdir / "provider.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [node, str(PROVIDER_SCRIPT), str(config)],
            cwd=ROOT,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        _wait_for_discovery(issuer, process, log)
        yield OidcProvider(issuer, port)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        shutil.rmtree(workdir, ignore_errors=True)


@pytest.fixture(scope="session")
def oidc_provider():
    """The police's provider."""
    yield from run_provider()


@pytest.fixture(scope="session")
def provider_in_the_past():
    """A provider whose clock is 15 minutes behind: its ID tokens (valid 5 minutes) have
    expired by the time we check them, beyond the 60 s leeway."""
    yield from run_provider(clock_offset_seconds=-900)


def through_provider(authorization_url: str) -> str:
    """Be the browser at the provider: follow its redirects (a fresh browser each time, so no
    provider session carries over) until it sends us back; return our callback's path+query."""
    user_agent = requests.Session()
    url = authorization_url
    for _ in range(12):
        response = user_agent.get(url, allow_redirects=False, timeout=10)
        location = response.headers.get("Location")
        assert response.status_code in (302, 303) and location, (
            f"the provider answered {response.status_code}: {response.text[:500]}"
        )
        url = urljoin(url, location)
        if url.startswith(REDIRECT_URI):
            parts = urlsplit(url)
            return f"{parts.path}?{parts.query}"
    raise AssertionError("the provider never sent the browser back")
