"""The Better Care Fund quarterly return as an XLSX workbook, following the national
quarterly reporting template's structure as far as OneStory holds it: a cover sheet, the
section 75 agreement, income (contributions by source), expenditure (each scheme's planned
and actual spend for the quarter and the year to date) and the metrics against their
targets. Metrics are the published (suppressed) figures: a withheld figure is written as
"Suppressed (fewer than 8)", never as its count. The download is audited with counts."""

import io
from datetime import date

from openpyxl import Workbook
from openpyxl.styles import Font

from onestory.audit.actions import record_event
from onestory.audit.domain.actor import Actor
from onestory.bcf import queries
from onestory.bcf.domain import plan
from onestory.bcf.models import Agreement
from onestory.commissioning.domain import suppression

SHEETS = ("Cover", "Agreement", "Income", "Expenditure", "Metrics")
SUPPRESSED = f"Suppressed ({suppression.LABEL})"
BOLD = Font(bold=True)


def _pounds(pence: int | None):
    return None if pence is None else round(pence / 100, 2)


def _header(ws, *titles: str) -> None:
    ws.append(list(titles))
    for cell in ws[ws.max_row]:
        cell.font = BOLD


MONEY_FORMAT = '"£"#,##0.00'


def _tidy(ws) -> None:
    """Money columns (headed "(£)") formatted as pounds; columns wide enough to read."""
    header = [str(c.value or "") for c in ws[1]]
    for row in ws.iter_rows(min_row=2):
        for cell, title in zip(row, header, strict=False):
            if "(£)" in title and isinstance(cell.value, int | float):
                cell.number_format = MONEY_FORMAT
    for column in ws.columns:
        width = max(len(str(c.value or "")) for c in column)
        ws.column_dimensions[column[0].column_letter].width = min(max(width + 2, 10), 60)


def _nhs_date(d: date) -> str:
    return f"{d.day} {d:%B %Y}"


