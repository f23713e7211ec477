"""The demo data opts a few demo users in, and the directory shows them."""

from neig_workspace import demo
from neig_workspace.accounts.models import User
from neig_workspace.extensions import db
from tests.helpers import login_as


def test_demo_users_show_in_the_directory(app):
    with app.app_context():
        demo.load_demo_network()  # with the directory's demo, which opts users in
        db.session.commit()
        daan = db.session.scalar(
            db.select(User).where(User.email == "medewerker@amsterdam.example")
        )
        viewer = type("Viewer", (), {"id": daan.id})()
    client = login_as(app, app.test_client(), viewer)
    html = client.get("/netwerk/leden/gemeente-rotterdam").get_data(as_text=True)
    assert "Fatima El Amrani" in html and "010 267 00 00" in html
    assert "Thijs Bakker" in html and "010 267 00 01" not in html  # phone not opted in
