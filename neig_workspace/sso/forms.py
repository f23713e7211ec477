"""Forms of single sign-on: the e-mail-first login form and a provider's settings."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, PasswordField, StringField, TextAreaField
from wtforms.validators import Length, Optional

from ..accounts.forms import LoginForm
from ..editing import VersionFields
from ..forms import required
from ..text import single_line


class EmailFirstLoginForm(LoginForm):
    """The login form with the password optional: the e-mail address alone is the first step
    (to the organisation's provider, or on to the password); both together log in at once."""

    password = PasswordField(
        _l("Wachtwoord"),
        validators=[Optional(), Length(max=256)],
        render_kw={"autocomplete": "current-password"},
    )


class IdentityProviderForm(VersionFields, FlaskForm):
    enabled = BooleanField(_l("Inloggen via deze inlogdienst staat aan"))
    issuer = StringField(
        _l("Adres van de inlogdienst (issuer)"),
        validators=[required(_l("Vul het adres van de inlogdienst in.")), Length(max=500)],
        filters=[single_line],
        description=_l(
            "Zoals https://login.politie.nl. De overige instellingen haalt NEIG Werkruimte op "
            "via /.well-known/openid-configuration."
        ),
        render_kw={"spellcheck": "false", "autocomplete": "off"},
    )
    client_id = StringField(
        _l("Client-id"),
        validators=[required(_l("Vul de client-id in.")), Length(max=255)],
        filters=[single_line],
        render_kw={"spellcheck": "false", "autocomplete": "off"},
    )
    client_secret = PasswordField(
        _l("Clientgeheim"),
        validators=[Optional(), Length(max=500)],
        render_kw={"autocomplete": "new-password"},
    )
    domains = TextAreaField(
        _l("E-maildomeinen"),
        validators=[required(_l("Vul minstens één e-maildomein in.")), Length(max=2000)],
        description=_l(
            "Eén per regel, zoals politie.nl. Wie met zo'n adres inlogt, gaat naar deze "
            "inlogdienst."
        ),
        render_kw={"rows": 3, "spellcheck": "false"},
    )
    allow_password = BooleanField(_l("Leden mogen ook met een wachtwoord inloggen"))
    allow_account_creation = BooleanField(
        _l(
            "Wie via de inlogdienst inlogt zonder account of uitnodiging, krijgt een account "
            "(als lid)"
        )
    )
    mfa_acr_values = StringField(
        _l("acr-waarden die tweestapsverificatie betekenen"),
        validators=[Optional(), Length(max=500)],
        filters=[single_line],
        description=_l(
            "Gescheiden door spaties. Meldt de inlogdienst een van deze waarden, of een amr "
            "zoals mfa, otp of hwk, dan vraagt NEIG Werkruimte niet nog eens om een code."
        ),
        render_kw={"spellcheck": "false", "autocomplete": "off"},
    )
