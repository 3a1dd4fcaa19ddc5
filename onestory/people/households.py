"""Households and relationships over the current person index: people whose records share
an address, and the family and carer relationships the sources record, resolved to people.

These return person ids only; showing anything about those people is for the caller, with
its own access check (the integrated record's queries)."""

from collections import Counter, defaultdict
from dataclasses import dataclass

from django.db.models import OuterRef, Q, Subquery

from onestory.people.actions import current_run
from onestory.people.domain.households import household_key, same_name
from onestory.people.models import PersonLink
from onestory.sources.models import SourceRecord, SourceRelationship


def _home(rows) -> str:
    """The household key most of these (address, postcode) pairs give (the lowest on a
    tie); empty when none gives one."""
    keys = Counter(k for a, p in rows if (k := household_key(a, p)))
    if not keys:
        return ""
    return sorted(keys.items(), key=lambda kv: (-kv[1], kv[0]))[0][0]


def _current_home(person_id: int, run) -> str:
    rows = SourceRecord.objects.filter(links__run=run, links__person_id=person_id).values_list(
        "address", "postcode"
    )
    return _home(rows)


def _household(person_id: int, home: str, run) -> tuple[set[int], list[SourceRecord]]:
    """(the other people whose own home is `home`, the records at `home` of those people
    or of nobody in the run). One query: every record at the home's postcode and every
    record of anyone holding one there (their homes are decided on all their records)."""
    postcode = home.split("|")[0]
    holders_here = PersonLink.objects.filter(run=run, record__norm_postcode=postcode).values(
        "person_id"
    )
    rows = list(
        SourceRecord.objects.filter(
            Q(norm_postcode=postcode)
            | Q(links__run=run, links__person_id__in=Subquery(holders_here))
        )
        .annotate(
            holder=Subquery(
                PersonLink.objects.filter(run=run, record=OuterRef("pk")).values("person_id")[:1]
            )
        )
        .select_related("system")
        .distinct()
    )
    by_person: dict[int, list[SourceRecord]] = defaultdict(list)
    for r in rows:
        if r.holder is not None:
            by_person[r.holder].append(r)
    members = {
        p
        for p, recs in by_person.items()
        if p != person_id and _home((r.address, r.postcode) for r in recs) == home
    }
    records = [
        r
        for r in rows
        if household_key(r.address, r.postcode) == home
        and (r.holder in members or r.holder is None)
    ]
    return members, records


def household_of(person_id: int, run=None) -> list[int]:
    """The other people of the current run (or `run`) living at this person's address:
    people whose records mostly give the address this person's records mostly give."""
    run = run or current_run()
    if run is None:
        return []
    home = _current_home(person_id, run)
    return sorted(_household(person_id, home, run)[0]) if home else []


def household_records(person_id: int, run=None, own=None) -> list[SourceRecord]:
    """The source records of the others at this person's address, for the record page:
    each household member's records that give the address (see `household_of`), and
    records there that the run does not hold (someone not linked to anyone yet). `own`,
    the person's records the caller already has (the ones its reader may see), decides the
    address without another query."""
    run = run or current_run()
    if run is None:
        return []
    home = _home((r.address, r.postcode) for r in own) if own is not None else ""
    if own is None:
        home = _current_home(person_id, run)
    return _household(person_id, home, run)[1] if home else []


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
