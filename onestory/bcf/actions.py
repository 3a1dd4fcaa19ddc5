"""Every Better Care Fund plan write: one function each, keyword-only `by=`, needing
MANAGE_BCF (commissioners), in one transaction with one audit event per change. A write
that changes nothing records nothing. Bad values are a ValidationError whose message_dict
names each field. Audit details hold ids, codes, field names and amounts: the plan names
no person."""

from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction

from onestory.access.domain.roles import Permission
from onestory.access.policy import require
from onestory.audit.actions import record_event
from onestory.audit.domain.actor import Actor
from onestory.bcf.domain import plan, targets
from onestory.bcf.models import Agreement, Contribution, Scheme, Target
from onestory.places.models import Partnership

# The most one amount can be: far above any area's pool, well inside the column.
MAX_PENCE = 10_000_000_000_00
AGREEMENT_FIELDS = (
    "first_year",
    "last_year",
    "council_name",
    "nhs_partner_name",
    "host",
    "arrangement",
    "overspend_council_pct",
    "underspend_council_pct",
    "starts_on",
    "ends_on",
    "status",
)
SCHEME_FIELDS = (
    "year",
    "reference",
    "name",
    "scheme_type",
    "spend_area",
    "lead_commissioner",
    "provider_type",
    "source",
    "planned_q1",
    "planned_q2",
    "planned_q3",
    "planned_q4",
)


def _choice(errors: dict, values: dict, field: str, options: dict, what: str) -> None:
    if values.get(field) not in options:
        errors[field] = f"Choose {what}."


def _money(errors: dict, values: dict, field: str, what: str) -> None:
    amount = values.get(field)
    if not isinstance(amount, int):
        errors[field] = f"Enter {what} in pounds, like 125000.00"
    elif amount < 0:
        errors[field] = f"{what[:1].upper() + what[1:]} cannot be negative."
    elif amount > MAX_PENCE:
        errors[field] = f"{what[:1].upper() + what[1:]} is too large."


def _agreement_errors(values: dict) -> dict[str, str]:
    errors: dict[str, str] = {}
    for field, what in (("council_name", "the council"), ("nhs_partner_name", "the NHS partner")):
        if not str(values.get(field) or "").strip():
            errors[field] = f"Enter {what}'s name."
    _choice(errors, values, "host", plan.PARTNERS, "the host partner")
    _choice(errors, values, "arrangement", plan.ARRANGEMENTS, "pooled or aligned")
    _choice(errors, values, "status", plan.STATUSES, "a status")
    for field in ("overspend_council_pct", "underspend_council_pct"):
        pct = values.get(field)
        if not isinstance(pct, int) or not 0 <= pct <= 100:
            errors[field] = "Enter the council's share as a whole percentage from 0 to 100."
    first, last = values.get("first_year"), values.get("last_year")
    if not isinstance(first, int) or not 2015 <= first <= 2100:
        errors["first_year"] = "Enter the first financial year, like 2025-26."
    if not isinstance(last, int) or not 2015 <= last <= 2100:
        errors["last_year"] = "Enter the last financial year, like 2026-27."
    elif isinstance(first, int) and last < first:
        errors["last_year"] = "The last year must be the same as or after the first."
    starts, ends = values.get("starts_on"), values.get("ends_on")
    if not isinstance(starts, date):
        errors.setdefault("starts_on", "Enter the date the agreement starts.")
    if not isinstance(ends, date):
        errors.setdefault("ends_on", "Enter the date the agreement ends.")
    elif isinstance(starts, date) and ends < starts:
        errors["ends_on"] = "The end date must be the same as or after the start date."
    return errors


def _event(by: Actor, action: str, agreement: Agreement, **detail) -> None:
    record_event(
        by=by,
        action=action,
        detail={
            "agreement": str(agreement.external_id),
            "partnership": agreement.partnership.code,
            **detail,
        },
    )


def _apply(obj, values: dict, fields) -> list[str]:
    changed = [f for f in fields if f in values and getattr(obj, f) != values[f]]
    for f in changed:
        setattr(obj, f, values[f])
    return changed


def create_agreement(*, partnership: Partnership, values: dict, by: Actor) -> Agreement:
    """A new section 75 agreement for the partnership."""
    require(by, Permission.MANAGE_BCF)
    values = {k: values.get(k) for k in AGREEMENT_FIELDS}
    values["status"] = values["status"] or "draft"
    errors = _agreement_errors(values)
    if (
        not errors
        and Agreement.objects.filter(
            partnership=partnership, first_year=values["first_year"]
        ).exists()
    ):
        errors["first_year"] = (
            "This partnership already has an agreement starting in that year: edit it instead."
        )
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        agreement = Agreement.objects.create(partnership=partnership, **values)
        _event(
            by,
            "bcf.agreement_created",
            agreement,
            years=agreement.years_label,
            arrangement=agreement.arrangement,
            host=agreement.host,
            status=agreement.status,
        )
    return agreement


