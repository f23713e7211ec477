"""Statistics for the network (no personal data, the small-cell rule) and the case import."""

import csv
import io
from datetime import date

from flask import redirect, render_template, request, url_for
from flask_babel import format_date
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from ..access.policy import require
from ..actions.export import safe_text
from ..extensions import db
from ..forms import run_use_case
from ..organisations.models import Organisation, OrgType
from ..tabular import csv_download
from ..timeutil import utcnow
from . import imports
from . import statistics as stats  # also registers the action plans' "cases" source
from .blueprint import bp, statistics_page
from .forms import EXPLOSIVE_LABELS, TARGET_LABELS
from .stats_forms import CaseImportForm, StatisticsFilterForm

IMPORT_READ_LIMIT = imports.MAX_BYTES + 1


def _labels() -> dict:
    return {
        "month": {m: format_date(date(2000, m, 1), "MMMM") for m in range(1, 13)},
        "target": TARGET_LABELS,
        "explosive": EXPLOSIVE_LABELS,
    }


def _filters():
    """The filter form and what it chose: a year the page offers, a municipality or None."""
    form = StatisticsFilterForm(request.args)
    years = stats.years()
    municipalities = list(
        db.session.scalars(
            select(Organisation)
            .where(Organisation.type == OrgType.MUNICIPALITY)
            .order_by(Organisation.name)
        )
    )
    form.jaar.choices = [(y, str(y)) for y in years]
    form.gemeente.choices = [("", _("Alle gemeenten"))] + [(m.id, m.name) for m in municipalities]
    year = form.jaar.data if form.jaar.data in years else utcnow().year
    form.jaar.data = year
    municipality = next((m for m in municipalities if m.id == form.gemeente.data), None)
    return form, year, municipality


@bp.get("/casussen/statistiek")
@login_required
@statistics_page
def statistics():
    """Attacks per month, municipality and type for the network; small cells as "< 5"."""
    form, year, municipality = _filters()
    tables = stats.tables(year, municipality, _labels())
    return render_template(
        "cases/statistics.html",
        form=form,
        year=year,
        municipality=municipality,
        tables=tables,
    )


@bp.get("/casussen/statistiek.csv")
@login_required
@statistics_page
def statistics_csv():
    """The same tables as the page, as CSV; never a count under 5."""
    _form, year, municipality = _filters()
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";")
    writer.writerow([_("tabel"), _("jaar"), _("gemeente"), _("categorie"), _("aantal")])
    scope = municipality.name if municipality else _("Alle gemeenten")
    for table in stats.tables(year, municipality, _labels()):
        for label, text in table.rows:
            writer.writerow([table.key, year, safe_text(scope), safe_text(str(label)), text])
        writer.writerow([table.key, year, safe_text(scope), _("totaal"), table.total])
    suffix = f"-{municipality.cbs_code or municipality.id}" if municipality else ""
    return csv_download("\ufeff" + out.getvalue(), f"neig-statistiek-{year}{suffix}.csv")


@bp.route("/casussen/importeren", methods=["GET", "POST"])
@login_required
def import_cases():
    """Import cases from CSV: check first (a dry run), then all or nothing."""
    require("case.import")
    form = CaseImportForm()
    result = None
    if form.validate_on_submit():
        upload = request.files.get("file")
        if upload is None or not upload.filename:
            form.file.errors = [_("Kies een bestand.")]
        else:
            dry_run = request.form.get("stap") != "importeren"
            data = upload.stream.read(IMPORT_READ_LIMIT)
            result = run_use_case(
                form,
                lambda: imports.import_cases(data, actor=current_user, dry_run=dry_run),
                success=lambda done: _("%(n)d casus(sen) geïmporteerd.", n=done.imported),
                keep=lambda done: done.imported,  # a dry run, or a bad file: nothing is kept
            )
            if result.imported:
                return redirect(url_for(".import_cases"))
    failed = form.is_submitted() and (result is None or not result.ok)
    return render_template("cases/import.html", form=form, result=result), 422 if failed else 200
