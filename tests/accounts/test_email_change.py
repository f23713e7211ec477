"""Changing the e-mail address (issue 15, finding 6): the password (and the second factor) first,
then a single-use link to the new address that only the same account, logged in, can use; the
old address is told; an address of another account or of an open invitation cannot be taken;
a pending change blocks nobody and expires; every step is audited."""

import re
from datetime import timedelta

from sqlalchemy import select, update

from neig_workspace.accounts.models import EmailChange, User
from neig_workspace.accounts.tokens import hash_token
from neig_workspace.audit.models import AuditEvent
from neig_workspace.timeutil import utcnow
from tests.conftest import db_ctx
from tests.helpers import login_as, login_http, post_form

NEW = "nieuw.adres@example.nl"
NEW_PASSWORD = "groene-kikker-trompet-zolder-7"  # noqa: S105


def ask(client, email=NEW, password=None, **extra):
    return post_form(
        client, "/account/e-mailadres", {"email": email, "password": password, **extra}
    )


def logged_in(app, persona):
    return login_as(app, app.test_client(), persona)


def email_of(app, persona) -> str:
    with db_ctx(app) as session:
        return session.get(User, persona.id).email


def mails_to(outbox, address):
    return [m for m in outbox() if m["To"] == address]


def confirmation_path(outbox, address=NEW) -> str:
    [mail] = mails_to(outbox, address)
    link = re.search(r"https?://\S+(/account/e-mailadres/bevestigen/\S+)", mail.get_content())
    assert link, mail.get_content()
    return link.group(1)


def actions(app, user_id) -> list[str]:
    with db_ctx(app) as session:
        query = select(AuditEvent.action).where(AuditEvent.target_id == str(user_id))
        return [a for a in session.scalars(query.order_by(AuditEvent.id)) if "email" in a]


def field_error(response, field) -> str:
    match = re.search(rf'id="{field}-error">(.*?)</div>', response.get_data(as_text=True), re.S)
    return re.sub(r"<[^>]+>", "", match.group(1)).strip() if match else ""


def test_the_address_changes_only_when_the_link_is_opened(app, personas, outbox):
    member = personas.member_a
    client = logged_in(app, member)
    assert ask(client, "Nieuw.Adres@Example.nl ", member.password).status_code == 302
    # Nothing changed yet: the old address still logs in.
    assert email_of(app, member) == member.email
    assert login_http(app.test_client(), member.email, member.password).status_code == 302
    path = confirmation_path(outbox)
    [notice] = mails_to(outbox, member.email)
    assert NEW not in notice.get_content() and "n…@example.nl" in notice.get_content()

    assert "member.a@example.nl" in client.get(path).get_data(as_text=True)
    assert email_of(app, member) == member.email  # opening the page changes nothing
    assert post_form(client, path, {}).status_code == 302
    assert email_of(app, member) == NEW
    assert login_http(app.test_client(), NEW, member.password).status_code == 302
    assert [m["Subject"] for m in mails_to(outbox, member.email)][-1] == (
        "Uw e-mailadres is gewijzigd"
    )
    assert actions(app, member.id) == ["account.email_change_requested", "account.email_changed"]


def test_the_link_works_once_and_its_token_is_stored_hashed(app, personas, outbox):
    client = logged_in(app, personas.member_a)
    ask(client, NEW, personas.member_a.password)
    path = confirmation_path(outbox)
    token = path.rsplit("/", 1)[1]
    with db_ctx(app) as session:
        [stored] = session.scalars(select(EmailChange.token_hash)).all()
    assert stored == hash_token(token) and token not in stored
    assert post_form(client, path, {}).status_code == 302
    assert client.get(path).status_code == 404
    assert "Deze link werkt niet meer" in client.get(path).get_data(as_text=True)


def test_only_the_account_that_asked_can_use_the_link(app, personas, outbox):
    """Someone else who reads the new mailbox (the colleague whose address it is) cannot make
    it another account's address by opening the link: it needs that account's login."""
    client = logged_in(app, personas.member_a)
    ask(client, NEW, personas.member_a.password)
    path = confirmation_path(outbox)
    anonymous = app.test_client().get(path)
    assert anonymous.status_code == 302 and "/inloggen" in anonymous.location
    other = logged_in(app, personas.member_b)
    assert other.get(path).status_code == 404
    assert post_form(other, path, {}, token_from="/account").status_code == 404
    assert email_of(app, personas.member_a) == personas.member_a.email


def test_the_password_is_checked_first(app, personas, outbox):
    client = logged_in(app, personas.member_a)
    response = ask(client, NEW, "fout-wachtwoord")
    assert response.status_code == 422
    assert "Het wachtwoord klopt niet." in field_error(response, "password")
    assert outbox() == []


def test_an_account_with_mfa_gives_its_code_too(app, personas, outbox):
    admin = personas.platform_admin
    client = logged_in(app, admin)
    assert "Verificatiecode" in client.get("/account/e-mailadres").get_data(as_text=True)
    response = ask(client, NEW, admin.password, code="000000")
    assert response.status_code == 422 and "Deze code klopt niet." in field_error(response, "code")
    with db_ctx(app) as session:
        failed = session.scalars(
            select(AuditEvent).where(
                AuditEvent.action == "auth.mfa", AuditEvent.actor_id == admin.id
            )
        ).all()
    assert [e.result for e in failed] == ["failure"]
    assert outbox() == []
    assert ask(client, NEW, admin.password, code=admin.totp()).status_code == 302
    assert mails_to(outbox, NEW)


