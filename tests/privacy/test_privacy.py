"""Privacy pages (issue 22): per space, kept by its managers and read by its members from the
space's header, with the recipients worked out from the grants; per case type, kept by
platform admins; a space from `vertrouwelijk` on only with one; and the processing register
(AVG art. 30) built from them, as a page and as CSV."""

import html
import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from neig_workspace.access.policy import assuming_mfa
from neig_workspace.access.roles import SpaceRole
from neig_workspace.accounts.models import User
from neig_workspace.audit.models import AuditEvent
from neig_workspace.cases import service as cases
from neig_workspace.cases.legal_bases import ensure_default_legal_bases
from neig_workspace.cases.models import ExplosiveType, LegalBasis, TargetType
from neig_workspace.extensions import db
from neig_workspace.organisations.models import Organisation
from neig_workspace.privacy import service
from neig_workspace.privacy.models import PrivacyStatement
from neig_workspace.spaces import service as spaces
from neig_workspace.spaces.models import Classification, PrincipalType, Space, SpaceKind
from neig_workspace.timeutil import utcnow
from tests.conftest import db_ctx
from tests.helpers import login_as, post_form

FIELDS = ("purpose", "legal_basis_id", "data_categories", "retention", "contact")


@pytest.fixture(scope="module")
def world(app, test_db, module_personas):
    """A's and B's own spaces; a working group of A's members with a police officer in it in
    person (its statement filled in); a case of A (a home) with the police taking part."""
    p = module_personas
    with test_db.rolled_back():
        with app.app_context():
            ensure_default_legal_bases()
            basis = db.session.scalar(select(LegalBasis).order_by(LegalBasis.id))
            org_a = db.session.get(Organisation, p.orgs["gemeente_a"])
            police = db.session.get(Organisation, p.orgs["politie"])
            own_a = spaces.create_organisation_space(org_a, actor=None)
            own_b = spaces.create_organisation_space(
                db.session.get(Organisation, p.orgs["gemeente_b"]), actor=None
            )
            group = spaces.create_space(SpaceKind.RESTRICTED, "Werkgroep Nazorg", actor=None)
            spaces.add_grant(
                group,
                PrincipalType.ORGANISATION,
                SpaceRole.CONTRIBUTOR,
                organisation=org_a,
                actor=None,
            )
            spaces.add_grant(
                group,
                PrincipalType.USER,
                SpaceRole.VIEWER,
                user=db.session.get(User, p.police.id),
                actor=None,
            )
            service.save_for_space(group, _fields(basis.id, "Nazorg na aanslagen"), actor=None)
            with assuming_mfa():
                case = cases.create_case(
                    actor=db.session.get(User, p.member_a.id),
                    municipality=org_a,
                    occurred_at=utcnow().replace(microsecond=0) - timedelta(days=3),
                    target_type=TargetType.WONING,
                    explosive_type=ExplosiveType.ZWAAR_VUURWERK,
                    legal_basis_id=basis.id,
                    postcode4="3011",
                    participants=[
                        cases.Participant(org_a, SpaceRole.CONTRIBUTOR, True, True),
                        cases.Participant(police, SpaceRole.VIEWER, True, False),
                    ],
                )
            db.session.commit()
            ids = {
                "basis": basis.id,
                "own_a": own_a.id,
                "own_b": own_b.id,
                "group": group.id,
                "case": case.id,
                "case_space": case.space_id,
            }
        yield ids


def _fields(basis_id, purpose="Samenwerking") -> service.PrivacyFields:
    return service.PrivacyFields(
        purpose=purpose,
        legal_basis_id=basis_id,
        data_categories="Namen en adressen van bewoners",
        retention="5 jaar na afsluiten",
        contact="privacy@rotterdam.example",
    )


def _form(basis_id, **values) -> dict:
    return {name: str(value) for name, value in vars(_fields(basis_id)).items()} | values


def field_error(page: str, field_id: str) -> str:
    match = re.search(
        rf'<div class="utrecht-form-field-error-message" id="{field_id}-error">(.*?)</div>',
        page,
        re.S,
    )
    return html.unescape(re.sub(r"<[^>]+>", " ", match.group(1))).strip() if match else ""


def test_a_confidential_space_is_refused_without_its_privacy_fields(app, client, personas, world):
    login_as(app, client, personas.platform_admin)
    new = "/beheer/werkruimtes/nieuw"
    space = {
        "kind": "restricted",
        "name": "Werkgroep Vertrouwelijk",
        "classification": "vertrouwelijk",
    }
    refused = post_form(
        client, new, {**space, "description": "Wat wij doen", "retention": "1 jaar"}
    )
    page = refused.get_data(as_text=True)
    assert refused.status_code == 422
    for name in ("purpose", "legal_basis_id", "data_categories", "contact"):
        assert field_error(page, name), name  # next to each empty field
    assert not field_error(page, "retention")
    assert 'value="Werkgroep Vertrouwelijk"' in page and "Wat wij doen" in page  # nothing lost
    assert 'value="1 jaar"' in page
    with db_ctx(app):
        assert db.session.scalar(select(Space).filter_by(name="Werkgroep Vertrouwelijk")) is None
    created = post_form(client, new, {**space, **_form(world["basis"])})
    assert created.status_code == 302
    with db_ctx(app):
        made = db.session.scalar(select(Space).filter_by(name="Werkgroep Vertrouwelijk"))
        assert service.statement_of_space(made).retention == "5 jaar na afsluiten"
        actions = db.session.scalars(
            select(AuditEvent.action).where(AuditEvent.space_id == made.id)
        ).all()
        assert actions == ["space.created", "privacy.created"]
    # An `intern` space needs none.
    plain = {"kind": "restricted", "name": "Werkgroep Intern", "classification": "intern"}
    assert post_form(client, new, plain).status_code == 302


