"""The one audited way to read a person's integrated record.

Every function here takes the acting `by=` Actor, asks `onestory.access.policy` whether the
read is allowed (raising PermissionDenied when not) and writes an audit event for it. Views
and the API call these and nothing else, so narrowing access later changes the policy and
this module, never the pages.

A person's record is every SourceRecord linked to them in the current linkage run, with
every SourceEvent and SourceRelationship of those records.
"""

import uuid
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Count, F, Q
from django.http import Http404
from django.utils import timezone

from onestory.access.domain.roles import Permission
from onestory.access.policy import (
    AccessDecision,
    decide,
    refused_organisation_people,
    require,
    search_access,
)
from onestory.access.queries import denied
from onestory.audit.actions import record_event
from onestory.audit.domain.actor import Actor
from onestory.people.domain.nhs_number import format_nhs_number
from onestory.people.domain.normalise import format_postcode, name_key
from onestory.people.households import household_records
from onestory.people.models import LinkageRun, Person, PersonLink
from onestory.record.domain import summary as rules
from onestory.record.domain.labels import category_label, kind_label, relationship_label
from onestory.record.domain.search import SearchQuery, SearchQueryError
from onestory.record.timeline_dates import dated
from onestory.record.visits import audit_read
from onestory.sources.domain.facts import (
    SENSITIVE_CATEGORIES,
    SOURCE_KIND_CATEGORY,
    SOURCE_KIND_LABELS,
)
from onestory.sources.models import SourceEvent, SourceRecord, SourceRelationship, SourceSystem

# Kinds of event that carry a diagnosis in their code (a GP condition, or the diagnosis
# another service recorded for an attendance or admission).
DIAGNOSIS_KINDS = frozenset({"condition", "diagnosis", "ae_attendance", "admission"})


class PersonNotFound(Http404):
    """No person with that id, or none with any record in the current linkage run."""


# ---------------------------------------------------------------------------- results


@dataclass(frozen=True)
class SystemRef:
    """A source system as shown beside what it holds: organisation name and kind."""

    code: str
    kind: str
    kind_label: str
    org_code: str
    org_name: str

    @classmethod
    def of(cls, system: SourceSystem) -> "SystemRef":
        return cls(
            code=system.code,
            kind=system.kind,
            kind_label=SOURCE_KIND_LABELS.get(system.kind, system.kind),
            org_code=system.org_code,
            org_name=system.org_name,
        )


@dataclass(frozen=True)
class PersonSummary:
    """One search result: enough to tell people apart, no more."""

    person_id: uuid.UUID
    given_name: str
    family_name: str
    date_of_birth: date | None
    nhs_number: str  # formatted 3-3-4, or ""
    postcode: str
    systems: int
    # Whether the searcher may open the record now (a legitimate relationship); without
    # it the result still shows, so they can join the care team or break glass.
    access: bool = False

    @property
    def name(self) -> str:
        return _display_name(self.given_name, self.family_name)


@dataclass(frozen=True)
class SearchResults:
    people: tuple[PersonSummary, ...]
    total: int
    limit: int

    @property
    def truncated(self) -> bool:
        return self.total > len(self.people)


@dataclass(frozen=True)
class IdentityVariant:
    """Who one source system thinks the person is."""

    system: SystemRef
    local_id: str
    given_name: str
    family_name: str
    date_of_birth: date | None
    birth_year: int | None
    birth_month: int | None
    sex: str
    nhs_number: str  # formatted, or ""
    postcode: str
    address: str
    phone: str
    updated_at: datetime

    @property
    def name(self) -> str:
        return _display_name(self.given_name, self.family_name)

    @property
    def partial_birth(self) -> str:
        """A partial date of birth as the source held it ("03/1950", "1950"), or ""."""
        if self.birth_year and self.birth_month:
            return f"{self.birth_month:02d}/{self.birth_year}"
        return str(self.birth_year or "")


@dataclass(frozen=True)
class Identity:
    """The preferred demographics (GP record first, then the most recently updated), with
    every variant the sources hold."""

    given_name: str
    family_name: str
    date_of_birth: date | None
    sex: str
    nhs_number: str  # formatted 3-3-4, or ""
    postcode: str
    address: str
    phone: str
    preferred_from: SystemRef
    variants: tuple[IdentityVariant, ...]

    @property
    def name(self) -> str:
        return _display_name(self.given_name, self.family_name)