def update_agreement(agreement: Agreement, *, values: dict, by: Actor) -> list[str]:
    """Change the agreement's terms; the fields changed (none: no event)."""
    require(by, Permission.MANAGE_BCF)
    merged = {f: values.get(f, getattr(agreement, f)) for f in AGREEMENT_FIELDS}
    errors = _agreement_errors(merged)
    if not errors:
        within = {"year__gte": merged["first_year"], "year__lte": merged["last_year"]}
        outside = [
            what
            for what, rows in (
                ("schemes", agreement.schemes),
                ("contributions", agreement.contributions),
                ("targets", agreement.targets),
            )
            if rows.exclude(**within).exists()
        ]
        if outside:
            errors["last_year"] = (
                f"Some {' and '.join(outside)} are for years outside this range: change them first."
            )
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        locked = Agreement.objects.select_for_update().get(pk=agreement.pk)
        changed = _apply(locked, merged, AGREEMENT_FIELDS)
        if not changed:
            return []
        locked.save(update_fields=changed)
        _event(by, "bcf.agreement_changed", locked, fields=changed, status=locked.status)
    agreement.refresh_from_db()
    return changed


def _year_in(agreement: Agreement, year, errors: dict, field: str = "year") -> None:
    if not isinstance(year, int) or year not in agreement.years:
        errors[field] = f"Choose a year the agreement covers ({agreement.years_label})."


def set_contribution(
    agreement: Agreement,
    *,
    year: int,
    source: str,
    planned_pence: int,
    note: str = "",
    by: Actor,
) -> str:
    """Set one source's planned contribution for a year: "created", "changed" or
    "unchanged" (no event)."""
    require(by, Permission.MANAGE_BCF)
    errors: dict[str, str] = {}
    _year_in(agreement, year, errors)
    _choice(errors, {"source": source}, "source", plan.SOURCES, "a source of funding")
    _money(errors, {"amount": planned_pence}, "amount", "the amount")
    if errors:
        raise ValidationError(errors)
    note = (note or "").strip()[:200]
    with transaction.atomic():
        found = (
            Contribution.objects.select_for_update()
            .filter(agreement=agreement, year=year, source=source)
            .first()
        )
        if found is None:
            Contribution.objects.create(
                agreement=agreement,
                year=year,
                source=source,
                planned_pence=planned_pence,
                note=note,
            )
            outcome, before = "created", None
        elif (found.planned_pence, found.note) == (planned_pence, note):
            return "unchanged"
        else:
            before = found.planned_pence
            found.planned_pence, found.note = planned_pence, note
            found.save(update_fields=["planned_pence", "note"])
            outcome = "changed"
        _event(
            by,
            "bcf.contribution_set",
            agreement,
            year=plan.year_label(year),
            source=source,
            planned_pence=planned_pence,
            before_pence=before,
        )
    return outcome


def _scheme_errors(agreement: Agreement, values: dict) -> dict[str, str]:
    errors: dict[str, str] = {}
    _year_in(agreement, values.get("year"), errors)
    if not str(values.get("reference") or "").strip():
        errors["reference"] = "Enter the scheme's ID on the plan, like 3."
    if not str(values.get("name") or "").strip():
        errors["name"] = "Enter the scheme's name."
    _choice(errors, values, "scheme_type", plan.SCHEME_TYPES, "a scheme type")
    _choice(errors, values, "spend_area", plan.SPEND_AREAS, "an area of spend")
    _choice(errors, values, "lead_commissioner", plan.COMMISSIONERS, "the lead commissioner")
    _choice(errors, values, "provider_type", plan.PROVIDER_TYPES, "a provider type")
    _choice(errors, values, "source", plan.SOURCES, "a source of funding")
    for q in plan.QUARTERS:
        _money(errors, values, f"planned_q{q}", f"the planned spend for Q{q}")
    return errors


def add_scheme(agreement: Agreement, *, values: dict, by: Actor) -> Scheme:
    require(by, Permission.MANAGE_BCF)
    values = {k: values.get(k) for k in SCHEME_FIELDS}
    for k in ("reference", "name"):
        values[k] = str(values[k] or "").strip()
    errors = _scheme_errors(agreement, values)
    if (
        not errors
        and Scheme.objects.filter(
            agreement=agreement, year=values["year"], reference=values["reference"]
        ).exists()
    ):
        errors["reference"] = "Another scheme that year has this ID."
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        scheme = Scheme.objects.create(agreement=agreement, **values)
        _event(
            by,
            "bcf.scheme_added",
            agreement,
            scheme=str(scheme.external_id),
            year=plan.year_label(scheme.year),
            scheme_type=scheme.scheme_type,
            planned_pence=scheme.planned_year,
        )
    return scheme


