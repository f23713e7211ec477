"""What users type into a plan is shown back escaped everywhere it appears, the SVG charts
included (a line's name is an SVG text element there)."""

import re

from markupsafe import escape
from sqlalchemy import select

from neig_workspace.actions.models import ActionItem
from tests.conftest import db_ctx
from tests.helpers import post_form

PAYLOAD = '"><svg onload=alert(1)><script>alert(2)</script>'


def test_typed_text_is_escaped_on_every_page(app, personas, world, client_for):
    client = client_for("secretariat")
    settings = f"/actieplannen/{world.plan}/instellingen"
    assert (
        post_form(
            client,
            f"/actieplannen/{world.plan}/actielijnen",
            {"name": "Lijn " + PAYLOAD},
            token_from=settings,
        ).status_code
        == 302
    )
    line_id = re.search(
        r'<option value="(\d+)">Lijn ',
        client.get(f"/actieplannen/{world.plan}/actiepunten/nieuw").get_data(as_text=True),
    ).group(1)
    response = post_form(
        client,
        f"/actieplannen/{world.plan}/actiepunten/nieuw",
        {
            "code": "X-01",
            "title": "Titel " + PAYLOAD,
            "description": "Omschrijving " + PAYLOAD,
            "line": line_id,
            "lead_organisation": str(personas.orgs["gemeente_a"]),
            "status": "risico",
        },
    )
    assert response.status_code == 302
    with db_ctx(app) as session:
        item_id = session.scalar(select(ActionItem.id).where(ActionItem.code == "X-01"))
    item_url = f"/actiepunten/{item_id}"
    post_form(client, item_url + "/voortgang", {"note": "Noot " + PAYLOAD})
    post_form(
        client, item_url + "/mijlpalen", {"title": "Mijlpaal " + PAYLOAD}, token_from=item_url
    )

    for key, url in (
        ("member_a", f"/actieplannen/{world.plan}"),
        ("member_a", f"/actieplannen/{world.plan}/dashboard"),
        ("member_a", f"/actieplannen/{world.plan}/rapportage"),
        ("member_a", item_url),
        ("secretariat", settings),
    ):
        page = client_for(key).get(url).get_data(as_text=True)
        assert "<svg onload" not in page and "<script>alert" not in page, url
        assert str(escape(PAYLOAD)) in page, url
