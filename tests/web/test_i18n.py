"""Dutch first, English selectable, and the English catalogue complete."""

import re
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from flask import session

from tests.helpers import login_as, post_form

ROOT = Path(__file__).resolve().parents[2]
CATALOGUE = ROOT / "neig_workspace" / "translations" / "en" / "LC_MESSAGES" / "messages.po"
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")


@pytest.fixture(scope="module")
def extracted(tmp_path_factory):
    pot = tmp_path_factory.mktemp("i18n") / "messages.pot"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "babel.messages.frontend",
            "extract",
            "-F",
            "babel.cfg",
            "-k",
            "_l",
            "-o",
            str(pot),
            "--omit-header",
            ".",
        ],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    with pot.open("rb") as handle:
        return read_po(handle)


@pytest.fixture(scope="module")
def english():
    with CATALOGUE.open("rb") as handle:
        return read_po(handle)


def _translated(message) -> bool:
    if message is None:
        return False
    parts = message.string if isinstance(message.string, tuple) else (message.string,)
    return all(parts)


def test_every_interface_text_has_an_english_translation(extracted, english):
    missing = [m.id for m in extracted if m.id and not _translated(english.get(m.id))]
    assert not missing, f"{len(missing)} texts without English translation, e.g. {missing[:5]}"


def test_no_fuzzy_translations(english):
    fuzzy = [m.id for m in english if m.id and m.fuzzy]
    assert not fuzzy, f"fuzzy translations: {fuzzy[:5]}"


def test_placeholders_survive_translation(english):
    def names(text):
        texts = text if isinstance(text, tuple) else (text,)
        return sorted({name for t in texts for name in PLACEHOLDER.findall(t)})

    wrong = [m.id for m in english if m.id and m.string and names(m.id) != names(m.string)]
    assert not wrong, f"placeholders differ in: {wrong[:5]}"


def test_dutch_is_the_default_whatever_the_browser_asks(client):
    html = client.get("/inloggen", headers={"Accept-Language": "en-GB,en"}).get_data(as_text=True)
    assert '<html lang="nl"' in html
    assert "Wachtwoord vergeten?" in html


def test_visitor_can_switch_to_english(client):
    response = post_form(
        client, "/taal", {"locale": "en", "next": "/inloggen"}, token_from="/inloggen"
    )
    assert response.status_code == 302
    html = client.get("/inloggen").get_data(as_text=True)
    assert '<html lang="en"' in html
    assert "Forgot your password?" in html


def test_language_choice_is_kept_on_the_account(app, client, personas):
    login_as(app, client, personas.member_a)
    post_form(client, "/taal", {"locale": "en", "next": "/"}, token_from="/")
    other_browser = app.test_client()
    login_as(app, other_browser, personas.member_a)
    assert '<html lang="en"' in other_browser.get("/").get_data(as_text=True)


def test_a_request_translates_in_its_language_and_a_forced_one_in_that(app):
    """The translations kept for a request (i18n.RequestDomain) are those of its locale: a
    locale forced in the request (an e-mail in the recipient's language) gets its own, and the
    request's come back after it, for plain and lazy strings alike."""
    from flask_babel import force_locale, gettext, lazy_gettext, refresh

    label = lazy_gettext("Werkruimtes")
    with app.test_request_context():
        assert (gettext("Werkruimtes"), str(label)) == ("Werkruimtes", "Werkruimtes")
        with force_locale("en"):
            assert (gettext("Werkruimtes"), str(label)) == ("Workspaces", "Workspaces")
        assert (gettext("Werkruimtes"), str(label)) == ("Werkruimtes", "Werkruimtes")
        session["locale"] = "en"
        refresh()  # the language chosen anew in the request
        assert (gettext("Werkruimtes"), str(label)) == ("Workspaces", "Workspaces")
