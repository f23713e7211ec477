"""Originator control (release requests and decisions, re-sharing timeline entries), the
disclosure register and the case export."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select

from ..access.policy import (
    can,
    load_child_or_404,
    load_or_404,
    not_found,
    visible_documents,
    visible_release_requests,
    visible_spaces,
)
from ..documents.models import Document
from ..extensions import db
from ..forms import REFUSED, commit_side_effect, run_use_case
from ..integers import parse_int, query_int
from ..organisations.models import Organisation
from ..pagination import paginate
from ..spaces.models import Space, SpaceKind
from ..tabular import csv_download
from . import disclosures, originator, service
from .accountability_forms import (
    AddressSearchForm,
    DecisionForm,
    EntryShareForm,
    ReleaseRequestForm,
)
from .blueprint import bp, load_case
from .models import (
    Case,
    CaseOrganisation,
    ReleaseAction,
    ReleaseRequest,
    ReleaseState,
    TimelineEntry,
)

ACTION_LABELS = {
    ReleaseAction.COPY: _l("kopiëren naar een andere werkruimte"),
    ReleaseAction.LINK: _l("koppelen aan een andere casus"),
    ReleaseAction.EXPORT: _l("meenemen in de export van de casus"),
    ReleaseAction.SHARE: _l("delen met een andere deelnemer"),
}

STATE_LABELS = {
    ReleaseState.PENDING: _l("wacht op besluit"),
    ReleaseState.APPROVED: _l("toegestaan"),
    ReleaseState.REFUSED: _l("geweigerd"),
    ReleaseState.USED: _l("gebruikt"),
}


@bp.app_errorhandler(originator.ReleaseNeeded)
def release_refused(error: originator.ReleaseNeeded):
    """Any path out of a case without the supplier's approval: nothing changes, the refusal
    is audited, and the page says whose approval is needed and how to ask for it."""
    db.session.rollback()
    commit_side_effect(originator.record_refusal, error, actor=current_user)
    target = error.target_space_id or error.target_org_id
    ask = url_for(
        "cases.request_release",
        case_id=error.item.case.id,
        item=f"{error.item.type}:{error.item.id}",
        actie=error.action.value,
        doel=target,
    )
    return render_template(
        "cases/release_refused.html", error=error, ask=ask, action_labels=ACTION_LABELS
    ), 403


# --- asking for a release ---------------------------------------------------------------------


def _int_or_404(text: str) -> int:
    """An id named in the query string; one that is no id at all names nothing (404)."""
    number = parse_int(text, minimum=0)
    if number is None:
        abort(404)
    return number


def _requested_item(case: Case) -> originator.Item:
    """The item named in ?item=document:<id> or entry:<id>, as the user may see it."""
    kind, _sep, raw = request.args.get("item", "").partition(":")
    if kind == "document":  # only one of this case's
        document = load_child_or_404(case.space, Document, _int_or_404(raw), "document.view")
        return originator.document_item(document)
    if kind == "entry":
        entry = load_child_or_404(case, TimelineEntry, _int_or_404(raw), "case_entry.view")
        return originator.entry_item(entry)
    abort(404)  # no such kind of item


def _requested_target(case: Case, action: ReleaseAction):
    """(target space, target organisation) for the action, checked against what it needs."""
    raw = request.args.get("doel")
    if action == ReleaseAction.EXPORT:
        return None, None
    if action == ReleaseAction.SHARE:
        org_id = _int_or_404(raw)
        if org_id not in {co.organisation_id for co in case.organisations}:
            not_found("case.view", target=("organisation", org_id))
        return None, db.session.get(Organisation, org_id)
    space = load_or_404(Space, _int_or_404(raw), "space.upload")
    if (space.kind == SpaceKind.CASE) != (
        action == ReleaseAction.LINK
    ) or space.id == case.space_id:
        not_found("space.upload", target=("space", space.id))
    return space, None


@bp.route("/casussen/<int:case_id>/vrijgave/nieuw", methods=["GET", "POST"])
def request_release(case_id):
    """Ask the supplier's case managers to let an item leave the case by one path."""
    case = load_case(case_id)
    item = _requested_item(case)
    try:
        action = ReleaseAction(request.args.get("actie", ""))
    except ValueError:
        abort(404)
    space, organisation = _requested_target(case, action)
    form = ReleaseRequestForm()
    if form.validate_on_submit():
        done = run_use_case(
            form,
            lambda: originator.request_release(
                item,
                action,
                target_space_id=space.id if space else None,
                target_org_id=organisation.id if organisation else None,
                reason=form.reason.data,
                actor=current_user,
            ),
            success=_("Uw verzoek is verstuurd naar de casusregisseurs van de leverancier."),
        )
        if done is not REFUSED:
            return redirect(url_for("cases.releases", case_id=case.id))
    return render_template(
        "cases/release_request.html",
        case=case,
        item=item,
        supplier=db.session.get(Organisation, item.supplier_id),
        action_label=ACTION_LABELS[action],
        space=space,
        organisation=organisation,
        form=form,
    ), 422 if form.is_submitted() else 200


# --- the requests of a case and the decisions -------------------------------------------------


def _labels_for(requests: list[ReleaseRequest]) -> tuple[dict, dict]:
    """Titles of the documents and names of the target spaces the user may see (two queries)."""
    document_ids = [r.item_id for r in requests if r.item_type == "document"]
    titles = dict(
        db.session.execute(
            select(Document.id, Document.title).where(
                Document.id.in_(document_ids), visible_documents(current_user)
            )
        ).all()
    )
    space_ids = [r.target_space_id for r in requests if r.target_space_id]
    spaces = dict(
        db.session.execute(
            select(Space.id, Space.name).where(
                Space.id.in_(space_ids), visible_spaces(current_user)
            )
        ).all()
    )
    return titles, spaces


