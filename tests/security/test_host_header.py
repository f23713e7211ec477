"""Links in e-mails and the Host header (issue 15, finding 3): a reset or invitation link is
built on EXTERNAL_URL only, and a request for a host the app does not answer to is refused
before it does anything."""

import re

import pytest

from config import local_server_url
from neig_workspace import create_app
from tests.helpers import login_as, post_form

SECRET = "k3Jv9QpX2mLr8TzW5nYb7HcF4sDg6Ae1Uo0iPqRx"  # 40 characters, none of them a default
SITE = "https://werkruimte.neig.example"


@pytest.fixture
def external_url(app, monkeypatch):
    """The site's address differs from the host the test client talks to (localhost)."""
    monkeypatch.setitem(app.config, "EXTERNAL_URL", SITE + "/")
    return SITE


def links(mail) -> list[str]:
    return re.findall(r"https?://\S+", mail.get_body().get_content())


def test_a_request_for_an_unknown_host_is_refused_and_mails_nothing(
    app, personas, outbox, monkeypatch
):
    """The probe's request: a reset for a known address, with the attacker's Host header. The
    attacker's own session would carry a valid CSRF token: only the host may stop it here."""
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", False)
    response = app.test_client().post(
        "/wachtwoord-vergeten",
        data={"email": personas.member_a.email},
        headers={"Host": "evil.example:8080"},
    )
    assert response.status_code == 400
    assert "evil.example" not in response.get_data(as_text=True)
    assert outbox() == []


def test_an_unknown_host_is_refused_even_with_a_session(app, personas):
    """Nothing runs for it, not the MFA gate that would build a URL (there is no adapter)."""
    client = login_as(app, app.test_client(), personas.platform_admin)
    for path in ("/", "/account", "/bestaat-niet", "/static/js/app.js"):
        assert client.get(path, headers={"Host": "evil.example"}).status_code == 400, path


def test_the_reset_link_is_built_on_external_url(app, client, personas, outbox, external_url):
    response = post_form(client, "/wachtwoord-vergeten", {"email": personas.member_a.email})
    assert response.status_code == 200
    [mail] = outbox()
    [link] = links(mail)
    assert link.startswith(f"{external_url}/wachtwoord-herstellen/"), link


def test_the_invitation_link_is_built_on_external_url(app, personas, outbox, external_url):
    client = login_as(app, app.test_client(), personas.org_admin_a)
    data = {"email": "nieuw@rotterdam.example", "role": "member"}
    path = f"/organisaties/{personas.orgs['gemeente_a']}/uitnodigen"
    assert post_form(client, path, data).status_code == 302
    [mail] = outbox()
    assert [link for link in links(mail) if "/uitnodiging/" in link][0].startswith(
        f"{external_url}/uitnodiging/"
    )


def test_trusted_hosts_follow_external_url(app):
    """Unset, TRUSTED_HOSTS is EXTERNAL_URL's host; outside production also localhost and
    127.0.0.1, so development and the tests keep working."""
    production = create_app(
        "production",
        SECRET_KEY=SECRET,
        EXTERNAL_URL="https://werkruimte.neig.example",
        MAIL_OUTBOX_DIR=app.config["MAIL_OUTBOX_DIR"],
    )
    assert production.config["TRUSTED_HOSTS"] == ["werkruimte.neig.example"]
    assert app.config["TRUSTED_HOSTS"] == ["127.0.0.1", "localhost"]
    chosen = create_app("testing", TRUSTED_HOSTS=["neig.example", ".gemeente.example"])
    assert chosen.config["TRUSTED_HOSTS"] == ["neig.example", ".gemeente.example"]
    client = production.test_client()
    assert client.get("/health", base_url="https://evil.example").status_code == 400


@pytest.mark.one_database("reads the environment only")
def test_unset_in_development_the_links_follow_the_development_server():
    """Not a fixed port 5000: the address the development server was told to serve on."""
    assert local_server_url({}) == "http://127.0.0.1:5000"
    assert local_server_url({"FLASK_RUN_PORT": "8000"}) == "http://127.0.0.1:8000"
    everywhere = {"FLASK_RUN_HOST": "0.0.0.0", "FLASK_RUN_PORT": "8080"}  # noqa: S104
    assert local_server_url(everywhere) == ("http://127.0.0.1:8080")
    assert local_server_url({"FLASK_RUN_HOST": "::1"}) == "http://[::1]:5000"
    assert local_server_url({"SERVER_NAME": "neig.test:8443"}) == "http://neig.test:8443"
