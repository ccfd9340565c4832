"""The practice's reports: a range (a preset or two dates) and filters in a plain GET form, each report a
page of SVG charts beside tables of the same numbers, and each as CSV. Owners and admins see every
figure; a provider sees only their own; the front desk sees none."""
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from flask import Response, abort, request, stream_with_context

from app.blueprints.auth.guards import roles_required
from app.blueprints.dashboard import bp
from app.blueprints.dashboard.access import own_calendar_only
from app.core import clock
from app.core.database import db
from app.core.errors import DomainError
from app.core.tenancy import tenant_context
from app.modules.catalogue.money import amount_text
from app.modules.reports import charts, csv_export, figures, filters, ranges
from app.modules.reports.utilisation import utilisation
from app.web.formatting import money, percent
from app.web.rendering import render
from app.web.sites import current_tenant

MAY_SEE = ("owner", "admin", "provider")


@dataclass(frozen=True)
class Report:
    key: str
    title: str
    path: str
    endpoint: str


REPORTS = (
    Report("status", "Appointments", "/reports", "reports"),
    Report("utilisation", "Utilisation", "/reports/utilisation", "report_utilisation"),
    Report("revenue", "Revenue", "/reports/revenue", "report_revenue"),
    Report("customers", "New and returning customers", "/reports/customers", "report_customers"),
    Report("lead_time", "How far ahead people book", "/reports/lead-time", "report_lead_time"),
    Report("busiest_hours", "Busiest hours", "/reports/busiest-hours", "report_busiest_hours"),
)


@dataclass
class Wanted:
    """The report form as submitted (kept as typed, for a 422), and what it resolves to."""

    preset: str
    start: str
    end: str
    location: str
    provider: str
    errors: dict[str, str]
    choices: filters.Choices
    range: ranges.Range | None = None
    scope: figures.Scope | None = None


def _id(text: str, field: str) -> int | None:
    text = text.strip()
    if not text:
        return None
    if not text.isdigit():
        raise DomainError("Choose one from the list.", field=field)
    return int(text)


def _wanted() -> Wanted:
    """The form's values; 404 for a location or provider that is not the practice's (or not the member's to see)."""
    args = request.args
    wanted = Wanted(args.get("preset", ""), args.get("start", ""), args.get("end", ""), args.get("location", ""),
                     args.get("provider", ""), {}, filters.choices(db.session, provider_user_id=own_calendar_only()))
    zone = ZoneInfo(current_tenant.timezone)
    try:
        location_id = _id(wanted.location, "location")
        provider_id = _id(wanted.provider, "provider")
        wanted.range = ranges.chosen_range(preset=wanted.preset, start=wanted.start, end=wanted.end,
                                           today=clock.now().astimezone(zone).date(), zone=zone)
    except DomainError as error:
        wanted.errors[error.field] = str(error)
        return wanted
    if location_id is not None and location_id not in wanted.choices.locations:
        abort(404)
    if own_calendar_only() is not None:
        # A provider's figures are their own, whatever the query string names.
        provider_ids = tuple(wanted.choices.providers)
    elif provider_id is not None:
        if provider_id not in wanted.choices.providers:
            abort(404)
        provider_ids = (provider_id,)
    else:
        provider_ids = None
    start, end = wanted.range.bounds
    wanted.scope = figures.Scope(start, end, location_id, provider_ids, wanted.choices.zones)
    return wanted


# Each report's figures, and its table as CSV rows


def _status(wanted: Wanted) -> dict:
    found = figures.appointments_by_status(db.session, wanted.scope)
    items = [(status.replace("_", " ").capitalize(), count, str(count)) for status, count in found.by_status.items()]
    return {"figures": found, "chart": charts.bar_chart(items)}


def _status_rows(result, currency):
    found = result["figures"]
    yield ("Measure", "Value")
    for status, count in found.by_status.items():
        yield (status, count)
    yield ("booked", found.booked)
    yield ("late_cancellations", found.late_cancellations)
    yield ("no_show_rate", _fraction(found.no_show_rate))
    yield ("late_cancellation_rate", _fraction(found.late_cancellation_rate))


def _utilisation(wanted: Wanted) -> dict:
    found = utilisation(db.session, wanted.scope, first_day=wanted.range.first, last_day=wanted.range.last,
                        providers=wanted.choices.providers)
    items = [(row.name, row.rate or 0, percent(row.rate)) for row in found]
    return {"rows": found, "chart": charts.bar_chart(items)}


def _utilisation_rows(result, currency):
    yield ("Provider", "Working minutes", "Booked minutes", "Utilisation")
    for row in result["rows"]:
        yield (row.name, row.working_minutes, row.booked_minutes, _fraction(row.rate))


