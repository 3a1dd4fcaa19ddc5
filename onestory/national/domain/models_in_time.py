"""Which integration model a partnership had in a quarter: the newest version recorded from
that quarter or before (versions are never edited; a change is a new version, and a second
version from the same quarter corrects the first). A version says everything the model is:
pooled or aligned budgets, host and lead commissioner, the section 75 agreement's scope
(the Better Care Fund template's scheme types and sources of funding), which organisations
share records, the MDT model and which initiatives run, each from and to a quarter.

Organisations and initiatives are named here by their codes and ids only; the pages turn
them into names. Pure: no Django (ADR 0033)."""

import dataclasses
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from onestory.national.domain.published import QUARTER, quarter_key

BUDGETS = ("pooled", "aligned")
MDTS = ("none", "practice", "neighbourhood")


@dataclass(frozen=True)
class InitiativeSpell:
    """An initiative the partnership runs, from a quarter to a quarter (both included; no
    end quarter while it runs on)."""

    initiative: str  # the initiative's id in the register
    from_quarter: str
    to_quarter: str = ""

    def active_in(self, quarter: str) -> bool:
        key = quarter_key(quarter)
        if quarter_key(self.from_quarter) > key:
            return False
        return not self.to_quarter or quarter_key(self.to_quarter) >= key


@dataclass(frozen=True)
class Version:
    partnership: str
    from_quarter: str
    budget: str  # "pooled" or "aligned"
    shared_records: bool
    mdt: str
    host: str = ""  # an organisation's code, or words for a partnership not on this installation
    lead_commissioner: str = ""
    section75_schemes: tuple[str, ...] = ()  # bcf.domain.plan.SCHEME_TYPES keys
    section75_sources: tuple[str, ...] = ()  # bcf.domain.plan.SOURCES keys
    record_sharers: tuple[str, ...] = ()  # organisations' codes
    initiatives: tuple[InitiativeSpell, ...] = ()
    recorded: int = 0  # the order versions were recorded in: a later one corrects an earlier

    def initiatives_in(self, quarter: str) -> tuple[InitiativeSpell, ...]:
        return tuple(s for s in self.initiatives if s.active_in(quarter))


def model_in(versions: Iterable[Version], partnership: str, quarter: str) -> Version | None:
    """The version in force for `partnership` in `quarter`, or None before the first: the one
    from the latest quarter not after `quarter` (of two from the same quarter, the one
    recorded later). Its `initiatives` are only those running in `quarter`."""
    key = quarter_key(quarter)
    found = None
    for v in versions:
        if v.partnership != partnership or quarter_key(v.from_quarter) > key:
            continue
        if found is None or (quarter_key(v.from_quarter), v.recorded) >= (
            quarter_key(found.from_quarter),
            found.recorded,
        ):
            found = v
    if found is None:
        return None
    return dataclasses.replace(found, initiatives=found.initiatives_in(quarter))


# What a reader sees each part of a version called, in the order the pages list them.
FIELDS = {
    "from_quarter": "From the quarter",
    "budget": "Budget",
    "host": "Host of the pooled budget",
    "lead_commissioner": "Lead commissioner",
    "section75_schemes": "Section 75 agreement: services",
    "section75_sources": "Section 75 agreement: funding",
    "record_sharers": "Organisations sharing records",
    "shared_records": "Records shared",
    "mdt": "MDT model",
    "initiatives": "Initiatives",
}
_COMPARED = tuple(k for k in FIELDS if k != "from_quarter")


@dataclass(frozen=True)
class Change:
    field: str
    before: object
    after: object


def changes(before: Version | None, after: Version) -> list[Change]:
    """What `after` changed from `before` (the version in force for its quarter when it was
    recorded): each part that differs, in FIELDS order. Sets compare as sets."""
    if before is None:
        return []
    out = []
    for name in _COMPARED:
        old, new = getattr(before, name), getattr(after, name)
        if isinstance(old, tuple):
            if set(old) == set(new):
                continue
        elif old == new:
            continue
        out.append(Change(name, old, new))
    return out


