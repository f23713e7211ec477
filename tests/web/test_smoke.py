"""The app starts, serves the landing page, and logs a persona in."""

from tests.helpers import login_as, login_http


def test_landing_page_is_dutch(client):
    response = client.get("/")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert '<html lang="nl"' in html
    assert "Inloggen" in html


def test_login_with_password(client, personas):
    response = login_http(client, personas.member_a.email, personas.member_a.password)
    assert response.status_code == 302
    assert client.get("/").get_data(as_text=True).count("Gemeente Rotterdam") >= 1


def test_login_as_helper(app, client, personas):
    login_as(app, client, personas.member_b)
    assert "Gemeente Amsterdam" in client.get("/").get_data(as_text=True)
