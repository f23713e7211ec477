"""In-app help: a short page per part of the workspace, at /hulp/<part>, linked from each part's
page header (templates/macros/help.html). The text is here, translatable, one paragraph at a time."""

from dataclasses import dataclass

from flask import Blueprint, abort, render_template
from flask_babel import lazy_gettext as _l
from flask_login import login_required

bp = Blueprint("help", __name__)


@dataclass(frozen=True)
class HelpPage:
    title: object
    sections: tuple


PAGES = {
    "werkruimtes": HelpPage(
        _l("Hulp bij werkruimtes"),
        (
            (
                _l("Wat is een werkruimte?"),
                (
                    _l(
                        "Een werkruimte is een plek waar organisaties samenwerken aan één onderwerp: een werkgroep, een project of het werk van uw eigen organisatie. Er staan documenten, concepten, commentaarrondes, actieplannen en bijeenkomsten in."
                    ),
                    _l(
                        "Onder ‘Eigen organisatie’ staan de werkruimtes van uw organisatie; onder ‘Van andere organisaties’, ‘Gedeeld met het netwerk’ en ‘Beperkt gedeeld’ de werkruimtes die anderen met u of uw organisatie delen."
                    ),
                ),
            ),
            (
                _l("Wie heeft toegang?"),
                (
                    _l(
                        "Bovenaan elke werkruimte staat wie er toegang heeft (bijvoorbeeld ‘Alleen Gemeente Rotterdam’ of ‘Gedeeld met 3 organisaties’) en hoe vertrouwelijk de inhoud is."
                    ),
                    _l(
                        "Beheerders van een werkruimte geven toegang op de pagina Leden: aan een organisatie, aan haar beheerders, aan één persoon of aan het hele netwerk. Het hele netwerk toegang geven vraagt een extra bevestiging."
                    ),
                    _l(
                        "Rollen: lezer (alleen lezen), bijdrager (documenten toevoegen en reageren), redacteur (alle documenten bewerken) en beheerder (ook toegang regelen)."
                    ),
                ),
            ),
            (
                _l("Activiteit"),
                (
                    _l(
                        "Onder Activiteit ziet u wat er in de werkruimte is gebeurd, de nieuwste eerst: wie wat heeft geüpload, gewijzigd of becommentarieerd. U ziet alleen wat u zelf mag lezen."
                    ),
                ),
            ),
        ),
    ),
    "documenten": HelpPage(
        _l("Hulp bij documenten"),
        (
            (
                _l("Uploaden en versies"),
                (
                    _l(
                        "Kies in een werkruimte Documenten en dan Uploaden. Elk bestand wordt op virussen gecontroleerd voordat iemand het kan openen."
                    ),
                    _l(
                        "Staat er al een bestand met dezelfde naam in de map, dan vraagt de werkruimte of u een nieuwe versie wilt toevoegen of beide wilt houden. Eerdere versies blijven bewaard en zijn terug te zetten."
                    ),
                ),
            ),
            (
                _l("Concepten schrijven"),
                (
                    _l(
                        "Met Nieuw concept schrijft u een tekst in de werkruimte zelf. Elke keer opslaan maakt een nieuwe versie; met Versies vergelijken ziet u wat er per woord is veranderd."
                    ),
                ),
            ),
            (
                _l("Status en zichtbaarheid"),
                (
                    _l(
                        "Een document is concept, in consultatie (tijdens een commentaarronde), vastgesteld of gearchiveerd. Redacteuren wijzigen de status; elke wijziging staat in de geschiedenis van het document."
                    ),
                    _l(
                        "Een document kan beperkt zichtbaar zijn: dan zien alleen de gekozen organisaties het, ook in zoekresultaten, lijsten en meldingen."
                    ),
                    _l(
                        "Verwijderde documenten staan nog een tijd in de prullenbak van de werkruimte en zijn daar terug te halen."
                    ),
                ),
            ),
        ),
    ),
    "commentaarrondes": HelpPage(
        _l("Hulp bij commentaarrondes"),
        (
            (
                _l("Een ronde starten"),
                (
                    _l(
                        "Een redacteur of het secretariaat start bij een concept een commentaarronde: kies de organisaties die u uitnodigt, een termijn en eventueel een bericht. Het document staat dan ‘in consultatie’."
                    ),
                    _l(
                        "Reageren kan tot en met de laatste dag van de termijn, tot middernacht Nederlandse tijd. Daarna kan de ronde worden verlengd of gesloten."
                    ),
                ),
            ),
            (
                _l("Reageren"),
                (
                    _l(
                        "Uitgenodigde organisaties reageren op het hele document of op een alinea. Met @ en twee letters noemt u een collega; die krijgt een melding als hij het document mag lezen."
                    ),
                ),
            ),
            (
                _l("Verwerken"),
                (
                    _l(
                        "Redacteuren geven bij elke reactie een antwoord en een besluit (overgenomen, deels overgenomen, niet overgenomen). De commentaartabel is te downloaden als Word, Excel of CSV, geordend per alinea."
                    ),
                ),
            ),
        ),
    ),
    "casussen": HelpPage(
        _l("Hulp bij casussen"),
        (
            (
                _l("Wat is een casus?"),
                (
                    _l(
                        "Een casus is één aanslag met een explosief: wanneer en waar (zo grof als kan), het doelwit, het soort explosief, schade en gewonden. Een casus gaat van gemeld via in behandeling en nazorg naar afgesloten."
                    ),
                    _l(
                        "Casussen openen alleen na inloggen met uw tweede factor (een code uit een authenticator-app)."
                    ),
                ),
            ),
            (
                _l("Wie ziet wat?"),
                (
                    _l(
                        "De kernpartners (meestal de lokale driehoek: gemeente, politie en OM) lezen alles in de casus wat niet is afgeschermd. Andere partners, zoals een woningcorporatie of verzekeraar, zien alleen wat aan hen is gegeven."
                    ),
                    _l(
                        "Het volledige adres zien alleen organisaties met adrestoegang. Elke keer dat iemand de casus opent, staat in het toegangslog."
                    ),
                    _l(
                        "Wat een organisatie aanleverde, gaat alleen met haar toestemming de casus uit: een kopie, een koppeling of een export."
                    ),
                ),
            ),
            (
                _l("Maatregelen, nazorg en tijdlijn"),
                (
                    _l(
                        "Leg maatregelen van de burgemeester vast met hun wettelijke grondslag (bijvoorbeeld sluiting op grond van art. 174a Gemeentewet), nazorgtaken per partner en een tijdlijn van notities. Een notitie wordt nooit gewijzigd: een correctie is een nieuwe notitie."
                    ),
                ),
            ),
        ),
    ),
    "actieplan": HelpPage(
        _l("Hulp bij het actieplan"),
        (
            (
                _l("Het actieplan"),
                (
                    _l(
                        "Het actieplan van het Offensief tegen Explosies heeft actielijnen (preventie, repressie, weerbaarheid, nazorg) met actiepunten. Het doel: minstens 10% minder (pogingen tot) aanslagen dan in 2024."
                    ),
                    _l(
                        "Het secretariaat en de redacteuren van de werkruimte beheren het plan: actiepunten, mijlpalen, de aanslagen per maand en het importeren uit Excel of CSV."
                    ),
                ),
            ),
            (
                _l("Voortgang melden"),
                (
                    _l(
                        "Leden van de trekkende en bijdragende organisaties melden voortgang bij een actiepunt: een korte notitie met datum, en zo nodig een nieuwe status (niet gestart, op schema, risico, vertraagd, afgerond of vervallen)."
                    ),
                    _l(
                        "De einddatum van een actiepunt hoort binnen de looptijd van het plan te vallen; de werkruimte waarschuwt als dat niet zo is."
                    ),
                ),
            ),
            (
                _l("Dashboard en rapportage"),
                (
                    _l(
                        "Het dashboard toont grafieken met daaronder dezelfde cijfers in een tabel. De voortgangsrapportage is af te drukken of als PDF te bewaren. Actiepunten die beperkt zichtbaar zijn, zijn daar zo gemarkeerd."
                    ),
                ),
            ),
        ),
    ),
    "netwerk": HelpPage(
        _l("Hulp bij het netwerk"),
        (
            (
                _l("Kennisbank"),
                (
                    _l(
                        "In de Kennisbank staan goede voorbeelden, handelingskaders, geanonimiseerde casuïstiek en nieuws. Markeer een artikel als nuttig of reageer eronder."
                    ),
                ),
            ),
            (
                _l("Bijeenkomsten"),
                (
                    _l(
                        "Onder Bijeenkomsten staan kennissessies en overleggen. Meld u aan met één klik; is de bijeenkomst vol, dan komt u op de wachtlijst en hoort u het als er een plek vrijkomt."
                    ),
                ),
            ),
            (
                _l("Ledenoverzicht"),
                (
                    _l(
                        "Het Ledenoverzicht laat zien welke organisaties meedoen en wie u kunt bellen. U staat er alleen in als u dat zelf aanzet bij Mijn account."
                    ),
                ),
            ),
            (
                _l("Aanmelden"),
                (
                    _l(
                        "Organisaties melden zich aan via het openbare aanmeldformulier; VNG beoordeelt elke aanmelding."
                    ),
                ),
            ),
        ),
    ),
    "inloggen": HelpPage(
        _l("Hulp bij inloggen en tweestapsverificatie"),
        (
            (
                _l("Waarom tweestapsverificatie?"),
                (
                    _l(
                        "In de werkruimte staan casussen, namen en adressen. Een wachtwoord alleen is daarvoor niet genoeg: bij het inloggen vraagt de werkruimte ook een code van zes cijfers uit een app op uw telefoon. Wie uw wachtwoord kent, komt zonder die telefoon niet binnen."
                    ),
                    _l(
                        "Voor beheerders, en in productie voor iedereen, is tweestapsverificatie verplicht. Tot u het hebt ingesteld opent alleen de pagina om het in te stellen (en deze hulp)."
                    ),
                ),
            ),
            (
                _l("Instellen"),
                (
                    _l(
                        "Installeer een authenticator-app op uw telefoon, bijvoorbeeld de app die uw organisatie voorschrijft. Scan in die app de QR-code op de pagina ‘Tweestapsverificatie instellen’, of typ de geheime sleutel over die eronder staat."
                    ),
                    _l(
                        "Vul daarna de code uit de app en uw wachtwoord in. U krijgt dan tien herstelcodes: download of print ze en bewaar ze op een veilige plek, niet op dezelfde telefoon. Ze worden maar één keer getoond."
                    ),
                ),
            ),
            (
                _l("Telefoon kwijt of nieuw?"),
                (
                    _l(
                        "Log in met een van uw herstelcodes in plaats van de code uit de app; elke herstelcode werkt één keer. Stel daarna tweestapsverificatie opnieuw in op uw nieuwe telefoon."
                    ),
                    _l(
                        "Hebt u geen herstelcodes meer? Neem dan contact op met de beheerder van uw organisatie. Niemand van de werkruimte vraagt u ooit om een code of wachtwoord."
                    ),
                ),
            ),
        ),
    ),
}


@bp.get("/hulp")
@login_required
def index():
    """Every help page."""
    return render_template("help/index.html", pages=PAGES)


@bp.get("/hulp/<part>")
@login_required
def page(part):
    """The help of one part; an unknown part is 404."""
    found = PAGES.get(part)
    if found is None:
        abort(404)
    return render_template("help/page.html", page=found, part=part, pages=PAGES)