def in_force_before(versions: Iterable[Version], new: Version) -> Version | None:
    """The version `new` replaced: the one in force for its quarter among those recorded
    before it (all its initiatives, not only the ones running then)."""
    earlier = [
        v for v in versions if v.partnership == new.partnership and v.recorded < new.recorded
    ]
    key = quarter_key(new.from_quarter)
    found = None
    for v in earlier:
        if quarter_key(v.from_quarter) <= key and (
            found is None
            or (quarter_key(v.from_quarter), v.recorded)
            >= (quarter_key(found.from_quarter), found.recorded)
        ):
            found = v
    return found


@dataclass(frozen=True)
class Choices:
    """What a version may name: the partnership's organisations (codes; empty when the
    partnership is not on this installation and names them in words), commissioners among
    them, the register's initiatives, and the BCF template's categories."""

    organisations: frozenset[str] = frozenset()
    commissioners: frozenset[str] = frozenset()
    initiatives: frozenset[str] = frozenset()
    schemes: frozenset[str] = frozenset()
    sources: frozenset[str] = frozenset()
    on_installation: bool = True


def check(draft: Version, choices: Choices, reason: str) -> dict[str, str]:
    """Problems with a new version, by field, in words a commissioner can act on."""
    errors: dict[str, str] = {}
    if not QUARTER.match(draft.from_quarter):
        errors["from_quarter"] = (
            "Enter the quarter the model takes effect from, like 2025Q3 (July to September 2025)."
        )
    if draft.budget not in BUDGETS:
        errors["budget"] = "Choose pooled or aligned budgets."
    if draft.mdt not in MDTS:
        errors["mdt"] = "Choose the MDT model."
    if choices.on_installation:
        if draft.host and draft.host not in choices.organisations:
            errors["host"] = "Choose the host from the partnership's own organisations."
        if draft.budget == "pooled" and not draft.host:
            errors["host"] = "A pooled budget needs a host: choose the organisation that holds it."
        if draft.lead_commissioner and draft.lead_commissioner not in choices.organisations:
            errors["lead_commissioner"] = (
                "The lead commissioner must be one of the partnership's own organisations."
            )
        elif draft.lead_commissioner and draft.lead_commissioner not in choices.commissioners:
            errors["lead_commissioner"] = (
                "The lead commissioner must be a commissioner or a council of the partnership."
            )
        strangers = set(draft.record_sharers) - choices.organisations
        if strangers:
            errors["record_sharers"] = (
                "Only the partnership's own organisations can be listed as sharing records."
            )
    if set(draft.section75_schemes) - choices.schemes:
        errors["section75_schemes"] = "Choose the services from the list."
    if set(draft.section75_sources) - choices.sources:
        errors["section75_sources"] = "Choose the sources of funding from the list."
    for spell in draft.initiatives:
        field = f"initiative-{spell.initiative}"
        if spell.initiative not in choices.initiatives:
            errors[field] = "Choose initiatives from the register."
        elif not QUARTER.match(spell.from_quarter):
            errors[field] = "Enter the quarter the initiative started, like 2025Q1."
        elif spell.to_quarter and not QUARTER.match(spell.to_quarter):
            errors[field] = "Enter the quarter the initiative ended like 2026Q2, or leave it blank."
        elif spell.to_quarter and quarter_key(spell.to_quarter) < quarter_key(spell.from_quarter):
            errors[field] = "The initiative cannot end before it started."
    if not reason.strip():
        errors["reason"] = "Say why the model changed (or that this is its first record)."
    return errors


def same_model(a: Version, b: Version) -> bool:
    """True when `b` says nothing `a` did not (the same quarter and no change)."""
    return a.from_quarter == b.from_quarter and not changes(a, b)


def describe(value: object, names: Mapping[str, str]) -> str:
    """A part of a version in words: codes through `names`, lists joined, "none" when empty."""
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, tuple):
        if not value:
            return "None"
        words = []
        for item in value:
            if isinstance(item, InitiativeSpell):
                span = f"from {item.from_quarter}" + (
                    f" to {item.to_quarter}" if item.to_quarter else ""
                )
                words.append(f"{names.get(item.initiative, item.initiative)} ({span})")
            else:
                words.append(names.get(str(item), str(item)))
        return "; ".join(sorted(words))
    text = str(value)
    return names.get(text, text) if text else "None"
