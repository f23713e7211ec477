"""The public application form: no login, every field checked with the message next to it and
the typed input kept, a honeypot that stores nothing, a limit per IP, a confirmation e-mail."""

import html
import re

import pytest
from sqlalchemy import func, select

from neig_workspace.applications.models import Application, ApplicationStatus
from neig_workspace.audit.models import AuditEvent
from neig_workspace.organisations.models import OrgType
from neig_workspace.organisations.municipalities import municipalities
from tests.applications.conftest import APPLY, valid_form
from tests.conftest import db_ctx
from tests.helpers import login_as, post_form


def field_error(response, field_id: str) -> str:
    match = re.search(
        rf'<div class="utrecht-form-field-error-message" id="{field_id}-error">(.*?)</div>',
        response.get_data(as_text=True),
        re.S,
    )
    return html.unescape(re.sub(r"<[^>]+>", " ", match.group(1))).strip() if match else ""


def input_value(response, field_id: str) -> str | None:
    match = re.search(rf'<input[^>]*\bid="{field_id}"[^>]*>', response.get_data(as_text=True))
    value = re.search(r'value="([^"]*)"', match.group(0)) if match else None
    return html.unescape(value.group(1)) if value else None


def selected(response, field_id: str) -> str | None:
    page = response.get_data(as_text=True)
    select_html = re.search(rf'<select[^>]*\bid="{field_id}".*?</select>', page, re.S).group(0)
    option = re.search(r'<option selected value="([^"]*)"', select_html) or re.search(
        r'<option value="([^"]*)" selected', select_html
    )
    return option.group(1) if option else None


def stored(app) -> list[Application]:
    with db_ctx(app) as session:
        rows = session.scalars(select(Application).order_by(Application.id)).all()
        session.expunge_all()
        return rows


# --- the page ------------------------------------------------------------------------------


def test_the_page_explains_the_network_and_needs_no_login(client):
    response = client.get(APPLY)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    for text in ("Wat is het NEIG?", "Wie kan zich aanmelden?", "Wat krijgt u als deelnemer?"):
        assert text in page
    assert 'href="/aanmelden/privacy"' in page
    privacy = client.get("/aanmelden/privacy").get_data(as_text=True)
    # Not consent: the legitimate interest of VNG and the government partners, and the right
    # to object that goes with it.
    assert "AVG artikel 6 lid 1 sub f" in privacy and "bezwaar" in privacy
    assert "sub a" not in privacy and "toestemming" not in privacy.lower()


def test_every_dutch_municipality_can_be_chosen_by_name(client):
    page = client.get(APPLY).get_data(as_text=True)
    options = re.findall(r'<option value="(GM\d{4})">([^<]+)</option>', page)
    assert len(options) == len(municipalities()) == 342
    assert ("GM0599", "Rotterdam") in options


def test_logged_in_members_may_open_the_page_too(app, client, personas):
    login_as(app, client, personas.member_a)
    assert client.get(APPLY).status_code == 200


# --- a valid application -------------------------------------------------------------------


def test_a_municipality_applies_and_gets_a_confirmation(app, client, outbox, apply):
    response = apply(client)
    assert response.status_code == 302 and response.location.endswith("/aanmelden/bedankt")
    assert "Bedankt voor uw aanmelding" in client.get(response.location).get_data(as_text=True)

    [application] = stored(app)
    # Left empty, the name comes from the municipality.
    assert application.organisation_name == "Gemeente Enschede"
    assert application.org_type == OrgType.MUNICIPALITY and application.cbs_code == "GM0153"
    assert application.status == ApplicationStatus.PENDING
    assert application.privacy_consent_at is not None
    assert application.phone == "053 481 81 81"

    [mail] = outbox()
    assert mail["To"] == "f.elamrani@enschede.example.nl"
    assert mail["Subject"] == "Uw aanmelding bij het Netwerk Explosies In Gemeenten"
    body = mail.get_content()
    assert "Beste Fatima el Amrani" in body and "Gemeente Enschede" in body
    with db_ctx(app) as session:
        event = session.scalar(
            select(AuditEvent).where(AuditEvent.action == "application.submitted")
        )
        assert event.target_id == str(application.id) and event.actor_id is None


def test_a_partner_gives_its_own_name_and_no_municipality(app, client, apply):
    response = apply(
        client,
        org_type="housing",
        cbs_code="",
        organisation_name="Woonbron",
        email="  Info@Woonbron.example.NL ",
    )
    assert response.status_code == 302
    [application] = stored(app)
    assert (application.organisation_name, application.org_type) == ("Woonbron", OrgType.HOUSING)
    assert application.cbs_code is None
    assert application.email == "info@woonbron.example.nl"


def test_a_municipality_may_give_its_name_itself(app, client, apply):
    apply(client, organisation_name="Gemeente Enschede (OOV)")
    assert stored(app)[0].organisation_name == "Gemeente Enschede (OOV)"


# --- bad input -----------------------------------------------------------------------------