@dataclass(frozen=True)
class ConditionEntry:
    code: str
    code_system: str
    display: str
    onset: date | None
    systems: tuple[SystemRef, ...]


@dataclass(frozen=True)
class Professional:
    name: str
    last_seen: date | None
    entries: int


@dataclass(frozen=True)
class InvolvedOrganisation:
    """A source system holding a record for the person, with the professionals it names
    and how much it holds."""

    system: SystemRef
    local_ids: tuple[str, ...]
    events: int
    first_event: date | None
    last_event: date | None
    professionals: tuple[Professional, ...]


@dataclass(frozen=True)
class CurrentService:
    group: str
    kind: str
    title: str
    start: date | None
    status: str
    system: SystemRef
    hours_per_week: Decimal | None
    weekly_cost: rules.Money | None


@dataclass(frozen=True)
class RelatedPerson:
    """Someone in the person's household or family. `person_id` is set when the other
    record is linked to a person; otherwise `name` is what the source wrote."""

    relationship: str  # code: carer, cared_for, parent, household_member …
    relationship_label: str
    person_id: uuid.UUID | None
    name: str
    date_of_birth: date | None
    description: str  # the sources' own words for the relationship ("Daughter"), if any
    how: str  # why they are listed: which sources said so, or a shared address
    systems: tuple[SystemRef, ...]


@dataclass(frozen=True)
class PersonRecord:
    person_id: uuid.UUID
    identity: Identity
    age: int | None
    conditions: tuple[ConditionEntry, ...]
    organisations: tuple[InvolvedOrganisation, ...]
    current_services: tuple[CurrentService, ...]
    household: tuple[RelatedPerson, ...]
    family: tuple[RelatedPerson, ...]

    @property
    def nhs_number(self) -> str:
        return self.identity.nhs_number

    @property
    def counts(self) -> tuple[tuple[SystemRef, int, int], ...]:
        """(system, records, events) per source system."""
        return tuple((o.system, len(o.local_ids), o.events) for o in self.organisations)

    @property
    def total_events(self) -> int:
        return sum(o.events for o in self.organisations)


@dataclass(frozen=True)
class TimelineItem:
    kind: str
    kind_label: str
    category: str
    category_label: str
    title: str
    start: date | None
    end: date | None
    status: str
    code: str
    code_system: str
    code_display: str
    practitioner: str
    details: dict[str, Any]
    system: SystemRef
    event_local_id: str
    record_local_id: str
    source_file: str
    source_row: int | None


@dataclass(frozen=True)
class FacetValue:
    value: str
    label: str
    count: int
    selected: bool


