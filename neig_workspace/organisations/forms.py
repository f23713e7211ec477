"""Forms of the organisation pages."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField, ValidationError
from wtforms.validators import Length

from ..accounts.forms import role_choices
from ..editing import VersionFields
from ..forms import required
from ..text import single_line
from .models import OrgType
from .municipalities import municipalities

ORG_TYPE_LABELS = {
    OrgType.MUNICIPALITY: _l("Gemeente"),
    OrgType.POLICE: _l("Politie"),
    OrgType.PUBLIC_PROSECUTOR: _l("Openbaar Ministerie"),
    OrgType.HOUSING: _l("Woningcorporatie"),
    OrgType.INSURER: _l("Verzekeraar"),
    OrgType.BUSINESS: _l("Bedrijfsleven"),
    OrgType.ASSOCIATION: _l("Vereniging van gemeenten"),
    OrgType.MINISTRY: _l("Ministerie"),
    OrgType.SECRETARIAT: _l("Secretariaat taskforce"),
}


def municipality_choices():
    return [("", _l("— geen gemeente —"))] + [
        (m.cbs_code, f"{m.name} ({m.cbs_code})") for m in municipalities()
    ]


class OrganisationForm(VersionFields, FlaskForm):
    name = StringField(
        _l("Naam"),
        validators=[required(_l("Vul de naam van de organisatie in.")), Length(max=200)],
        filters=[single_line],
        description=_l("Zoals de organisatie zichzelf noemt, bijvoorbeeld ‘Gemeente Rotterdam’."),
    )
    type = SelectField(
        _l("Soort organisatie"),
        choices=[(t.value, label) for t, label in ORG_TYPE_LABELS.items()],
    )
    cbs_code = SelectField(
        _l("Gemeente (CBS-code)"),
        choices=municipality_choices,
        description=_l("Alleen voor gemeenten."),
    )

    def validate_cbs_code(self, field):
        if self.type.data == OrgType.MUNICIPALITY.value and not field.data:
            raise ValidationError(_l("Kies de gemeente."))
        if self.type.data != OrgType.MUNICIPALITY.value and field.data:
            raise ValidationError(_l("Alleen een gemeente heeft een CBS-code."))


class MemberRoleForm(FlaskForm):
    role = SelectField(_l("Rol"), choices=role_choices)