def update_scheme(scheme: Scheme, *, values: dict, by: Actor) -> list[str]:
    """Change a scheme's details or planned spend; the fields changed (none: no event)."""
    require(by, Permission.MANAGE_BCF)
    merged = {f: values.get(f, getattr(scheme, f)) for f in SCHEME_FIELDS}
    for k in ("reference", "name"):
        merged[k] = str(merged[k] or "").strip()
    errors = _scheme_errors(scheme.agreement, merged)
    clash = Scheme.objects.filter(
        agreement=scheme.agreement, year=merged["year"], reference=merged["reference"]
    ).exclude(pk=scheme.pk)
    if not errors and clash.exists():
        errors["reference"] = "Another scheme that year has this ID."
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        locked = Scheme.objects.select_for_update().get(pk=scheme.pk)
        changed = _apply(locked, merged, SCHEME_FIELDS)
        if not changed:
            return []
        locked.save(update_fields=changed)
        _event(
            by,
            "bcf.scheme_changed",
            scheme.agreement,
            scheme=str(scheme.external_id),
            fields=changed,
            planned_pence=locked.planned_year,
        )
    scheme.refresh_from_db()
    return changed


def record_spend(scheme: Scheme, *, quarter: int, actual_pence: int, by: Actor) -> bool:
    """Record (or correct) a quarter's actual spend on a scheme; False when it was already
    that (no event)."""
    require(by, Permission.MANAGE_BCF)
    errors: dict[str, str] = {}
    if quarter not in plan.QUARTERS:
        errors["quarter"] = "Choose a quarter."
    _money(errors, {"actual": actual_pence}, "actual", "the actual spend")
    if errors:
        raise ValidationError(errors)
    field = f"actual_q{quarter}"
    with transaction.atomic():
        locked = Scheme.objects.select_for_update().get(pk=scheme.pk)
        before = getattr(locked, field)
        if before == actual_pence:
            return False
        setattr(locked, field, actual_pence)
        locked.save(update_fields=[field])
        _event(
            by,
            "bcf.spend_recorded",
            scheme.agreement,
            scheme=str(scheme.external_id),
            year=plan.year_label(scheme.year),
            quarter=quarter,
            actual_pence=actual_pence,
            before_pence=before,
        )
    scheme.refresh_from_db()
    return True


def set_target(
    agreement: Agreement,
    *,
    year: int,
    metric: str,
    annual: Decimal,
    trajectory: dict[int, Decimal | None],
    by: Actor,
) -> str:
    """Set a metric's target for a year and its quarterly trajectory: "created", "changed"
    or "unchanged" (no event)."""
    require(by, Permission.MANAGE_BCF)
    errors: dict[str, str] = {}
    _year_in(agreement, year, errors)
    if metric not in targets.METRICS:
        errors["metric"] = "Choose one of the five metrics."
    else:
        for key, value in (
            ("annual", annual),
            *((f"q{q}", trajectory.get(q)) for q in plan.QUARTERS),
        ):
            if value is None and key != "annual":
                continue
            if not isinstance(value, Decimal):
                errors[key] = "Enter the target as a number, like 85.5"
                continue
            try:
                targets.check_target(metric, value)
            except ValueError as error:
                errors[key] = str(error)
    if errors:
        raise ValidationError(errors)
    # Targets are kept to one decimal place, as the metrics are published.
    tenth = Decimal("0.1")
    trajectory = {
        q: None if trajectory.get(q) is None else trajectory[q].quantize(tenth)  # type: ignore[union-attr]
        for q in plan.QUARTERS
    }
    annual = annual.quantize(tenth)
    values = {"annual": annual, **{f"q{q}": trajectory[q] for q in plan.QUARTERS}}
    with transaction.atomic():
        found = (
            Target.objects.select_for_update()
            .filter(agreement=agreement, year=year, metric=metric)
            .first()
        )
        if found is None:
            Target.objects.create(agreement=agreement, year=year, metric=metric, **values)
            outcome = "created"
        else:
            if all(getattr(found, k) == v for k, v in values.items()):
                return "unchanged"
            _apply(found, values, values)
            found.save()
            outcome = "changed"
        _event(
            by,
            "bcf.target_set",
            agreement,
            year=plan.year_label(year),
            metric=metric,
            annual=str(annual),
            trajectory=[
                None if trajectory.get(q) is None else str(trajectory[q]) for q in plan.QUARTERS
            ],
        )
    return outcome