@bp.get("/casussen/<int:case_id>/vrijgaven")
def releases(case_id):
    """The release requests of the case the user made or may decide on."""
    case = load_case(case_id)
    query = (
        select(ReleaseRequest)
        .where(ReleaseRequest.case_id == case.id, visible_release_requests(current_user))
        .options(
            db.joinedload(ReleaseRequest.requested_by),
            db.joinedload(ReleaseRequest.supplier),
            db.joinedload(ReleaseRequest.decided_by),
        )
        .order_by(ReleaseRequest.requested_at.desc(), ReleaseRequest.id.desc())
    )
    page = paginate(query)
    titles, spaces = _labels_for(page.items)
    targets = {
        o.id: o.name
        for o in db.session.scalars(
            select(Organisation).where(
                Organisation.id.in_([r.target_organisation_id for r in page.items])
            )
        )
    }
    return render_template(
        "cases/releases.html",
        case=case,
        page=page,
        titles=titles,
        spaces=spaces,
        targets=targets,
        action_labels=ACTION_LABELS,
        state_labels=STATE_LABELS,
        decide={r.id for r in page.items if can(current_user, "case_release.decide", r)},
        form=DecisionForm(),
    )


@bp.post("/casussen/<int:case_id>/vrijgaven/<int:request_id>/besluit")
def decide_release(case_id, request_id):
    """A case manager of the supplier approves or refuses a request."""
    case = load_case(case_id)
    release = load_child_or_404(case, ReleaseRequest, request_id, "case_release.decide")
    form = DecisionForm()
    if form.validate_on_submit():
        run_use_case(
            form,
            lambda: originator.decide_release(
                release,
                approve=form.decision.data == "approve",
                note=form.note.data or "",
                actor=current_user,
            ),
            success=_("Het besluit is opgeslagen; de aanvrager krijgt bericht."),
        )
    for errors in form.errors.values():
        for message in errors:
            flash(message, "error")
    return redirect(url_for("cases.releases", case_id=case.id))


# --- re-sharing a timeline entry --------------------------------------------------------------


@bp.route("/casussen/<int:case_id>/tijdlijn/<int:entry_id>/delen", methods=["GET", "POST"])
def share_entry(case_id, entry_id):
    """Change which participating organisations read a timeline entry."""
    case = load_case(case_id)
    entry = load_child_or_404(case, TimelineEntry, entry_id, "case_entry.reshare")
    form = EntryShareForm(data={"narrowing": entry.narrowing_ids})
    form.narrowing.choices = [(o.id, o.name) for o in _participating(case)]
    if form.validate_on_submit():
        done = run_use_case(
            form,
            lambda: originator.share_entry(entry, form.narrowing.data, actor=current_user),
            success=_("Wie de notitie ziet, is aangepast."),
        )
        if done is not REFUSED:
            return redirect(url_for("cases.share_entry", case_id=case.id, entry_id=entry.id))
    return render_template(
        "cases/entry_share.html", case=case, entry=entry, form=form
    ), 422 if form.is_submitted() else 200


# --- the disclosure register and the export ---------------------------------------------------


def _participating(case: Case) -> list[Organisation]:
    """The case's organisations by name, in one query."""
    return list(
        db.session.scalars(
            select(Organisation)
            .join(CaseOrganisation, CaseOrganisation.organisation_id == Organisation.id)
            .where(CaseOrganisation.case_id == case.id)
            .order_by(Organisation.name)
        )
    )


@bp.get("/casussen/<int:case_id>/verstrekkingen", endpoint="disclosures")
def disclosures_register(case_id):
    """Which organisation received what, when and on which basis."""
    case = load_case(case_id, "case.view_disclosures")
    organisation_id = query_int("organisatie")
    page = paginate(disclosures.register_query(case, organisation_id))
    visible = disclosures.visible_items(page.items, current_user)
    return render_template(
        "cases/disclosures.html",
        case=case,
        page=page,
        organisations=_participating(case),
        organisation_id=organisation_id,
        item_type_label=disclosures.item_type_label,
        item_label=lambda row: disclosures.item_label(row, visible),
        item_purpose=lambda row: disclosures.item_purpose(row, visible),
    )


@bp.get("/casussen/<int:case_id>/verstrekkingen.csv")
def disclosures_csv(case_id):
    """The disclosure register as CSV; audited."""
    case = load_case(case_id, "case.view_disclosures")
    data = commit_side_effect(
        disclosures.export_csv, case, actor=current_user, organisation_id=query_int("organisatie")
    )
    return csv_download(data, f"verstrekkingen-{case.reference.lower()}.csv")


@bp.get("/casussen/<int:case_id>/export.csv")
def export(case_id):
    """The case file as the user may see it, without what others supplied unless approved."""
    case = load_case(case_id)
    data = commit_side_effect(disclosures.export_case_csv, case, actor=current_user)
    return csv_download(data, f"{case.reference.lower()}.csv")


# --- a resident's request: search by address (docs/subject-requests.md) ----------------------


@bp.route("/casussen/adres-zoeken", methods=["GET", "POST"])
def address_search():
    """A case manager looks up the cases they manage at an address, for a resident's request
    (hit / no-hit through the keyed hash); audited. Whoever manages no case (a platform admin)
    finds no such page."""
    if not can(current_user, "case.search_address"):
        not_found("case.search_address")
    form = AddressSearchForm()
    results = None
    if form.validate_on_submit():
        results = commit_side_effect(
            service.search_address,
            form.address.data,
            actor=current_user,
            request_reference=form.reference.data,
        )
    status = 422 if form.is_submitted() and form.errors else 200
    return render_template("cases/address_search.html", form=form, results=results), status
