"""The sessions list names browser and system in words (accounts/user_agents.py)."""

import pytest
from flask_babel import force_locale
from sqlalchemy import select

from neig_workspace.accounts.models import UserSession
from neig_workspace.accounts.user_agents import describe
from tests.conftest import db_ctx
from tests.helpers import login_as

pytestmark = pytest.mark.one_database("a pure mapping, and one page")

REAL = {
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Safari/537.36": "Chrome op Windows",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0": "Edge op Windows",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/18.1 Safari/605.1.15": "Safari op macOS",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like "
    "Gecko) Version/18.1 Mobile/15E148 Safari/604.1": "Safari op iOS",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like "
    "Gecko) CriOS/131.0.6778.73 Mobile/15E148 Safari/604.1": "Chrome op iOS",
    "Mozilla/5.0 (Linux; Android 14; SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) "
    "SamsungBrowser/26.0 Chrome/122.0.0.0 Mobile Safari/537.36": "Samsung Internet op Android",
    "Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0": (
        "Firefox op Linux"
    ),
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Safari/537.36 OPR/115.0.0.0": "Opera op Windows",
    "curl/8.5.0": "onbekende browser",
    "": "onbekende browser",
}


def test_real_user_agents_in_words(app):
    with app.test_request_context(), force_locale("nl"):
        assert {ua: describe(ua) for ua in REAL} == REAL
        assert describe(None) == "onbekende browser"
    with app.test_request_context(), force_locale("en"):
        assert describe(next(iter(REAL))) == "Chrome on Windows"


def test_the_sessions_page_says_chrome_op_windows(app, personas):
    client = login_as(app, app.test_client(), personas.member_a)
    chrome = next(iter(REAL))
    with db_ctx(app) as session:
        for row in session.scalars(
            select(UserSession).where(UserSession.user_id == personas.member_a.id)
        ):
            row.user_agent = chrome
        session.commit()
    page = client.get("/account/sessies").get_data(as_text=True)
    assert f'title="{chrome}">Chrome op Windows</td>' in page
