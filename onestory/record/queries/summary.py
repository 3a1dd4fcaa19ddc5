"""One person's record summary: identity, conditions, who is involved, services, household."""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from django.db.models import Q
from django.utils import timezone

from onestory.access.domain.visibility import may_name_source
from onestory.access.policy import (
    AccessDecision,
    decide,
)
from onestory.audit.domain.actor import Actor
from onestory.people.domain.nhs_number import format_nhs_number
from onestory.people.domain.normalise import format_postcode, name_key
from onestory.people.households import household_records
from onestory.people.models import LinkageRun, Person, PersonLink
from onestory.record.domain import summary as rules
from onestory.record.domain.clinical import problem_state
from onestory.record.domain.labels import relationship_label
from onestory.record.queries.common import (
    current_run,
    decide_or_deny,
    first,
    linked_records,
    person_by_id,
    preferred_order,
    records_by_person,
    visible_records,
    withheld_notes,
)
from onestory.record.queries.results import (
    DIAGNOSIS_KINDS,
    ConditionEntry,
    CurrentService,
    Identity,
    IdentityVariant,
    InvolvedOrganisation,
    PersonRecord,
    Professional,
    RelatedPerson,
    SystemRef,
    display_name,
)
from onestory.record.visits import audit_read
from onestory.sources.domain.facts import (
    SOURCE_KIND_CATEGORY,
)
from onestory.sources.models import SourceEvent, SourceRecord, SourceRelationship

# ---------------------------------------------------------------------------- record


def get_person_record(
    person_external_id, *, by: Actor, purpose: str = "", visit: str = ""
) -> PersonRecord:
    """The integrated record summary for one person, as far as the access decision allows:
    only entries of the categories the actor sees, and nothing from a service whose very
    existence is a sensitive category they do not see. Audited as "record.view"; a refusal
    is audited as "record.denied" and raises PermissionDenied saying nothing about them."""
    person = person_by_id(person_external_id)
    decision = decide_or_deny(by, person, "record.view")
    run = current_run()
    records = visible_records(linked_records(run, person), decision)
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
        withheld=withheld_notes(by, decision),
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
    return decide(by, person_by_id(person_external_id))


def _identity(records: list[SourceRecord], systems: dict[int, SystemRef]) -> Identity:
    ordered = preferred_order(records)
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
    nhs = first(ordered, "nhs_number")
    postcode = first(ordered, "postcode")
    return Identity(
        given_name=named.given_name,
        family_name=named.family_name,
        date_of_birth=first(ordered, "date_of_birth"),
        sex=first(ordered, "sex") or "",
        nhs_number=format_nhs_number(nhs) if nhs else "",
        postcode=format_postcode(postcode) if postcode else "",
        address=first(ordered, "address") or "",
        phone=first(ordered, "phone") or "",
        preferred_from=systems[top.system_id],
        variants=variants,
    )


def _conditions(
    events: list[SourceEvent], systems: dict[int, SystemRef]
) -> tuple[ConditionEntry, ...]:
    """Current conditions (GP and diagnoses recorded elsewhere), one entry per code, by the
    same rule as the clinical summary's current problems (`clinical.problem_state`): not
    resolved or ended, and not a short-term problem from long ago."""
    found: dict[str, dict] = {}
    today = timezone.localdate()
    for e in events:
        if e.kind not in DIAGNOSIS_KINDS:
            continue
        clinical_status = e.kind in ("condition", "diagnosis")
        if not clinical_status and not e.code:
            continue
        state = problem_state(
            code=e.code,
            status=e.status if clinical_status else "",
            end=e.end if clinical_status else None,
            onset=e.start,
            today=today,
        )
        if not state.current:
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
    # A neighbour known only to a service that may not be named is not listed through it.
    neighbours = [
        r
        for r in (household_records(person.id, run, own=records) if run is not None else [])
        if may_name_source(r.system.kind, decision.categories)
    ]

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
        for pid, (p, recs) in records_by_person(run, pids).items():
            recs = [r for r in recs if may_name_source(r.system.kind, decision.categories)]
            if not recs:
                continue
            ordered = preferred_order(recs)
            named = next((r for r in ordered if r.given_name or r.family_name), ordered[0])
            names[pid] = (
                p,
                display_name(named.given_name, named.family_name),
                first(ordered, "date_of_birth"),
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
                name = display_name(m.record.given_name, m.record.family_name)
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