def workbook(figures: dict, *, today: date) -> Workbook:
    a: Agreement = figures["agreement"]
    wb = Workbook()
    cover = wb.active
    cover.title = "Cover"
    cover.append(["Better Care Fund quarterly return"])
    cover["A1"].font = Font(bold=True, size=14)
    for row in (
        ("Health and Wellbeing Board area", a.partnership.name),
        ("Partnership code", a.partnership.code),
        ("Financial year", figures["year_label"]),
        ("Quarter", figures["quarter_label"]),
        ("Prepared on", _nhs_date(today)),
        ("Money", "Pounds (£)"),
        (
            "Small numbers",
            f"Counts from 1 to {suppression.THRESHOLD - 1} and figures derived from them "
            "are not shown; no person is named.",
        ),
    ):
        cover.append(list(row))

    ws = wb.create_sheet("Agreement")
    _header(ws, "Item", "Value")
    for row in (
        ("Agreement", "Section 75 (NHS Act 2006)"),
        ("Council", a.council_name),
        ("NHS partner (ICB or trust)", a.nhs_partner_name),
        ("Host partner", a.nhs_partner_name if a.host == "nhs" else a.council_name),
        ("Pooled or aligned", a.get_arrangement_display().split(":")[0]),
        ("Years", a.years_label),
        ("Starts", _nhs_date(a.starts_on)),
        ("Ends", _nhs_date(a.ends_on)),
        ("Status", a.get_status_display()),
        ("Overspend: council share (%)", a.overspend_council_pct),
        ("Overspend: NHS partner share (%)", 100 - a.overspend_council_pct),
        ("Underspend: council share (%)", a.underspend_council_pct),
        ("Underspend: NHS partner share (%)", 100 - a.underspend_council_pct),
    ):
        ws.append(list(row))

    ws = wb.create_sheet("Income")
    _header(ws, "Source of funding", "Note", "Planned (£)")
    for c in figures["contributions"]:
        row = c["row"]
        ws.append([c["label"], row.note if row else "", _pounds(row.planned_pence if row else 0)])
    pool = figures["pool"]
    ws.append(["Total pool", "", _pounds(pool.contributions)])
    ws.append(["Planned expenditure (schemes)", "", _pounds(pool.planned)])
    ws.append(["Headroom (pool less planned expenditure)", "", _pounds(pool.headroom)])
    if pool.over:
        ws.append(["Warning", pool.warning, None])

    ws = wb.create_sheet("Expenditure")
    q = figures["quarter"]
    _header(
        ws,
        "Scheme ID",
        "Scheme name",
        "Scheme type",
        "Area of spend",
        "Commissioner",
        "Provider type",
        "Source of funding",
        "Planned for the year (£)",
        f"Planned Q{q} (£)",
        f"Actual Q{q} (£)",
        "Planned year to date (£)",
        "Actual year to date (£)",
        "Variance year to date (£)",
        "Variance (%)",
        f"Alert (more than {plan.VARIANCE_THRESHOLD_PCT}% from plan)",
    )
    for r in figures["schemes"]:
        s, v = r["scheme"], r["variance"]
        ws.append(
            [
                s.reference,
                s.name,
                r["type"],
                r["area"],
                r["commissioner"],
                r["provider"],
                r["source"],
                _pounds(r["planned_year"]),
                _pounds(r["planned_quarter"]),
                _pounds(r["actual_quarter"]) if r["actual_quarter"] is not None else "Not recorded",
                _pounds(v.planned),
                _pounds(v.actual),
                _pounds(v.difference),
                None if v.percent is None else round(float(v.percent), 1),
                "Yes" if v.alert else "No",
            ]
        )
    ws.append(
        [
            "Total",
            "",
            "",
            "",
            "",
            "",
            "",
            _pounds(pool.planned),
            _pounds(figures["planned_quarter"]),
            _pounds(figures["actual_quarter"]),
            _pounds(figures["planned_ytd"]),
            _pounds(figures["actual_ytd"]),
            _pounds(figures["actual_ytd"] - figures["planned_ytd"]),
            None,
            f"{figures['alerts']} alert(s)",
        ]
    )

    ws = wb.create_sheet("Metrics")
    _header(
        ws,
        "Metric",
        "Key",
        "Better when",
        "Target for the year",
        f"Trajectory Q{q}",
        "Actual",
        "Numerator",
        "Denominator",
        "95% interval",
        "On track",
    )
    linked = figures["metrics"]["linked"]
    for m in figures["metrics"]["rows"]:
        t, fig = m["target"], m["figure"]
        if not linked:
            actual: object = "Not available (records not linked)"
            numerator = denominator = interval = None
        elif fig["suppressed"]:
            actual, numerator, interval = SUPPRESSED, SUPPRESSED, None
            denominator = SUPPRESSED if fig["denominator"] is None else fig["denominator"]
        else:
            actual = fig["value"] if fig["value"] is not None else "No one to count"
            numerator, denominator = fig["numerator"], fig["denominator"]
            interval = f"{fig['ci95'][0]} to {fig['ci95'][1]}" if fig["ci95"] else None
        ws.append(
            [
                m["label"],
                m["key"],
                m["better"],
                None if t is None else float(t.annual),
                None if t is None or t.trajectory[q] is None else float(t.trajectory[q]),
                actual,
                numerator,
                denominator,
                interval,
                m["judgement"].label,
            ]
        )
    for sheet in wb.worksheets:
        _tidy(sheet)
    return wb


def quarterly_return(
    agreement: Agreement, *, by: Actor, year: int | None, quarter: int | None, today: date
) -> tuple[bytes, str]:
    """The workbook's bytes and file name; audited as bcf.return_downloaded with counts."""
    figures = queries.plan_for(agreement, by=by, year=year, quarter=quarter)
    book = workbook(figures, today=today)
    out = io.BytesIO()
    book.save(out)
    rows = figures["metrics"]["rows"]
    record_event(
        by=by,
        action="bcf.return_downloaded",
        detail={
            "agreement": str(agreement.external_id),
            "partnership": agreement.partnership.code,
            "year": figures["year_label"],
            "quarter": figures["quarter"],
            "schemes": len(figures["schemes"]),
            "alerts": figures["alerts"],
            "contributions": sum(1 for c in figures["contributions"] if c["row"]),
            "metrics_suppressed": sum(1 for m in rows if m["figure"] and m["figure"]["suppressed"]),
        },
    )
    name = f"bcf-return-{agreement.partnership.code}-{figures['year_label']}-Q{figures['quarter']}.xlsx"
    return out.getvalue(), name