def test_an_address_of_another_account_or_an_open_invitation_cannot_be_taken(app, personas, outbox):
    """The probe's case: claiming a colleague's address before the colleague is invited."""
    client = logged_in(app, personas.member_a)
    taken = ask(client, personas.member_b.email, personas.member_a.password)
    assert taken.status_code == 422 and "niet beschikbaar" in field_error(taken, "email")
    admin = logged_in(app, personas.org_admin_a)
    invite = {"email": "collega@rotterdam.example", "role": "member"}
    post_form(admin, f"/organisaties/{personas.orgs['gemeente_a']}/uitnodigen", invite)
    invited = ask(client, "collega@rotterdam.example", personas.member_a.password)
    assert invited.status_code == 422 and "niet beschikbaar" in field_error(invited, "email")
    assert mails_to(outbox, "collega@rotterdam.example")[0]["Subject"].startswith("Uitnodiging")
    assert len(mails_to(outbox, "collega@rotterdam.example")) == 1


def test_an_invitation_sent_while_a_change_waits_wins(app, personas, outbox):
    client = logged_in(app, personas.member_a)
    ask(client, "collega@rotterdam.example", personas.member_a.password)
    path = confirmation_path(outbox, "collega@rotterdam.example")
    admin = logged_in(app, personas.org_admin_a)
    invite = {"email": "collega@rotterdam.example", "role": "member"}
    assert post_form(admin, f"/organisaties/{personas.orgs['gemeente_a']}/uitnodigen", invite)
    response = post_form(client, path, {})
    assert response.status_code == 422
    assert "niet meer beschikbaar" in response.get_data(as_text=True)
    assert email_of(app, personas.member_a) == personas.member_a.email
    assert actions(app, personas.member_a.id)[-1] == "account.email_change_refused"


def test_a_pending_change_blocks_nobody_and_the_first_to_confirm_gets_it(app, personas, outbox):
    first, second = logged_in(app, personas.member_a), logged_in(app, personas.member_b)
    assert ask(first, NEW, personas.member_a.password).status_code == 302
    first_path = confirmation_path(outbox)
    assert ask(second, NEW, personas.member_b.password).status_code == 302
    second_path = [
        p for p in re.findall(r"/account/e-mailadres/bevestigen/\S+", _bodies(outbox, NEW))
    ][-1]
    assert post_form(second, second_path, {}).status_code == 302
    assert email_of(app, personas.member_b) == NEW
    assert post_form(first, first_path, {}).status_code == 422
    assert email_of(app, personas.member_a) == personas.member_a.email


def _bodies(outbox, address) -> str:
    return "\n".join(m.get_content() for m in mails_to(outbox, address))


def test_a_pending_change_expires(app, personas, outbox):
    client = logged_in(app, personas.member_a)
    ask(client, NEW, personas.member_a.password)
    path = confirmation_path(outbox)
    with db_ctx(app) as session:
        session.execute(update(EmailChange).values(expires_at=utcnow() - timedelta(minutes=1)))
        session.commit()
    assert client.get(path).status_code == 404
    assert "wacht op bevestiging" not in client.get("/account").get_data(as_text=True)


def test_the_account_page_shows_a_pending_change_that_can_be_withdrawn(app, personas, outbox):
    member = personas.member_a
    client = logged_in(app, member)
    ask(client, NEW, member.password)
    path = confirmation_path(outbox)
    assert f"wijziging naar {NEW} wacht op bevestiging" in client.get("/account").get_data(
        as_text=True
    )
    assert NEW in client.get("/account/e-mailadres").get_data(as_text=True)
    assert post_form(client, "/account/e-mailadres/intrekken", {}, token_from="/account")
    assert "wacht op bevestiging" not in client.get("/account").get_data(as_text=True)
    assert client.get(path).status_code == 404
    assert actions(app, member.id) == [
        "account.email_change_requested",
        "account.email_change_cancelled",
    ]


def test_a_new_request_or_a_new_password_ends_the_pending_change(app, personas, outbox):
    member = personas.member_a
    client = logged_in(app, member)
    ask(client, NEW, member.password)
    first = confirmation_path(outbox)
    ask(client, "ander.adres@example.nl", member.password)
    assert client.get(first).status_code == 404
    second = confirmation_path(outbox, "ander.adres@example.nl")
    data = {
        "current_password": member.password,
        "new_password": NEW_PASSWORD,
        "new_password_confirm": NEW_PASSWORD,
    }
    assert post_form(client, "/account/wachtwoord", data).status_code == 302
    assert client.get(second).status_code == 404


def test_the_mails_are_in_the_users_language(app, personas, outbox):
    with db_ctx(app) as session:
        session.get(User, personas.member_a.id).locale = "en"
        session.commit()
    ask(logged_in(app, personas.member_a), NEW, personas.member_a.password)
    assert mails_to(outbox, NEW)[0]["Subject"] == "Confirm your new e-mail address"
    assert mails_to(outbox, personas.member_a.email)[0]["Subject"] == (
        "A change of your e-mail address was requested"
    )
