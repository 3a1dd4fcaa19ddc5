"""Reads of partnerships' integration models (ADR 0033): a partnership's model in force now
or in any quarter, and its version history (what each version changed, who recorded it,
when and why). A commissioner or analyst reads their own partnership's (VIEW_AGGREGATES;
another's is refused), a national analyst every partnership's (VIEW_NATIONAL). Nothing here
is about a person; each read is audited with the partnership and counts."""

from dataclasses import dataclass, field
from datetime import date

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils import timezone

from onestory.access.domain.roles import Permission
from onestory.access.policy import aggregate_partnership, has_permission, require
from onestory.audit.actions import record_event
from onestory.audit.domain.actor import Actor
from onestory.bcf.domain.plan import SCHEME_TYPES, SOURCES
from onestory.national.domain import models_in_time as mit
from onestory.national.domain.published import QUARTER, quarter_key
from onestory.national.model_data import (
    initiatives_for,
    model_choices,
    organisations,
    rows_of,
    to_version,
)
from onestory.national.models import IntegrationModel, PublishedIndicator
from onestory.places.models import Partnership


@dataclass(frozen=True)
class Described:
    """A version in words: (label, words) in the pages' order."""

    version: mit.Version
    parts: list[tuple[str, str]]


@dataclass(frozen=True)
class Entry:
    """One version in the history: what it says, what it changed, who, when and why."""

    number: int
    described: Described
    recorded_by: str
    recorded_at: object
    reason: str
    changes: list[tuple[str, str, str]]  # (label, before, after)
    first: bool
    corrects: bool


@dataclass
class ModelPage:
    code: str
    name: str
    on_installation: bool
    now: str  # this quarter
    current: Described | None
    quarter: str  # the quarter asked about ("" when none)
    at: Described | None
    history: list[Entry] = field(default_factory=list)
    may_change: bool = False


def this_quarter(today: date | None = None) -> str:
    today = today or timezone.localdate()
    return f"{today.year}Q{(today.month - 1) // 3 + 1}"


def _may_read(by: Actor, code: str) -> None:
    if has_permission(by, Permission.VIEW_NATIONAL):
        return
    require(by, Permission.VIEW_AGGREGATES)
    aggregate_partnership(by, code)  # another partnership's: PermissionDenied


def may_change(by: Actor, place) -> bool:
    """A commissioner of the partnership (or one not bound to any) may record a version."""
    if place is None or not has_permission(by, Permission.MANAGE_BCF):
        return False
    try:
        aggregate_partnership(by, place.code)
    except PermissionDenied:
        return False
    return True


def names_for(place, rows: list[IntegrationModel]) -> dict[str, str]:
    """Codes and ids -> the words a reader sees."""
    names: dict[str, str] = {**SCHEME_TYPES, **SOURCES}
    names.update({c: o.name for c, o in organisations(place).items()})
    for m in rows:
        for org in (m.host_organisation, m.lead_commissioner_organisation):
            if org is not None:
                names[org.code] = org.name
        names.update({o.code: o.name for o in m.record_sharers.all()})
        names.update({str(s.initiative.external_id): s.initiative.name for s in m.spells.all()})
    names.update(dict(IntegrationModel.Budget.choices))
    names.update(dict(IntegrationModel.Mdt.choices))
    return names


def describe(version: mit.Version, names: dict[str, str]) -> Described:
    parts = [
        (label, mit.describe(getattr(version, name), names))
        for name, label in mit.FIELDS.items()
        if name != "shared_records" or not version.record_sharers
    ]
    return Described(version, parts)


def partnership_model(code: str, *, by: Actor, quarter: str = "") -> ModelPage:
    """The partnership's model now, in `quarter` when asked (ValueError for a quarter not
    written like 2025Q3), and every version recorded, newest first."""
    _may_read(by, code)
    quarter = quarter.strip().upper()
    if quarter and not QUARTER.match(quarter):
        raise ValueError("Enter the quarter like 2025Q3 (July to September 2025).")
    place = Partnership.objects.filter(code=code).first()
    rows = rows_of(code)
    if (
        place is None
        and not rows
        and not PublishedIndicator.objects.filter(partnership=code).exists()
    ):
        raise Http404("No such partnership.")
    versions = [to_version(m) for m in rows]
    names = names_for(place, rows)
    now = this_quarter()
    current = mit.model_in(versions, code, now)
    at = mit.model_in(versions, code, quarter) if quarter else None
    history = []
    for number, (m, v) in enumerate(zip(rows, versions, strict=True), 1):
        before = mit.in_force_before(versions, v)
        history.append(
            Entry(
                number,
                describe(v, names),
                m.recorded_by,
                m.recorded_at,
                m.reason,
                [
                    (
                        mit.FIELDS[c.field],
                        mit.describe(c.before, names),
                        mit.describe(c.after, names),
                    )
                    for c in mit.changes(before, v)
                ],
                first=before is None,
                corrects=before is not None and before.from_quarter == v.from_quarter,
            )
        )
    history.reverse()
    record_event(
        by=by,
        action="national.model_viewed",
        detail={"partnership": code, "versions": len(rows), "quarter": quarter},
    )
    return ModelPage(
        code=code,
        name=place.name if place else code,
        on_installation=place is not None,
        now=now,
        current=describe(current, names) if current else None,
        quarter=quarter,
        at=describe(at, names) if at else None,
        history=history,
        may_change=may_change(by, place),
    )


def partnerships(*, by: Actor) -> list[tuple[str, str, int]]:
    """(code, name, versions) of the partnerships whose models the reader may open: their
    own, or (national analysts, or a reader bound to none) every one on the installation
    and every one with a model recorded."""
    national = has_permission(by, Permission.VIEW_NATIONAL)
    if not national:
        require(by, Permission.VIEW_AGGREGATES)
    own = None if national else aggregate_partnership(by, None)
    counts: dict[str, int] = {}
    for code in IntegrationModel.objects.values_list("partnership", flat=True):
        counts[code] = counts.get(code, 0) + 1
    names = dict(Partnership.objects.values_list("code", "name"))
    codes = set(names) | (set(counts) if national else set())
    if own:
        codes = {own}
    return sorted((c, names.get(c, c), counts.get(c, 0)) for c in codes)


@dataclass(frozen=True)
class FormData:
    place: object
    organisations: list
    commissioners: list
    initiatives: list
    current: mit.Version | None


def form_data(code: str, *, by: Actor) -> FormData:
    """What the form to record a new version offers, for a commissioner of the partnership
    (MANAGE_BCF; another partnership's: PermissionDenied; not on this installation: 404)."""
    require(by, Permission.MANAGE_BCF)
    place = Partnership.objects.filter(code=code).first()
    if place is None:
        raise Http404("No such partnership on this installation.")
    aggregate_partnership(by, code)
    choices, orgs = model_choices(place)
    rows = rows_of(code)
    versions = [to_version(m) for m in rows]
    # Prefilled from the newest version (all of its initiatives, ended ones too).
    latest = max(versions, key=lambda v: (quarter_key(v.from_quarter), v.recorded), default=None)
    return FormData(
        place,
        list(orgs.values()),
        [o for c, o in orgs.items() if c in choices.commissioners],
        initiatives_for(place),
        latest,
    )
