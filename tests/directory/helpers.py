"""Set-up for the directory tests: opt-ins saved through the real settings form."""

from neig_workspace.accounts.models import User
from neig_workspace.accounts.passwords import hash_password
from neig_workspace.extensions import db
from neig_workspace.organisations.models import Organisation
from tests.helpers import login_as, post_form
from tests.personas import PASSWORD

JOB_TITLE = "Beleidsadviseur explosies"
PHONE = "010 123 45 67"
SETTINGS = "/account/ledenoverzicht"
#: field -> how it shows on the page of member_a's organisation
SHOWN_AS = {
    "name": "Member A",
    "job_title": JOB_TITLE,
    "email": "member.a@example.nl",
    "phone": PHONE,
}


def opt_in(app, persona, *fields, job_title=JOB_TITLE, phone=PHONE):
    """Save `persona`'s settings through the form, opting in to exactly `fields`."""
    client = login_as(app, app.test_client(), persona)
    data = {"job_title": job_title, "phone": phone}
    data.update({f"show_{name}": "y" for name in fields})
    response = post_form(client, SETTINGS, data)
    assert response.status_code == 302, response.get_data(as_text=True)
    return client


def deactivate_user(app, persona) -> None:
    with app.app_context():
        db.session.get(User, persona.id).active = False
        db.session.commit()


def deactivate_org(app, org_id: int) -> None:
    with app.app_context():
        db.session.get(Organisation, org_id).active = False
        db.session.commit()


def loose_user(app):
    """An active account without any membership (a persona-like object for login_as)."""
    with app.app_context():
        user = User(
            email="los@example.nl", name="Losse Gebruiker", password_hash=hash_password(PASSWORD)
        )
        db.session.add(user)
        db.session.commit()
        return type("Loose", (), {"id": user.id})()