def test_raising_a_space_to_vertrouwelijk_needs_its_statement_first(app, client, personas, world):
    login_as(app, client, personas.org_admin_a)
    settings = f"/werkruimtes/{world['own_a']}/instellingen"
    values = {"name": "Gemeente Rotterdam", "description": "", "classification": "vertrouwelijk"}
    refused = post_form(client, settings, values)
    assert refused.status_code == 422
    assert "privacyverklaring" in field_error(refused.get_data(as_text=True), "classification")
    edit = f"/werkruimtes/{world['own_a']}/privacy/bewerken"
    missing = post_form(client, edit, _form(world["basis"], contact=" "))
    assert missing.status_code == 422
    assert field_error(missing.get_data(as_text=True), "contact")
    assert post_form(client, edit, _form(world["basis"])).status_code == 302
    assert post_form(client, settings, values).status_code == 302
    changed = post_form(client, edit, _form(world["basis"], retention="10 jaar"))
    assert changed.status_code == 302
    with db_ctx(app):
        assert db.session.get(Space, world["own_a"]).classification == Classification.VERTROUWELIJK
        assert service.statement_of_space(db.session.get(Space, world["own_a"])).retention == (
            "10 jaar"
        )
        updated = db.session.scalar(
            select(AuditEvent).filter_by(action="privacy.updated", space_id=world["own_a"])
        )
        assert updated.details["changed"] == ["retention"]


def test_members_read_it_from_the_header_with_the_recipients_from_the_grants(
    app, client, personas, world
):
    login_as(app, client, personas.member_a)
    privacy = f"/werkruimtes/{world['group']}/privacy"
    assert privacy in client.get(f"/werkruimtes/{world['group']}").get_data(as_text=True)
    page = client.get(privacy).get_data(as_text=True)
    assert "Nazorg na aanslagen" in page and "5 jaar na afsluiten" in page
    # A grant to A and one to a police officer in person: both organisations receive it.
    assert "Gemeente Rotterdam, Politie Eenheid Rotterdam" in page
    assert "Privacyverklaring bewerken" not in page  # a member does not keep it
    login_as(app, client, personas.member_b)
    assert client.get(privacy).status_code == 404


def test_a_case_shows_its_case_types_statement(app, client, personas, world):
    login_as(app, client, personas.platform_admin)
    edit = "/beheer/privacy/casussen/woning"
    answer = post_form(
        client, edit, _form(world["basis"], purpose="Aanpak van aanslagen op woningen")
    )
    assert answer.status_code == 302
    assert client.get("/beheer/privacy/casussen/kasteel").status_code == 404
    assert client.get(f"/werkruimtes/{world['case_space']}/privacy").status_code == 404
    login_as(app, client, personas.member_a)
    case_page = client.get(f"/casussen/{world['case']}").get_data(as_text=True)
    assert f"/werkruimtes/{world['case_space']}/privacy" in case_page
    page = client.get(f"/werkruimtes/{world['case_space']}/privacy").get_data(as_text=True)
    assert "Aanpak van aanslagen op woningen" in page
    assert "Gemeente Rotterdam, Politie Eenheid Rotterdam" in page  # the case's participants
    login_as(app, client, personas.member_a, mfa_verified=False)
    assert client.get(f"/werkruimtes/{world['case_space']}/privacy").status_code == 403


def test_the_processing_register(app, client, personas, world):
    login_as(app, client, personas.platform_admin)
    page = client.get("/beheer/verwerkingsregister").get_data(as_text=True)
    assert "Werkgroep Nazorg" in page and "Nazorg na aanslagen" in page
    assert "Nog geen privacyverklaring" in page  # the organisations' own spaces
    assert "Casussen: woning" in page
    export = client.get("/beheer/verwerkingsregister?formaat=csv")
    assert export.mimetype == "text/csv"
    rows = export.get_data(as_text=True)
    assert '"Werkgroep Nazorg";"werkruimte";"Nazorg na aanslagen"' in rows
    assert '"Gemeente Rotterdam, Politie Eenheid Rotterdam";"5 jaar na afsluiten"' in rows
    with db_ctx(app):
        case_spaces = db.session.scalars(select(Space.name).filter_by(kind=SpaceKind.CASE)).all()
    assert case_spaces and not any(name in rows for name in case_spaces)
    with db_ctx(app):
        exported = select(AuditEvent.action).filter_by(action="privacy.register_exported")
        assert db.session.scalars(exported).all() == ["privacy.register_exported"]
    # An organisation's admins: the spaces it owns or manages, not another's nor a working
    # group it only contributes to.
    login_as(app, client, personas.org_admin_a)
    mine = client.get(f"/organisaties/{personas.orgs['gemeente_a']}/verwerkingsregister")
    text = mine.get_data(as_text=True)
    assert mine.status_code == 200
    assert f"/werkruimtes/{world['own_a']}/privacy" in text
    assert f"/werkruimtes/{world['own_b']}/privacy" not in text
    assert "Werkgroep Nazorg" not in text
    with db_ctx(app):
        assert db.session.scalar(select(PrivacyStatement).filter_by(case_type="woning")) is None
