"""What the results page shows of each hit: its type, a link, a title, where it belongs (its
space, plan, subject or case) and a date. Built from the rows of one page, with what their
SELECT loaded along (query.py's options): no query per hit.

A case hit links to the case page (with the item's anchor), which records every time it is
shown as a read in the case's access log: opening a case hit is audited as a read.
"""

from dataclasses import dataclass, field
from datetime import datetime

from flask import url_for
from flask_babel import lazy_gettext as _l

from ..cases.items import ENTRY_KIND_LABELS, MEASURE_TYPE_LABELS, TASK_KIND_LABELS
from ..comments.subjects import subject_of

#: The name of each kind (?soort=), in the order of query.KINDS.
KIND_LABELS = {
    "documenten": _l("Documenten"),
    "concepten": _l("Tekstconcepten"),
    "reacties": _l("Reacties"),
    "actiepunten": _l("Actiepunten"),
    "kennisbank": _l("Kennisbank"),
    "bijeenkomsten": _l("Bijeenkomsten"),
    "casussen": _l("Casussen"),
    "maatregelen": _l("Maatregelen"),
    "nazorgtaken": _l("Nazorgtaken"),
    "tijdlijn": _l("Tijdlijn van casussen"),
}
#: The type shown beside one hit.
TYPE_LABELS = {
    "documenten": _l("Document"),
    "concepten": _l("Tekstconcept"),
    "reacties": _l("Reactie"),
    "actiepunten": _l("Actiepunt"),
    "kennisbank": _l("Kennisbankartikel"),
    "bijeenkomsten": _l("Bijeenkomst"),
    "casussen": _l("Casus"),
    "maatregelen": _l("Maatregel"),
    "nazorgtaken": _l("Nazorgtaak"),
    "tijdlijn": _l("Tijdlijnregel"),
}


@dataclass
class Hit:
    id: int
    url: str
    title: str
    type: str
    date: datetime
    #: Where it belongs, each shown after the type ("Werkruimte X", "Casus NEIG-2026-0001").
    context: list = field(default_factory=list)


def _document(kind, d) -> Hit:
    filename = d.latest.filename if d.latest else ""
    return Hit(
        d.id,
        url_for("documents.show", document_id=d.id),
        d.title,
        TYPE_LABELS[kind],
        d.updated_at,
        [d.space.name, filename],
    )


def _comment(_kind, c) -> Hit:
    subject = subject_of(c)
    return Hit(
        c.id,
        f"{subject.url}#reactie-{c.id}",
        _l("Reactie op %(title)s", title=subject.title),
        TYPE_LABELS["reacties"],
        c.created_at,
        [c.author.name if c.author else _l("onbekend")],
    )


def _item(_kind, i) -> Hit:
    context = [i.plan.name] + ([_l("gearchiveerd")] if i.archived_at else [])
    return Hit(
        i.id,
        url_for("actions.item", item_id=i.id),
        f"{i.code} {i.title}",
        TYPE_LABELS["actiepunten"],
        i.updated_at,
        context,
    )


def _article(_kind, a) -> Hit:
    return Hit(
        a.id,
        url_for("knowledge.show", article_id=a.id),
        a.title,
        TYPE_LABELS["kennisbank"],
        a.updated_at,
        [a.organisation.name],
    )


def _meeting(_kind, m) -> Hit:
    context = [m.location] if m.location else []
    if m.cancelled_at:
        context.append(_l("geannuleerd"))
    return Hit(
        m.id,
        url_for("meetings.show", meeting_id=m.id),
        m.title,
        TYPE_LABELS["bijeenkomsten"],
        m.starts_at,
        context,
    )


def _case(_kind, c) -> Hit:
    return Hit(
        c.id,
        url_for("cases.show", case_id=c.id),
        _l("Casus %(reference)s", reference=c.reference),
        TYPE_LABELS["casussen"],
        c.occurred_at,
        [c.municipality.name],
    )


def _case_item(kind, anchor, title, item, date) -> Hit:
    url = url_for("cases.show", case_id=item.case_id, _anchor=f"{anchor}-{item.id}")
    reference = _l("Casus %(reference)s", reference=item.case.reference)
    return Hit(item.id, url, title, TYPE_LABELS[kind], date, [reference])


def _measure(kind, m) -> Hit:
    return _case_item(kind, "maatregel", MEASURE_TYPE_LABELS[m.type], m, m.updated_at)


def _task(kind, t) -> Hit:
    return _case_item(kind, "taak", TASK_KIND_LABELS[t.kind], t, t.updated_at)


def _entry(kind, e) -> Hit:
    return _case_item(kind, "regel", ENTRY_KIND_LABELS[e.kind], e, e.occurred_at)


_BUILDERS = {
    "documenten": _document,
    "concepten": _document,
    "reacties": _comment,
    "actiepunten": _item,
    "kennisbank": _article,
    "bijeenkomsten": _meeting,
    "casussen": _case,
    "maatregelen": _measure,
    "nazorgtaken": _task,
    "tijdlijn": _entry,
}


def hits(kind: str, rows) -> list[Hit]:
    """The hits of one page of `kind`."""
    build = _BUILDERS[kind]
    return [build(kind, row) for row in rows]
