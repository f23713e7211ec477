"""Forms of the account pages; each lists its fields (no mass assignment)."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, PasswordField, SelectField, StringField
from wtforms.validators import EqualTo, Length, Optional, ValidationError

from ..access.roles import OrgRole
from ..forms import email_field, required
from ..integers import coerce_int

LOCALE_CHOICES = [("nl", "Nederlands"), ("en", "English")]


def role_choices():
    return [
        (OrgRole.MEMBER.value, _l("Lid")),
        (OrgRole.ORG_ADMIN.value, _l("Beheerder van de organisatie")),
    ]


def _password(label, autocomplete="current-password"):
    return PasswordField(
        label,
        validators=[required(_l("Vul uw wachtwoord in.")), Length(max=256)],
        render_kw={"autocomplete": autocomplete},
    )


def _new_password(label=None):
    return PasswordField(
        label or _l("Nieuw wachtwoord"),
        validators=[required(_l("Kies een wachtwoord.")), Length(max=256)],
        description=_l(
            "Minstens 12 tekens. Een zin van vier losse woorden is sterk en goed te onthouden."
        ),
        render_kw={"autocomplete": "new-password"},
    )


def _confirm(field_name):
    return PasswordField(
        _l("Herhaal het wachtwoord"),
        validators=[
            required(_l("Herhaal het wachtwoord.")),
            EqualTo(field_name, message=_l("De twee wachtwoorden zijn niet gelijk.")),
        ],
        render_kw={"autocomplete": "new-password"},
    )


def _code(label=None, description=None):
    return StringField(
        label or _l("Verificatiecode"),
        validators=[required(_l("Vul de code in.")), Length(max=32)],
        description=description
        or _l("De zes cijfers uit uw authenticator-app, of een herstelcode."),
        render_kw={"autocomplete": "one-time-code", "inputmode": "numeric", "spellcheck": "false"},
    )


class LoginForm(FlaskForm):
    email = email_field()
    password = _password(_l("Wachtwoord"))
    next = HiddenField()


class MfaLoginForm(FlaskForm):
    code = _code()


class ForgotPasswordForm(FlaskForm):
    email = email_field()


class ResetPasswordForm(FlaskForm):
    password = _new_password()
    password_confirm = _confirm("password")
    code = StringField(
        _l("Verificatiecode"),
        validators=[Optional(), Length(max=32)],
        description=_l("De zes cijfers uit uw authenticator-app, of een herstelcode."),
        render_kw={"autocomplete": "one-time-code", "inputmode": "numeric"},
    )


class AcceptInvitationForm(FlaskForm):
    name = StringField(
        _l("Uw naam"),
        validators=[required(_l("Vul uw naam in.")), Length(max=200)],
        render_kw={"autocomplete": "name"},
    )
    password = _new_password(_l("Wachtwoord"))
    password_confirm = _confirm("password")


class ProfileForm(FlaskForm):
    name = StringField(_l("Naam"), validators=[required(_l("Vul uw naam in.")), Length(max=200)])
    locale = SelectField(_l("Taal"), choices=LOCALE_CHOICES)


class ChangePasswordForm(FlaskForm):
    current_password = _password(_l("Huidig wachtwoord"))
    new_password = _new_password()
    new_password_confirm = _confirm("new_password")


class ChangeEmailForm(FlaskForm):
    email = email_field(_l("Nieuw e-mailadres"))
    password = _password(_l("Huidig wachtwoord"))
    #: Only for an account with MFA (the service asks for it then; the page shows it then).
    code = StringField(
        _l("Verificatiecode"),
        validators=[Optional(), Length(max=32)],
        description=_l("De zes cijfers uit uw authenticator-app, of een herstelcode."),
        render_kw={"autocomplete": "one-time-code", "inputmode": "numeric"},
    )


class MfaEnrolForm(FlaskForm):
    code = _code(_l("Code uit de app"), _l("De zes cijfers die de app nu toont."))
    password = _password(_l("Uw wachtwoord"))


class MfaReauthForm(FlaskForm):
    password = _password(_l("Uw wachtwoord"))
    code = _code()


class InviteForm(FlaskForm):
    email = email_field()
    role = SelectField(_l("Rol in de organisatie"), choices=role_choices)


class InviteAnyForm(InviteForm):
    organisation = SelectField(_l("Organisatie"), coerce=coerce_int, validate_choice=True)


class GlobalRolesForm(FlaskForm):
    platform_admin = BooleanField(_l("Platformbeheerder"))
    secretariat = BooleanField(_l("Secretariaat OTE"))


class EraseAccountForm(FlaskForm):
    """Erasing an account cannot be undone: the admin types its e-mail address to confirm."""

    confirm = StringField(
        _l("Typ het e-mailadres van het account ter bevestiging"),
        validators=[required(_l("Typ het e-mailadres van het account.")), Length(max=254)],
        render_kw={"autocomplete": "off", "spellcheck": "false"},
    )

    def __init__(self, *args, email: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.expected = email

    def validate_confirm(self, field) -> None:
        if (field.data or "").strip().lower() != self.expected.lower():
            raise ValidationError(_l("Dit is niet het e-mailadres van dit account."))
