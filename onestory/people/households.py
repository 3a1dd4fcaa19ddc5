"""Households and relationships over the current person index: people whose records share
an address, and the family and carer relationships the sources record, resolved to people.

These return person ids only; showing anything about those people is for the caller, with
its own access check (the integrated record's queries)."""

from collections import Counter, defaultdict
from dataclasses import dataclass

from onestory.people.actions import current_run
from onestory.people.domain.households import household_key, same_name
from onestory.people.models import PersonLink
from onestory.sources.models import SourceRecord, SourceRelationship


def _current_home(person_id: int, run) -> str:
    """The household key most of the person's records give (the lowest on a tie)."""
    rows = SourceRecord.objects.filter(links__run=run, links__person_id=person_id).values_list(
        "address", "postcode"
    )
    keys = Counter(k for a, p in rows if (k := household_key(a, p)))
    if not keys:
        return ""
    return sorted(keys.items(), key=lambda kv: (-kv[1], kv[0]))[0][0]


def household_of(person_id: int) -> list[int]:
    """The other people of the current run living at this person's address."""
    run = current_run()
    if run is None:
        return []
    home = _current_home(person_id, run)
    if not home:
        return []
    postcode = home.split("|")[0]
    candidates = SourceRecord.objects.filter(links__run=run, norm_postcode=postcode).values_list(
        "links__person_id", "address", "postcode"
    )
    others = {p for p, a, pc in candidates if p != person_id and household_key(a, pc) == home}
    return sorted(p for p in others if _current_home(p, run) == home)


@dataclass(frozen=True)
class Relationship:
    kind: str  # as the source recorded it: next_of_kin, carer, cared_for, parent, ...
    detail: str  # the source's own wording ("Partner", "Daughter"), when given
    system: str
    person_id: int | None  # the related person in the current run, when resolved


def relationships_of(person_id: int) -> list[Relationship]:
    """Every relationship the person's records hold, each resolved to a person of the
    current run where possible: by the source's own id for the related person, else by name
    among the people of the same household."""
    run = current_run()
    if run is None:
        return []
    rels = SourceRelationship.objects.filter(
        record__links__run=run, record__links__person_id=person_id
    ).select_related("system")
    by_local = {}
    wanted = [(r.system_id, r.related_local_id) for r in rels if r.related_local_id]
    if wanted:
        locals_by_system = defaultdict(set)
        for system_id, local_id in wanted:
            locals_by_system[system_id].add(local_id)
        for system_id, ids in locals_by_system.items():
            for local_id, p in PersonLink.objects.filter(
                run=run, record__system_id=system_id, record__local_id__in=ids
            ).values_list("record__local_id", "person_id"):
                by_local[(system_id, local_id)] = p
    household = None
    out = []
    for r in rels:
        other = by_local.get((r.system_id, r.related_local_id)) if r.related_local_id else None
        if other is None and r.related_name:
            if household is None:
                household = household_of(person_id)
            named = {
                p
                for p, given, family in SourceRecord.objects.filter(
                    links__run=run, links__person_id__in=household
                ).values_list("links__person_id", "given_name", "family_name")
                if same_name(given, family, r.related_name)
            }
            other = named.pop() if len(named) == 1 else None
        detail = str((r.details or {}).get("relationship", ""))
        out.append(Relationship(r.relationship, detail, r.system.code, other))
    return out