BAD_FIELDS = [
    ("org_type", {"org_type": ""}, "Kies het soort organisatie."),
    ("cbs_code", {"cbs_code": ""}, "Kies de gemeente waarvoor u zich aanmeldt."),
    ("cbs_code", {"org_type": "police"}, "Kies alleen een gemeente als u een gemeente bent."),
    ("cbs_code", {"cbs_code": "GM9999"}, None),  # a forged option: WTForms' own message
    (
        "organisation_name",
        {"org_type": "police", "cbs_code": "", "organisation_name": ""},
        "Vul de naam van de organisatie in.",
    ),
    ("organisation_name", {"organisation_name": "x" * 201}, "Gebruik hoogstens 200 tekens."),
    ("contact_name", {"contact_name": "   "}, "Vul uw naam in."),
    ("contact_role", {"contact_role": ""}, "Vul uw functie of rol in."),
    ("email", {"email": ""}, "Vul een e-mailadres in."),
    ("email", {"email": "fatima@"}, "Vul een geldig e-mailadres in"),
    ("phone", {"phone": ""}, "Vul uw telefoonnummer in."),
    ("phone", {"phone": "bel mij"}, "Vul een geldig telefoonnummer in"),
    ("motivation", {"motivation": ""}, "Vertel kort waarom uw organisatie wil deelnemen."),
    ("motivation", {"motivation": "x" * 5001}, "Gebruik hoogstens 5000 tekens."),
    (
        "privacy_consent",
        {"privacy_consent": None},
        "Bevestig dat u de privacyverklaring hebt gelezen.",
    ),
]


@pytest.mark.parametrize(("field_id", "changes", "message"), BAD_FIELDS)
def test_bad_input_is_refused_next_to_the_field(
    app, client, outbox, apply, field_id, changes, message
):
    response = apply(client, **changes)

    assert response.status_code == 422
    error = field_error(response, field_id)
    assert error, f"no error next to {field_id}"
    if message is not None:
        assert message in error
    assert 'id="error-summary"' in response.get_data(as_text=True)
    assert stored(app) == [] and outbox() == []


def test_the_error_summary_puts_no_colon_after_a_label_that_is_a_sentence(client, apply):
    response = apply(client, privacy_consent=None, phone="")
    summary = response.get_data(as_text=True).split('id="error-summary"', 1)[1]
    summary = html.unescape(summary.split("</div>", 1)[0])
    items = re.findall(r'<a class="utrecht-link" href="#[^"]+">(.*?)</a>', summary, re.S)
    assert "Bevestig dat u de privacyverklaring hebt gelezen." in items
    assert not any(".:" in item for item in items)
    assert any(item.endswith(": Vul uw telefoonnummer in.") for item in items)  # a plain label


def test_what_was_typed_is_kept_after_an_error(client, apply):
    response = apply(client, phone="bel mij", motivation="Wij willen <b>leren</b> & delen.")
    assert response.status_code == 422
    assert input_value(response, "contact_name") == "Fatima el Amrani"
    assert input_value(response, "email") == "f.elamrani@enschede.example.nl"
    assert input_value(response, "phone") == "bel mij"
    assert selected(response, "org_type") == "municipality"
    assert selected(response, "cbs_code") == "GM0153"
    page = response.get_data(as_text=True)
    # Kept, and escaped: typed markup is text.
    assert "Wij willen &lt;b&gt;leren&lt;/b&gt; &amp; delen." in page
    consent = re.search(r'<input[^>]*\bid="privacy_consent"[^>]*>', page).group(0)
    assert " checked" in consent


def test_a_form_without_its_csrf_token_is_refused(app, client):
    response = client.post(APPLY, data=valid_form())
    assert response.status_code == 400
    assert stored(app) == []


# --- abuse ---------------------------------------------------------------------------------


def test_the_honeypot_is_hidden_from_people_and_screen_readers(client):
    page = client.get(APPLY).get_data(as_text=True)
    block = re.search(r'<div class="visually-hidden" aria-hidden="true">(.*?)</div>', page, re.S)
    assert block, "the honeypot is not inside a visually hidden, aria-hidden block"
    assert re.search(r'<input[^>]*name="website"[^>]*tabindex="-1"', block.group(1)) or re.search(
        r'<input[^>]*tabindex="-1"[^>]*name="website"', block.group(1)
    )


def test_a_filled_honeypot_gets_the_thanks_and_nothing_is_stored_or_sent(
    app, client, outbox, apply
):
    response = apply(client, website="https://spam.example.com")
    assert response.status_code == 302 and response.location.endswith("/aanmelden/bedankt")
    assert stored(app) == [] and outbox() == []
    with db_ctx(app) as session:
        assert session.scalar(select(func.count(AuditEvent.id))) == 0


def test_applications_are_limited_per_ip(app, client, apply, monkeypatch):
    monkeypatch.setitem(app.config, "RATELIMIT_APPLICATION_PER_IP", "3 per hour")
    for n in range(3):
        assert apply(client, email=f"persoon{n}@enschede.example.nl").status_code == 302
    assert apply(client, email="nog.een@enschede.example.nl").status_code == 429
    assert len(stored(app)) == 3

    # Another address is counted on its own.
    other = app.test_client()
    response = post_form(
        other,
        APPLY,
        valid_form(email="elders@enschede.example.nl"),
        environ_base={"REMOTE_ADDR": "192.0.2.7"},
    )
    assert response.status_code == 302
    assert len(stored(app)) == 4


def test_the_default_limit_allows_ten_an_hour(app, client, apply):
    for n in range(10):
        assert apply(client, email=f"p{n}@enschede.example.nl").status_code == 302
    assert apply(client, email="p10@enschede.example.nl").status_code == 429


def test_required_fields_are_not_red_before_anything_was_typed(client):
    """No `required` attribute (the browser's and the vendored :invalid styles would show
    every empty field as wrong on arrival): aria-required says it, the server checks it."""
    page = client.get("/aanmelden").get_data(as_text=True)
    fields = re.findall(r"<(?:input|select|textarea)\b[^>]*>", page)
    assert not [f for f in fields if re.search(r"\srequired(\s|>|=)", f)]
    email = next(f for f in fields if 'id="email"' in f)
    assert 'aria-required="true"' in email and "aria-invalid" not in email
