"""An organisation's identity provider, set by platform admins only: the client secret is
encrypted at rest and never shown again, every change is audited (never with the secret)."""

import json

import pytest
from sqlalchemy import select

from neig_workspace.audit.models import AuditEvent
from neig_workspace.sso import service
from neig_workspace.sso.models import IdentityProvider
from tests.conftest import db_ctx
from tests.helpers import login_as, post_form

from .helpers import audit_events, make_provider

SECRET = "zeer-geheim-clientgeheim-4242424242"  # noqa: S105 - test value
NEW_SECRET = "nieuw-clientgeheim-1313131313131313"  # noqa: S105 - test value


def url(personas, org="politie") -> str:
    return f"/beheer/organisaties/{personas.orgs[org]}/sso"


def form(**changes) -> dict:
    data = {
        "enabled": "y",
        "issuer": "https://login.politie.example",
        "client_id": "neig-werkruimte",
        "client_secret": SECRET,
        "domains": "politie.example\nPolitie-Rotterdam.example",
        "allow_password": "y",
        "mfa_acr_values": "urn:politie:loa:hoog",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def stored(app, personas) -> IdentityProvider | None:
    with db_ctx(app) as session:
        provider = session.scalar(
            select(IdentityProvider).where(
                IdentityProvider.organisation_id == personas.orgs["politie"]
            )
        )
        if provider is not None:
            provider.domain_names  # noqa: B018 - load before the session closes
            session.expunge(provider)
        return provider


def audit_json(app) -> str:
    with db_ctx(app) as session:
        return json.dumps([e.details for e in session.scalars(select(AuditEvent))])


@pytest.fixture
def admin(app, client, personas):
    return login_as(app, client, personas.platform_admin)


def test_the_admin_sets_up_a_provider_and_the_secret_is_stored_encrypted(app, admin, personas):
    response = post_form(admin, url(personas), form())
    assert response.status_code == 302 and response.location == url(personas)
    provider = stored(app, personas)
    assert provider.issuer == "https://login.politie.example"
    assert provider.domain_names == ["politie-rotterdam.example", "politie.example"]
    assert provider.allow_password and not provider.allow_account_creation
    assert provider.acr_values == {"urn:politie:loa:hoog"}
    assert SECRET not in provider.client_secret_encrypted
    with app.app_context():
        assert service.decrypt_client_secret(provider.client_secret_encrypted) == SECRET
    ((result, actor, details),) = audit_events(app, "sso.provider_created")
    assert (result, actor, details["issuer"]) == (
        "success",
        personas.platform_admin.id,
        form()["issuer"],
    )
    assert SECRET not in audit_json(app)


def test_the_secret_is_never_shown_again_and_an_empty_field_keeps_it(app, admin, personas):
    post_form(admin, url(personas), form())
    page = admin.get(url(personas)).get_data(as_text=True)
    assert SECRET not in page
    assert "Er is een geheim opgeslagen." in page
    assert "http://localhost/inloggen/sso/callback" in page  # to register at the provider
    assert "politie-rotterdam.example\npolitie.example</textarea>" in page
    assert 'value="https://login.politie.example"' in page
    response = post_form(admin, url(personas), form(client_secret="", client_id="nieuwe-client"))
    assert response.status_code == 302
    provider = stored(app, personas)
    assert provider.client_id == "nieuwe-client"
    with app.app_context():
        assert service.decrypt_client_secret(provider.client_secret_encrypted) == SECRET
    ((_, _, details),) = audit_events(app, "sso.provider_updated")
    assert details["changes"] == {
        "client_id": {"before": "neig-werkruimte", "after": "nieuwe-client"}
    }
    assert details["secret_replaced"] is False


def test_a_new_secret_replaces_the_old_one_and_is_audited_without_it(app, admin, personas):
    post_form(admin, url(personas), form())
    post_form(admin, url(personas), form(client_secret=NEW_SECRET))
    provider = stored(app, personas)
    with app.app_context():
        assert service.decrypt_client_secret(provider.client_secret_encrypted) == NEW_SECRET
    ((_, _, details),) = audit_events(app, "sso.provider_updated")
    assert details == {
        "organisation_id": personas.orgs["politie"],
        "changes": {},
        "secret_replaced": True,
    }
    assert NEW_SECRET not in audit_json(app) and SECRET not in audit_json(app)


def test_a_failed_save_does_not_send_the_typed_secret_back(app, admin, personas):
    response = post_form(admin, url(personas), form(issuer="http://login.politie.example"))
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "moet met https:// beginnen" in page
    assert SECRET not in page
    assert stored(app, personas) is None


def test_a_first_save_needs_a_secret(app, admin, personas):
    response = post_form(admin, url(personas), form(client_secret=""))
    assert response.status_code == 422
    assert "Vul het clientgeheim in." in response.get_data(as_text=True)


@pytest.mark.parametrize(
    ("domains", "message"),
    [
        ("", "Vul minstens één e-maildomein in."),
        ("politie", "politie is geen geldig domein"),
        ("iemand@politie.example", "geen geldig domein"),
    ],
)
def test_domains_must_be_domains(app, admin, personas, domains, message):
    response = post_form(admin, url(personas), form(domains=domains))
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)


def test_a_domain_belongs_to_one_provider(app, admin, personas):
    make_provider(app, personas, "https://login.politie.example")
    response = post_form(admin, url(personas, "om"), form(domains="om.example\npolitie.example"))
    assert response.status_code == 422
    assert (
        "Het domein politie.example hoort al bij de inlogdienst van Politie Eenheid Rotterdam."
        in response.get_data(as_text=True)
    )


def test_only_platform_admins_manage_providers(app, personas):
    for key, expected in [
        ("member_a", 404),  # another organisation's: it does not exist for them
        ("police", 403),  # their own organisation: seen, but not theirs to change
        ("secretariat", 404),
    ]:
        client = login_as(app, app.test_client(), personas[key])
        assert client.get(url(personas)).status_code == expected, key
        assert post_form(client, url(personas), form(), token_from="/").status_code == expected
    assert app.test_client().get(url(personas)).status_code == 302  # to the login page
    assert stored(app, personas) is None