def _revenue(wanted: Wanted) -> dict:
    rows = figures.revenue(db.session, wanted.scope)
    names, currency = wanted.choices.providers, current_tenant.currency
    by_provider: dict[str, int] = {}
    by_service: dict[str, int] = {}
    for row in rows:  # the database's groups, added up by one side
        by_provider[names.get(row.provider_id, "")] = by_provider.get(names.get(row.provider_id, ""), 0) + row.amount
        by_service[row.service] = by_service.get(row.service, 0) + row.amount

    def chart(amounts: dict[str, int]):
        return charts.bar_chart([(name, amount, money(amount, currency)) for name, amount in amounts.items()])

    return {"rows": rows, "providers": names, "by_provider": by_provider, "by_service": by_service,
            "total": sum(row.amount for row in rows), "count": sum(row.appointments for row in rows),
            "chart": chart(by_service), "provider_chart": chart(by_provider)}


def _revenue_rows(result, currency):
    yield ("Provider", "Service", "Appointments", "Revenue", "Currency")
    for row in result["rows"]:
        yield (result["providers"].get(row.provider_id, ""), row.service, row.appointments,
               amount_text(row.amount, currency), currency)
    yield ("All", "All", result["count"], amount_text(result["total"], currency), currency)


def _customers(wanted: Wanted) -> dict:
    found = figures.customers(db.session, wanted.scope)
    return {"figures": found, "chart": charts.bar_chart(
        [("New", found.new, str(found.new)), ("Returning", found.returning, str(found.returning))])}


def _customers_rows(result, currency):
    found = result["figures"]
    yield ("Customers", "Count")
    yield ("new", found.new)
    yield ("returning", found.returning)
    yield ("total", found.total)


def _lead_time(wanted: Wanted) -> dict:
    counts = figures.lead_times(db.session, wanted.scope)
    labels = {key: label for key, label, *_ in figures.LEAD_BUCKETS}
    return {"counts": counts, "labels": labels,
            "chart": charts.bar_chart([(labels[key], count, str(count)) for key, count in counts.items()])}


def _lead_time_rows(result, currency):
    yield ("Lead time", "Appointments")
    for key, count in result["counts"].items():
        yield (result["labels"][key], count)


def _busiest_hours(wanted: Wanted) -> dict:
    counts = figures.busiest_hours(db.session, wanted.scope)
    return {"counts": counts, "chart": charts.heat_map(counts), "weekdays": charts.WEEKDAYS}


def _busiest_hours_rows(result, currency):
    yield ("Weekday", "Hour", "Appointments")
    for weekday, name in enumerate(charts.WEEKDAYS):
        for hour in range(24):
            yield (name, f"{hour:02d}:00", result["counts"].get((weekday, hour), 0))


COMPUTE = {
    "status": (_status, _status_rows), "utilisation": (_utilisation, _utilisation_rows),
    "revenue": (_revenue, _revenue_rows), "customers": (_customers, _customers_rows),
    "lead_time": (_lead_time, _lead_time_rows), "busiest_hours": (_busiest_hours, _busiest_hours_rows),
}


def _fraction(rate: float | None) -> str:
    return "" if rate is None else f"{rate:.4f}"


def _query() -> str:
    return request.query_string.decode("latin-1")


def _page(report: Report):
    wanted = _wanted()
    result = COMPUTE[report.key][0](wanted) if wanted.scope is not None else None
    return render(f"dashboard/reports/{report.key}.html", status=422 if wanted.errors else 200, report=report,
                  reports=REPORTS, wanted=wanted, result=result, presets=ranges.PRESETS, query=_query(),
                  currency=current_tenant.currency)


def _csv(report: Report):
    wanted = _wanted()
    if wanted.scope is None:
        return _page(report)  # the form, with what is wrong with it
    result = COMPUTE[report.key][0](wanted)
    rows = COMPUTE[report.key][1](result, current_tenant.currency)
    return _attachment(rows, f"{report.key.replace('_', '-')}", wanted.range)


def _attachment(rows, name: str, span: ranges.Range) -> Response:
    """A CSV download, streamed: its lines are made (and any statement behind them run) as they are sent,
    after the request's own transaction has ended, so the tenant's scope is entered again for them."""
    tenant_id = current_tenant.id

    def body():
        with tenant_context(tenant_id):
            yield from csv_export.lines(rows)

    filename = f"{name}-{span.first.isoformat()}-to-{span.last.isoformat()}.csv"
    return Response(stream_with_context(body()), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


def _register(report: Report) -> None:
    page = roles_required(*MAY_SEE)(lambda: _page(report))
    page.__name__ = report.endpoint
    bp.add_url_rule(report.path, report.endpoint, page, methods=["GET"])
    sheet = roles_required(*MAY_SEE)(lambda: _csv(report))
    sheet.__name__ = f"{report.endpoint}_csv"
    csv_path = "/reports/status.csv" if report.key == "status" else f"{report.path}.csv"
    bp.add_url_rule(csv_path, f"{report.endpoint}_csv", sheet, methods=["GET"])


for _report in REPORTS:
    _register(_report)


@bp.get("/reports/appointments.csv")
@roles_required(*MAY_SEE)
def report_appointments_csv():
    """The range's appointments, one a line, streamed from the database in batches."""
    wanted = _wanted()
    if wanted.scope is None:
        return _page(REPORTS[0])
    zone, currency = ZoneInfo(current_tenant.timezone), current_tenant.currency
    rows = csv_export.appointment_rows(db.session, wanted.scope, zone=zone, currency=currency)
    return _attachment(rows, "appointments", wanted.range)
