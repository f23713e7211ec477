"""Demo articles in the network's Kennisbank space; the caller commits."""

from datetime import timedelta

from sqlalchemy import select

from ..access.roles import SpaceRole
from ..extensions import db
from ..organisations.models import Membership, OrgType
from ..spaces.models import PrincipalType, Space, SpaceKind
from ..spaces.service import add_grant, create_space
from ..timeutil import utcnow
from . import service
from .models import ArticleKind, Theme

DEMO_SPACE_NAME = "Kennisbank"

#: (title, kind, themes, audiences, author organisation, days ago, summary, body)
DEMO_ARTICLES = [
    (
        "Handelingskader explosies voor gemeenten",
        ArticleKind.FRAMEWORK,
        [Theme.APPROACH, Theme.AFTERCARE, Theme.COOPERATION],
        [OrgType.MUNICIPALITY, OrgType.POLICE, OrgType.PUBLIC_PROSECUTOR],
        "Gemeente Rotterdam",
        40,
        "Wat de gemeente doet in het eerste uur, de eerste dag en de eerste week na een explosie.",
        "## Het eerste uur\n\n"
        "- De politie zet af; de gemeente stuurt een **crisiscoördinator** naar de plek.\n"
        "- Bel de burgemeester en het OM: de lokale driehoek besluit over maatregelen.\n\n"
        "## De eerste dag\n\n"
        "1. Bewonersbrief in de straat (sjabloon in de bijlagen).\n"
        "2. Woningcorporatie en verzekeraar inlichten over schade.\n"
        "3. Afweging: sluiting op grond van artikel 174a Gemeentewet of 13b Opiumwet.\n\n"
        "## De eerste week\n\n"
        "Evalueer met de driehoek en leg afspraken over nazorg vast.",
    ),
    (
        "Nazorg voor buurtbewoners na een aanslag",
        ArticleKind.BEST_PRACTICE,
        [Theme.AFTERCARE, Theme.COMMUNICATION, Theme.RESILIENCE],
        [OrgType.MUNICIPALITY, OrgType.HOUSING],
        "Gemeente Amsterdam",
        21,
        "Een koffieochtend binnen drie dagen en één vast aanspreekpunt: wat buurtbewoners helpt.",
        "Na elke explosie organiseren wij binnen drie dagen een *koffieochtend* in het buurthuis, "
        "samen met de wijkagent en de corporatie.\n\n"
        "**Wat werkt**\n\n"
        "- Eén vast aanspreekpunt bij de gemeente, met een telefoonnummer dat wordt opgenomen.\n"
        "- Slachtofferhulp Nederland schuift aan.\n"
        "- Na zes weken een tweede bezoek aan de directe buren.\n\n"
        "**Wat we anders zouden doen**: eerder de verzekeraar betrekken bij glasschade.",
    ),
    (
        "Factsheet: sluiting op grond van artikel 13b Opiumwet (Damocles)",
        ArticleKind.FACTSHEET,
        [Theme.LAW, Theme.APPROACH],
        [OrgType.MUNICIPALITY, OrgType.PUBLIC_PROSECUTOR],
        "VNG",
        60,
        "De sluitingsbevoegdheid van de burgemeester bij drugs in woningen en lokalen, kort.",
        "De burgemeester kan een woning of lokaal sluiten als daar drugs worden verkocht, "
        "afgeleverd of verstrekt, of daartoe aanwezig zijn (artikel 13b Opiumwet).\n\n"
        "- Leg het beleid vast in een **Damoclesbeleid**.\n"
        "- Weeg de evenredigheid per geval: wie woont er, hoe lang, welke alternatieven zijn er?\n"
        "- Bij explosies is vaak artikel 174a Gemeentewet de passender grondslag.\n\n"
        "Zie ook de jurisprudentie van de Afdeling bestuursrechtspraak over evenredigheid.",
    ),
    (
        "Casuïstiek: drie explosies in één straat (geanonimiseerd)",
        ArticleKind.CASE_STUDY,
        [Theme.APPROACH, Theme.COOPERATION, Theme.DETECTION],
        [OrgType.MUNICIPALITY, OrgType.POLICE, OrgType.HOUSING],
        "Gemeente Rotterdam",
        10,
        "Hoe een reeks aanslagen op één pand werd doorbroken met bestuurlijke maatregelen.",
        "In een middelgrote gemeente vonden binnen vier maanden drie explosies plaats bij "
        "hetzelfde pand. Namen en adressen zijn weggelaten.\n\n"
        "1. Na de tweede explosie sloot de burgemeester het pand voor drie maanden.\n"
        "2. De corporatie bood de bewoners tijdelijk andere woonruimte aan.\n"
        "3. Cameratoezicht in de straat, en een buurtapp met de wijkagent.\n\n"
        "**Les**: het signaal van de eerste explosie werd niet gedeeld met de corporatie.",
    ),
    (
        "Weerbaar ondernemen: preventie bij winkelpanden",
        ArticleKind.BEST_PRACTICE,
        [Theme.PREVENTION, Theme.RESILIENCE],
        [OrgType.MUNICIPALITY, OrgType.BUSINESS, OrgType.INSURER],
        "Gemeente Utrecht",
        5,
        "Een schouw met ondernemers en verzekeraar vóórdat er iets gebeurt.",
        "Met het Centrum voor Criminaliteitspreventie en Veiligheid lopen we een **schouw** langs "
        "winkelpanden: rolluiken, verlichting en camera's.\n\n"
        "Ondernemers die meedoen krijgen korting op hun verzekeringspremie.",
    ),
]


def _knowledge_space(organisations: dict) -> Space:
    """The demo's shared Kennisbank space (neig_workspace/demo.py makes it), registered as a
    knowledge base; made here when the demo did not. The name is only looked up in the demo's
    own data: the application knows knowledge spaces by their registration, never by name."""
    space = db.session.scalar(
        select(Space).where(Space.name == DEMO_SPACE_NAME, Space.kind == SpaceKind.SHARED)
    )
    if space is None:
        space = create_space(SpaceKind.SHARED, DEMO_SPACE_NAME, actor=None)
        add_grant(space, PrincipalType.NETWORK, SpaceRole.CONTRIBUTOR, actor=None)
        add_grant(
            space,
            PrincipalType.ORGANISATION,
            SpaceRole.MANAGER,
            organisation=organisations["VNG"],
            actor=None,
        )
    service.register_space(space)
    return space


def load_demo(organisations: dict) -> None:
    """Five articles in the Kennisbank space; the caller commits."""
    space = _knowledge_space(organisations)
    now = utcnow()
    for title, kind, themes, audiences, org_name, days, summary, body in DEMO_ARTICLES:
        organisation = organisations[org_name]
        author = db.session.scalar(
            select(Membership).where(Membership.organisation_id == organisation.id).limit(1)
        )
        service.build_article(
            space,
            organisation.id,
            service.ArticleInput(title, summary, body, kind, themes, audiences),
            author_id=author.user_id if author else None,
            published_at=now - timedelta(days=days),
        )
    db.session.flush()