@dataclass(frozen=True)
class Timeline:
    person_id: uuid.UUID
    items: tuple[TimelineItem, ...]
    total: int  # matching the filters
    page: int
    page_size: int
    systems: tuple[FacetValue, ...]  # counts over all of the person's entries
    kinds: tuple[FacetValue, ...]
    categories: tuple[FacetValue, ...]

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.page_size))

    @property
    def has_previous(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages


# ---------------------------------------------------------------------------- search


def search_people(query: SearchQuery, *, by: Actor, limit: int = 50) -> SearchResults:
    """People (in the current linkage run) with a linked record matching every given
    criterion; each criterion may be met by a different one of the person's records. The
    audit event names which kinds of criteria were used and how many people matched, never
    the search terms. People who refused the searcher's organisation are left out entirely
    (their existence is not revealed); each result says whether the searcher holds access.
    Records from services of a sensitive category the searcher's role does not see (a
    mental health trust, for a housing officer) are not searched."""
    require(by, Permission.SEARCH_PEOPLE)
    if query.is_empty:
        raise SearchQueryError({"name": "Enter at least one search criterion"})
    limit = max(1, min(limit, 500))
    run = _current_run()
    people: tuple[PersonSummary, ...] = ()
    total = 0
    if run is not None:
        matching = Person.objects.exclude(pk__in=refused_organisation_people(by))
        searchable = PersonLink.objects.filter(run=run)
        hidden = _hidden_kinds(by)
        if hidden:
            searchable = searchable.exclude(record__system__kind__in=hidden)
        for criterion in _record_criteria(query):
            matching = matching.filter(
                pk__in=searchable.filter(_on_record(criterion)).values("person_id")
            )
        total = matching.count()
        ids = list(matching.order_by("pk").values_list("pk", flat=True)[:limit]) if total else []
        access = search_access(by, ids)
        ids = [pid for pid in ids if access.get(pid) is not None]
        people = _summaries(run, ids, access, hidden)
    record_event(
        by=by,
        action="record.search",
        detail={"criteria": list(query.criteria), "results": total},
    )
    return SearchResults(people=people, total=total, limit=limit)


def _record_criteria(query: SearchQuery) -> list[Q]:
    """One Q per criterion, over SourceRecord fields."""
    criteria: list[Q] = []
    if query.name_tokens:
        criteria.append(_name_q(query.name_tokens))
    if query.date_of_birth is not None:
        criteria.append(Q(date_of_birth=query.date_of_birth))
    if query.nhs_number:
        criteria.append(Q(nhs_number=query.nhs_number))
    if query.postcode is not None:
        pc = query.postcode
        if pc.mode == "exact":
            criteria.append(Q(norm_postcode=pc.key))
        elif pc.pattern:
            criteria.append(_prefix("norm_postcode", pc.key) & Q(norm_postcode__regex=pc.pattern))
        else:
            criteria.append(_prefix("norm_postcode", pc.key))
    return criteria


def _name_q(tokens: Sequence[str]) -> Q:
    """One word matches a given or family name prefix; several words are split into given
    and family names at every point, either way round ("Ann Smith", "Smith Ann",
    "Ann Smith Jones" for a family name written "Smith-Jones")."""
    if len(tokens) == 1:
        return _prefix("norm_given", tokens[0]) | _prefix("norm_family", tokens[0])
    q = Q()
    for i in range(1, len(tokens)):
        first, rest = "".join(tokens[:i]), "".join(tokens[i:])
        q |= _prefix("norm_given", first) & _prefix("norm_family", rest)
        q |= _prefix("norm_family", first) & _prefix("norm_given", rest)
    return q


# The widest value each normalised field can hold, and its highest character: normalised
# names are a-z only, normalised postcodes 0-9A-Z.
_PREFIX_TOP = {"norm_given": ("z", 100), "norm_family": ("z", 100), "norm_postcode": ("Z", 8)}


def _prefix(field: str, prefix: str) -> Q:
    """`field` starts with `prefix`, written as a range so that a B-tree index on the field
    serves it on SQLite and PostgreSQL alike (LIKE 'x%' uses neither index by default: SQLite's
    LIKE is case-insensitive, PostgreSQL's needs a C collation or text_pattern_ops). Over the
    normalised alphabets the range holds exactly the values with that prefix."""
    top, width = _PREFIX_TOP[field]
    return Q(**{f"{field}__gte": prefix, f"{field}__lte": prefix + top * (width - len(prefix))})


def _on_record(criterion: Q) -> Q:
    """Re-root a SourceRecord Q at PersonLink.record."""
    rooted = Q(_connector=criterion.connector, _negated=criterion.negated)
    for child in criterion.children:
        if isinstance(child, Q):
            rooted.children.append(_on_record(child))
        else:
            key, value = child
            rooted.children.append((f"record__{key}", value))
    return rooted


def _hidden_kinds(by: Actor) -> frozenset[str]:
    """Source kinds whose very existence is a sensitive category the actor's role does not
    see by default."""
    from onestory.access.domain.roles import any_role_for

    if by.role == "system":
        return frozenset()
    role = any_role_for(by.role)
    seen = role.categories if role is not None else frozenset()
    return frozenset(
        kind
        for kind, category in SOURCE_KIND_CATEGORY.items()
        if category in SENSITIVE_CATEGORIES and category not in seen
    )


def _summaries(
    run: LinkageRun,
    person_ids: Sequence[int],
    access: dict[int, bool | None],
    hidden_kinds: frozenset[str] = frozenset(),
) -> tuple[PersonSummary, ...]:
    by_person = _records_by_person(run, person_ids)
    summaries = []
    for pid in person_ids:
        person, records = by_person.get(pid, (None, []))
        records = [r for r in records if r.system.kind not in hidden_kinds]
        if person is None or not records:
            continue
        ordered = _preferred_order(records)
        named = next((r for r in ordered if r.given_name or r.family_name), ordered[0])
        summaries.append(
            PersonSummary(
                person_id=person.external_id,
                given_name=named.given_name,
                family_name=named.family_name,
                date_of_birth=_first(ordered, "date_of_birth"),
                nhs_number=format_nhs_number(_first(ordered, "nhs_number") or ""),
                postcode=format_postcode(_first(ordered, "postcode") or ""),
                systems=len({r.system_id for r in records}),
                access=bool(access.get(pid)),
            )
        )
    summaries.sort(key=lambda s: (s.family_name.lower(), s.given_name.lower(), str(s.person_id)))
    return tuple(summaries)


def _records_by_person(
    run: LinkageRun, person_ids: Iterable[int]
) -> dict[int, tuple[Person, list[SourceRecord]]]:
    out: dict[int, tuple[Person, list[SourceRecord]]] = {}
    links = PersonLink.objects.filter(run=run, person_id__in=list(person_ids)).select_related(
        "person", "record__system"
    )
    for link in links:
        out.setdefault(link.person_id, (link.person, []))[1].append(link.record)
    return out


# ---------------------------------------------------------------------------- record


def get_person_record(
    person_external_id, *, by: Actor, purpose: str = "", visit: str = ""
) -> PersonRecord:
    """The integrated record summary for one person, as far as the access decision allows:
    only entries of the categories the actor sees, and nothing from a service whose very
    existence is a sensitive category they do not see. Audited as "record.view"; a refusal
    is audited as "record.denied" and raises PermissionDenied saying nothing about them."""
    person = _person(person_external_id)
    decision = _decide_or_deny(by, person, "record.view")
    run = _current_run()
    records = _visible_records(_linked_records(run, person), decision)
    systems = {r.system_id: SystemRef.of(r.system) for r in records}
    record_ids = [r.id for r in records]
    events = list(
        SourceEvent.objects.filter(record_id__in=record_ids, category__in=decision.categories)
        .only(
            "system_id",
            "record_id",
            "kind",
            "category",
            "title",
            "start",
            "end",
            "status",
            "code",
            "code_system",
            "code_display",
            "practitioner",
            "details",
        )
        .order_by("start", "id")
    )
    today = timezone.localdate()
    identity = _identity(records, systems)
    household, family = _household_and_family(run, person, records, systems, decision)
    result = PersonRecord(
        person_id=person.external_id,
        identity=identity,
        age=rules.age_on(identity.date_of_birth, today),
        conditions=_conditions(events, systems),
        organisations=_organisations(records, events, systems),
        current_services=_current_services(events, systems, today),
        household=household,
        family=family,
    )
    audit_read(  # once per visit (onestory.record.visits)
        by=by,
        action="record.view",
        person_id=str(person.external_id),
        purpose=purpose,
        visit=visit,
        detail={
            "records": len(records),
            "systems": len(systems),
            "basis": decision.basis,
            "categories": sorted(decision.categories),
        },
    )
    return result


def access_decision(person_external_id, *, by: Actor) -> AccessDecision:
    """The access decision for one person, for pages that offer joining the care team or
    breaking glass when access is not held. Not audited: it reveals nothing about them."""
    return decide(by, _person(person_external_id))


def _decide_or_deny(by: Actor, person: Person, attempted: str) -> AccessDecision:
    """The actor's access decision for the person; when refused, the attempt is audited
    as "record.denied" and PermissionDenied raised with a message revealing nothing."""
    decision = decide(by, person)
    if not decision.allowed:
        denied(by, person, attempted=attempted, reason=decision.reason)
        raise PermissionDenied("You do not have access to this person's record.")
    return decision


def _visible_records(records: list[SourceRecord], decision: AccessDecision) -> list[SourceRecord]:
    """Records the decision lets the actor know of: a service whose kind is a sensitive
    category they do not see (a mental health trust, when mental health is refused) is
    left out altogether. The person is never left with no record to show: the demographics
    of the others stand."""
    return [
        r
        for r in records
        if SOURCE_KIND_CATEGORY.get(r.system.kind, "") not in SENSITIVE_CATEGORIES
        or SOURCE_KIND_CATEGORY[r.system.kind] in decision.categories
    ]


def _identity(records: list[SourceRecord], systems: dict[int, SystemRef]) -> Identity:
    ordered = _preferred_order(records)
    top = ordered[0]
    variants = tuple(
        IdentityVariant(
            system=systems[r.system_id],
            local_id=r.local_id,
            given_name=r.given_name,
            family_name=r.family_name,
            date_of_birth=r.date_of_birth,
            birth_year=r.birth_year,
            birth_month=r.birth_month,
            sex=r.sex,
            nhs_number=format_nhs_number(r.nhs_number) if r.nhs_number else "",
            postcode=format_postcode(r.postcode) if r.postcode else "",
            address=r.address,
            phone=r.phone,
            updated_at=r.updated_at,
        )
        for r in ordered
    )
    named = next((r for r in ordered if r.given_name or r.family_name), top)
    nhs = _first(ordered, "nhs_number")
    postcode = _first(ordered, "postcode")
    return Identity(
        given_name=named.given_name,
        family_name=named.family_name,
        date_of_birth=_first(ordered, "date_of_birth"),
        sex=_first(ordered, "sex") or "",
        nhs_number=format_nhs_number(nhs) if nhs else "",
        postcode=format_postcode(postcode) if postcode else "",
        address=_first(ordered, "address") or "",
        phone=_first(ordered, "phone") or "",
        preferred_from=systems[top.system_id],
        variants=variants,
    )


def _conditions(
    events: list[SourceEvent], systems: dict[int, SystemRef]
) -> tuple[ConditionEntry, ...]:
    """Active GP conditions and diagnoses recorded elsewhere, one entry per code."""
    found: dict[str, dict] = {}
    for e in events:
        if e.kind not in DIAGNOSIS_KINDS:
            continue
        if e.kind in ("condition", "diagnosis"):
            if (e.status or "active").lower() not in ("active", "recurrence", "relapse"):
                continue
        elif not e.code:
            continue
        display = e.code_display or e.title
        key = e.code or display.strip().lower()
        if not key:
            continue
        entry = found.setdefault(
            key,
            {
                "code": e.code,
                "code_system": e.code_system,
                "display": display,
                "onset": e.start,
                "systems": {},
            },
        )
        if e.start and (entry["onset"] is None or e.start < entry["onset"]):
            entry["onset"] = e.start
        # The GP's wording wins: it is the record the person's care is coded against.
        if systems[e.system_id].kind == rules.GP_KIND and e.code_display:
            entry["display"] = e.code_display
        entry["systems"][e.system_id] = systems[e.system_id]
    entries = [
        ConditionEntry(
            code=v["code"],
            code_system=v["code_system"],
            display=v["display"],
            onset=v["onset"],
            systems=tuple(v["systems"].values()),
        )
        for v in found.values()
    ]
    entries.sort(key=lambda c: (c.onset is None, c.onset or date.min, c.display.lower()))
    return tuple(entries)


def _organisations(
    records: list[SourceRecord], events: list[SourceEvent], systems: dict[int, SystemRef]
) -> tuple[InvolvedOrganisation, ...]:
    local_ids: dict[int, list[str]] = defaultdict(list)
    for r in records:
        local_ids[r.system_id].append(r.local_id)
    counts: dict[int, int] = defaultdict(int)
    first: dict[int, date] = {}
    last: dict[int, date] = {}
    people: dict[int, dict[str, list]] = defaultdict(dict)
    for e in events:
        sid = e.system_id
        counts[sid] += 1
        if e.start:
            first[sid] = min(first.get(sid, e.start), e.start)
            last[sid] = max(last.get(sid, e.start), e.start)
        name = (e.practitioner or "").strip()
        if name:
            seen = people[sid].setdefault(name, [None, 0])
            seen[1] += 1
            if e.start and (seen[0] is None or e.start > seen[0]):
                seen[0] = e.start
    orgs = []
    for sid, ref in systems.items():
        professionals = sorted(
            (Professional(name=n, last_seen=v[0], entries=v[1]) for n, v in people[sid].items()),
            key=lambda p: (p.last_seen is None, -(p.last_seen or date.min).toordinal(), p.name),
        )
        orgs.append(
            InvolvedOrganisation(
                system=ref,
                local_ids=tuple(sorted(local_ids[sid])),
                events=counts[sid],
                first_event=first.get(sid),
                last_event=last.get(sid),
                professionals=tuple(professionals),
            )
        )
    orgs.sort(
        key=lambda o: (o.system.kind != rules.GP_KIND, o.system.kind_label, o.system.org_name)
    )
    return tuple(orgs)


def _current_services(
    events: list[SourceEvent], systems: dict[int, SystemRef], today: date
) -> tuple[CurrentService, ...]:
    services = []
    for e in events:
        details = e.details or {}
        group = rules.current_service_group(e.kind, e.end, e.status, details, today)
        if group is None:
            continue
        cost = rules.weekly_cost_pence(details)
        services.append(
            CurrentService(
                group=group,
                kind=e.kind,
                title=e.title,
                start=e.start,
                status=e.status,
                system=systems[e.system_id],
                hours_per_week=rules.weekly_hours(details),
                weekly_cost=rules.Money(cost) if cost is not None else None,
            )
        )
    services.sort(key=lambda s: (s.group, -(s.start or date.min).toordinal()))
    return tuple(services)


def _household_and_family(
    run: LinkageRun,
    person: Person,
    records: list[SourceRecord],
    systems: dict[int, SystemRef],
    decision: AccessDecision,
) -> tuple[tuple[RelatedPerson, ...], tuple[RelatedPerson, ...]]:
    """Household: people a housing system lists in the same household, or whose record has
    the same address and postcode as one of this person's. Family and carers: the
    relationships the sources record, from either side, from services of a category the
    actor sees."""
    seen_kinds = {k for k, c in SOURCE_KIND_CATEGORY.items() if c in decision.categories}
    own_ids = {r.id for r in records}
    by_system: dict[int, list[str]] = defaultdict(list)
    for r in records:
        by_system[r.system_id].append(r.local_id)

    outgoing = list(
        SourceRelationship.objects.filter(
            record_id__in=own_ids, system__kind__in=seen_kinds
        ).select_related("system")
    )
    incoming_q = Q()
    for sid, lids in by_system.items():
        incoming_q |= Q(system_id=sid, related_local_id__in=lids)
    incoming = list(
        SourceRelationship.objects.filter(incoming_q, system__kind__in=seen_kinds)
        .exclude(record_id__in=own_ids)
        .select_related("system", "record")
    )

    # The other side of each outgoing relationship, where the source names a record.
    wanted = Q()
    for rel in outgoing:
        if rel.related_local_id:
            wanted |= Q(system_id=rel.system_id, local_id=rel.related_local_id)
    related_records = (
        {(r.system_id, r.local_id): r for r in SourceRecord.objects.filter(wanted)}
        if wanted
        else {}
    )

    # The others at the person's address, as the person index groups households.
    neighbours = household_records(person.id, run, own=records) if run is not None else []

    others = {r.id for r in related_records.values()} | {r.record_id for r in incoming}
    others |= {r.id for r in neighbours}
    others -= own_ids
    person_of: dict[int, int] = {}
    names: dict[int, tuple[Person, str, date | None]] = {}
    if run is not None and others:
        person_of = dict(
            PersonLink.objects.filter(run=run, record_id__in=others).values_list(
                "record_id", "person_id"
            )
        )
        pids = set(person_of.values()) - {person.id}
        for pid, (p, recs) in _records_by_person(run, pids).items():
            ordered = _preferred_order(recs)
            named = next((r for r in ordered if r.given_name or r.family_name), ordered[0])
            names[pid] = (
                p,
                _display_name(named.given_name, named.family_name),
                _first(ordered, "date_of_birth"),
            )

    mentions: list[_Mention] = []
    for rel in outgoing:
        mentions.append(
            _Mention(
                rel.relationship,
                related_records.get((rel.system_id, rel.related_local_id)),
                rel.related_name,
                rel.system.org_name,
                systems[rel.system_id],
                str((rel.details or {}).get("relationship", "")),
            )
        )
    for rel in incoming:
        mentions.append(
            _Mention(
                rules.inverse_relationship(rel.relationship),
                rel.record,
                "",
                rel.system.org_name,
                SystemRef.of(rel.system),
                "",
            )
        )
    for r in neighbours:
        mentions.append(
            _Mention("household_member", r, "", "same address", SystemRef.of(r.system), "")
        )
    related = _resolve(mentions, person.id, person_of, names)
    household = tuple(r for r in related if r.relationship == "household_member")
    family = tuple(r for r in related if r.relationship != "household_member")
    return household, family


@dataclass(frozen=True)
class _Mention:
    """One source's statement that someone is related to the person."""

    relationship: str
    record: SourceRecord | None  # the other person's record, when the source names one
    written_name: str  # otherwise, the name the source wrote
    said_by: str  # the organisation that said so, or "same address"
    system: SystemRef
    description: str


def _resolve(
    mentions: list[_Mention], self_pid: int, person_of: dict[int, int], names: dict
) -> tuple[RelatedPerson, ...]:
    """Merge mentions of the same related person. A mention by name only (a GP's next of
    kin, a carer named on a social care row) is matched to a linked person mentioned
    elsewhere on this record when exactly one has that name; otherwise it is shown as
    written."""
    pid_of = [person_of.get(m.record.id) if m.record is not None else None for m in mentions]
    by_name: dict[str, set[int]] = defaultdict(set)
    for pid in pid_of:
        if pid is not None and pid in names:
            by_name[name_key(names[pid][1])].add(pid)
    entries: dict[tuple, dict] = {}
    for m, pid in zip(mentions, pid_of, strict=True):
        if pid == self_pid:
            continue
        if pid is None and m.record is None:
            matches = by_name.get(name_key(m.written_name), set())
            pid = next(iter(matches)) if len(matches) == 1 else None
        if pid is not None and pid in names:
            person, name, dob = names[pid]
            key: tuple = (m.relationship, "p", pid)
            found = entries.setdefault(
                key, {"person_id": person.external_id, "name": name, "dob": dob}
            )
        else:
            if m.record is not None:
                name = _display_name(m.record.given_name, m.record.family_name)
                dob = m.record.date_of_birth
            else:
                name, dob = m.written_name, None
            key = (m.relationship, "n", name_key(name), m.system.code)
            found = entries.setdefault(
                key, {"person_id": None, "name": name or "Name not recorded", "dob": dob}
            )
        found.setdefault("said_by", [])
        found.setdefault("descriptions", [])
        found.setdefault("systems", {})
        found["relationship"] = m.relationship
        if m.said_by not in found["said_by"]:
            found["said_by"].append(m.said_by)
        if m.description and m.description not in found["descriptions"]:
            found["descriptions"].append(m.description)
        found["systems"][m.system.code] = m.system
    out = [
        RelatedPerson(
            relationship=v["relationship"],
            relationship_label=relationship_label(v["relationship"]),
            person_id=v["person_id"],
            name=v["name"],
            date_of_birth=v["dob"],
            description=", ".join(v["descriptions"]),
            how="Recorded by " + "; ".join(v["said_by"])
            if v["said_by"] != ["same address"]
            else "Same address in the records",
            systems=tuple(v["systems"].values()),
        )
        for v in entries.values()
    ]
    out.sort(key=lambda r: (r.relationship_label, r.name.lower()))
    return tuple(out)


# ---------------------------------------------------------------------------- timeline


def get_timeline(
    person_external_id,
    *,
    by: Actor,
    systems: Sequence[str] | None = None,
    kinds: Sequence[str] | None = None,
    categories: Sequence[str] | None = None,
    page: int = 1,
    page_size: int = 50,
    date_from: date | None = None,
    date_to: date | None = None,
    visit: str = "",
) -> Timeline:
    """One timeline across every source, newest first, filtered by source system code,
    event kind and category, one page at a time. The filter values come back with the
    number of entries each has across the person's whole timeline. A fixed handful of
    queries whatever the number of entries. Only entries of the categories the access
    decision allows are counted or shown. `date_from` / `date_to` keep entries that started
    on or between those days (entries with no date drop out when either is given)."""
    person = _person(person_external_id)
    decision = _decide_or_deny(by, person, "record.timeline")
    page_size = max(1, min(int(page_size), 200))
    selected_systems = {s for s in systems or () if s}
    selected_kinds = {k for k in kinds or () if k}
    selected_categories = {c for c in categories or () if c}

    record_ids = list(
        PersonLink.objects.filter(run__is_current=True, person=person).values_list(
            "record_id", flat=True
        )
    )
    if not record_ids:
        raise PersonNotFound("This person has no records in the current linkage run.")
    all_events = SourceEvent.objects.filter(
        record_id__in=record_ids, category__in=decision.categories
    )
    groups = list(all_events.values_list("system_id", "kind", "category").annotate(n=Count("id")))
    in_range = dated(all_events, date_from, date_to)
    if in_range is not all_events:  # counts of the filtered total within the dates
        groups_in_range = list(
            in_range.values_list("system_id", "kind", "category").annotate(n=Count("id"))
        )
    else:
        groups_in_range = groups
    system_refs = {
        s.id: SystemRef.of(s) for s in SourceSystem.objects.filter(id__in={g[0] for g in groups})
    }

    def matches(system_id: int, kind: str, category: str) -> bool:
        return (
            (not selected_systems or system_refs[system_id].code in selected_systems)
            and (not selected_kinds or kind in selected_kinds)
            and (not selected_categories or category in selected_categories)
        )

    total = sum(n for sid, kind, cat, n in groups_in_range if matches(sid, kind, cat))
    pages = max(1, -(-total // page_size))
    page = max(1, min(int(page), pages))

    filtered = in_range
    if selected_systems:
        filtered = filtered.filter(
            system_id__in=[sid for sid, ref in system_refs.items() if ref.code in selected_systems]
        )
    if selected_kinds:
        filtered = filtered.filter(kind__in=selected_kinds)
    if selected_categories:
        filtered = filtered.filter(category__in=selected_categories)
    offset = (page - 1) * page_size
    rows = (
        filtered.order_by(F("start").desc(nulls_last=True), "-id")
        .select_related("record")
        .only(
            "system_id",
            "local_id",
            "kind",
            "category",
            "title",
            "start",
            "end",
            "status",
            "code",
            "code_system",
            "code_display",
            "practitioner",
            "details",
            "source_file",
            "source_row",
            "record__local_id",
        )[offset : offset + page_size]
        if total
        else []
    )
    items = tuple(
        TimelineItem(
            kind=e.kind,
            kind_label=kind_label(e.kind),
            category=e.category,
            category_label=category_label(e.category),
            title=e.title,
            start=e.start,
            end=e.end,
            status=e.status,
            code=e.code,
            code_system=e.code_system,
            code_display=e.code_display,
            practitioner=e.practitioner,
            details=e.details or {},
            system=system_refs[e.system_id],
            event_local_id=e.local_id,
            record_local_id=e.record.local_id,
            source_file=e.source_file,
            source_row=e.source_row,
        )
        for e in rows
    )

    system_counts: dict[str, int] = defaultdict(int)
    kind_counts: dict[str, int] = defaultdict(int)
    category_counts: dict[str, int] = defaultdict(int)
    for sid, kind, cat, n in groups:
        system_counts[system_refs[sid].code] += n
        kind_counts[kind] += n
        category_counts[cat] += n
    by_code = {ref.code: ref for ref in system_refs.values()}
    system_facets = sorted(
        (
            FacetValue(
                code,
                f"{by_code[code].org_name} ({by_code[code].kind_label})",
                n,
                code in selected_systems,
            )
            for code, n in system_counts.items()
        ),
        key=lambda f: f.label.lower(),
    )
    kind_facets = sorted(
        (FacetValue(k, kind_label(k), n, k in selected_kinds) for k, n in kind_counts.items()),
        key=lambda f: f.label.lower(),
    )
    category_facets = sorted(
        (
            FacetValue(c, category_label(c), n, c in selected_categories)
            for c, n in category_counts.items()
        ),
        key=lambda f: f.label.lower(),
    )
    audit_read(  # once per visit (onestory.record.visits)
        by=by,
        action="record.timeline",
        person_id=str(person.external_id),
        visit=visit,
        detail={
            "page": page,
            "systems": sorted(selected_systems),
            "kinds": sorted(selected_kinds),
            "categories": sorted(selected_categories),
            "dated": date_from is not None or date_to is not None,
            "shown": len(items),
        },
    )
    return Timeline(
        person_id=person.external_id,
        items=items,
        total=total,
        page=page,
        page_size=page_size,
        systems=tuple(system_facets),
        kinds=tuple(kind_facets),
        categories=tuple(category_facets),
    )


# ---------------------------------------------------------------------------- helpers


def _current_run() -> LinkageRun | None:
    return LinkageRun.objects.filter(is_current=True).first()


def _person(person_external_id) -> Person:
    try:
        key = uuid.UUID(str(person_external_id))
    except (TypeError, ValueError, AttributeError):
        raise PersonNotFound("No such person.") from None
    try:
        return Person.objects.get(external_id=key)
    except Person.DoesNotExist:
        raise PersonNotFound("No such person.") from None


def _linked_records(run: LinkageRun | None, person: Person) -> list[SourceRecord]:
    records = (
        list(
            SourceRecord.objects.filter(links__run=run, links__person=person).select_related(
                "system"
            )
        )
        if run is not None
        else []
    )
    if not records:
        raise PersonNotFound("This person has no records in the current linkage run.")
    return records


def _preferred_order(records: Iterable[SourceRecord]) -> list[SourceRecord]:
    return sorted(records, key=lambda r: rules.preference_key(r.system.kind, r.updated_at))


def _first(records: Sequence[SourceRecord], attr: str):
    """The first non-empty value of `attr` in preference order."""
    for r in records:
        value = getattr(r, attr)
        if value not in (None, ""):
            return value
    return None


def _display_name(given: str, family: str) -> str:
    return " ".join(part for part in (given, family) if part).strip()
