"""Only network members see the directory; deactivated people and organisations never show;
the list filters by type, province and name in SQL."""

import pytest

from tests.directory.helpers import deactivate_org, deactivate_user, loose_user, opt_in
from tests.helpers import login_as

INDEX = "/netwerk/leden"


def _html(client, path=INDEX, **params):
    response = client.get(path, query_string=params)
    assert response.status_code == 200, path
    return response.get_data(as_text=True)


def test_anonymous_is_sent_to_log_in(client, personas):
    for path in (INDEX, f"{INDEX}/gemeente_a", "/account/ledenoverzicht"):
        response = client.get(path)
        assert response.status_code == 302 and "/inloggen" in response.location


def test_a_user_without_membership_sees_nothing(app, personas):
    client = login_as(app, app.test_client(), loose_user(app))
    assert client.get(INDEX).status_code == 403
    assert client.get(f"{INDEX}/gemeente_a").status_code == 404
    assert client.get("/account/ledenoverzicht").status_code == 200  # their own choices


def test_a_member_of_a_deactivated_organisation_only_sees_nothing(app, personas):
    deactivate_org(app, personas.orgs["gemeente_b"])
    client = login_as(app, app.test_client(), personas.member_b)
    assert client.get(INDEX).status_code == 403
    assert client.get(f"{INDEX}/gemeente_a").status_code == 404


@pytest.mark.parametrize("viewer", ["member_b", "police", "secretariat", "platform_admin"])
def test_every_network_member_sees_every_active_organisation(app, personas, viewer):
    html = _html(login_as(app, app.test_client(), personas[viewer]))
    for name in ("Gemeente Rotterdam", "Gemeente Amsterdam", "Politie Eenheid Rotterdam", "VNG"):
        assert name in html


def test_a_deactivated_organisation_is_hidden(app, personas):
    opt_in(app, personas.member_a, "organisation", "name")
    deactivate_org(app, personas.orgs["gemeente_a"])
    client = login_as(app, app.test_client(), personas.member_b)
    assert "Gemeente Rotterdam" not in _html(client)
    assert client.get(f"{INDEX}/gemeente_a").status_code == 404


def test_a_deactivated_user_is_hidden(app, personas):
    opt_in(app, personas.member_a, "organisation", "name")
    opt_in(app, personas.org_admin_a, "organisation", "name")
    deactivate_user(app, personas.member_a)
    client = login_as(app, app.test_client(), personas.member_b)
    html = _html(client, f"{INDEX}/gemeente_a")
    assert "Org Admin A" in html and "Member A" not in html
    assert '<td class="utrecht-table__cell utrecht-table__cell--numeric">1</td>' in _html(
        client, q="Rotterdam", soort="municipality"
    )


def test_filter_by_type(app, personas):
    html = _html(login_as(app, app.test_client(), personas.member_b), soort="municipality")
    assert "Gemeente Rotterdam" in html and "Gemeente Amsterdam" in html
    assert "Politie Eenheid Rotterdam" not in html and "2 organisaties" in html


def test_filter_by_province(app, personas):
    client = login_as(app, app.test_client(), personas.member_b)
    html = _html(client, provincie="Zuid-Holland")
    assert "Gemeente Rotterdam" in html and "Gemeente Amsterdam" not in html
    assert "Politie Eenheid Rotterdam" not in html and ">1 organisatie<" in html
    national = _html(client, provincie="landelijk")
    assert "Politie Eenheid Rotterdam" in national and "Gemeente Rotterdam" not in national


def test_province_is_shown_from_the_cbs_code(app, personas):
    client = login_as(app, app.test_client(), personas.member_b)
    html = _html(client, f"{INDEX}/gemeente_b")
    assert "Noord-Holland" in html
    assert "Landelijk" in _html(client, f"{INDEX}/vng")


def test_search_by_name_is_literal(app, personas):
    client = login_as(app, app.test_client(), personas.member_b)
    html = _html(client, q="amster")
    assert "Gemeente Amsterdam" in html and "Gemeente Rotterdam" not in html
    assert "0 organisaties" in _html(client, q="%")


def test_an_unknown_organisation_is_404(app, personas):
    client = login_as(app, app.test_client(), personas.member_b)
    assert client.get(f"{INDEX}/bestaat-niet").status_code == 404
