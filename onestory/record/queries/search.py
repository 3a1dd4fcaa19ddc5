"""Finding people: the search page, /api/people and FHIR Patient search."""

from django.db.models import Q

from onestory.access.domain.roles import Permission
from onestory.access.domain.visibility import (
    HIDDEN,
    IDENTITY_ONLY,
    NOT_SHARED_WITH_YOU,
    WITH_ACCESS,
    may_name_source,
)
from onestory.access.policy import require, search_standings
from onestory.audit.actions import record_event
from onestory.audit.domain.actor import Actor
from onestory.people.domain.nhs_number import format_nhs_number
from onestory.people.domain.normalise import format_postcode
from onestory.people.models import Person, PersonLink
from onestory.record.domain.search import (
    NAME_MATCH_THRESHOLD,
    SearchQuery,
    SearchQueryError,
    name_block_prefixes,
    name_score,
)
from onestory.record.queries.common import (
    current_run,
    first,
    preferred_order,
    records_by_person,
)
from onestory.record.queries.results import (
    PersonSummary,
    SearchResults,
)
from onestory.sources.models import SourceRecord

# ---------------------------------------------------------------------------- search

# A search that could list more people than this asks for more detail instead of listing.
MAX_CANDIDATES = 5000


def search_people(
    query: SearchQuery, *, by: Actor, limit: int = 50, offset: int = 0
) -> SearchResults:
    """People (in the current linkage run) with a linked record matching every given
    criterion; each criterion may be met by a different one of the person's records, and
    a name may be misspelt (ranked by how close it came). One page of `limit` from
    `offset`.

    What each result shows follows ADR 0011 (`access.domain.visibility.search_standing`):
    in full with a relationship; name and year of birth only, on a precise query (an NHS
    number, or a name with a full date of birth), to a role that may join the care team
    or break glass; otherwise not listed or counted. People who refused the searcher's
    organisation are counted as "chose not to share" on a precise query, never named.
    Records of a service whose category may not be named to the searcher for that person
    (a mental health trust, for a housing officer or after the person refused mental
    health) are neither searched nor counted. The audit event names which kinds of
    criteria were used and how many people were listed, never the search terms."""
    require(by, Permission.SEARCH_PEOPLE)
    if query.is_empty:
        raise SearchQueryError({"name": "Enter at least one search criterion"})
    limit = max(1, min(limit, 500))
    offset = max(0, offset)
    run = current_run()
    listed: list[tuple[float, int, list[SourceRecord], str]] = []
    not_shared = 0
    by_person: dict = {}
    if run is not None:
        candidates = list(
            PersonLink.objects.filter(run=run)
            .filter(_on_record(_block(query)))
            .order_by("person_id")
            .values_list("person_id", flat=True)
            .distinct()[: MAX_CANDIDATES + 1]
        )
        if len(candidates) > MAX_CANDIDATES:
            raise SearchQueryError(
                {
                    query.criteria[0]: "Too many people match: add a date of birth, "
                    "a full postcode or more of the name"
                }
            )
        standings = search_standings(by, candidates, precise=query.precise)
        by_person = records_by_person(run, candidates)
        for pid in candidates:
            standing, seen = standings.get(pid, (HIDDEN, frozenset()))
            if standing == HIDDEN:
                continue
            _, records = by_person.get(pid, (None, []))
            records = [r for r in records if may_name_source(r.system.kind, seen)]
            score = _match(query, records)
            if score is None:
                continue
            if standing == NOT_SHARED_WITH_YOU:
                not_shared += 1
            else:
                listed.append((score, pid, records, standing))
    listed.sort(key=lambda m: (-m[0], *_sort_name(m[2]), m[1]))
    page = listed[offset : offset + limit]
    people = tuple(
        _summary(by_person[pid][0], records, standing, query, score)
        for score, pid, records, standing in page
    )
    record_event(
        by=by,
        action="record.search",
        detail={
            "criteria": list(query.criteria),
            "results": len(listed),
            "identity_only": sum(1 for m in listed if m[3] == IDENTITY_ONLY),
            "not_shared": not_shared,
        },
    )
    return SearchResults(
        people=people,
        total=len(listed),
        limit=limit,
        offset=offset,
        not_shared=not_shared,
        related_only=not query.precise,
    )


def _block(query: SearchQuery) -> Q:
    """The one criterion the database narrows candidates by (the most selective given);
    every criterion is then checked on each candidate's nameable records."""
    if query.nhs_number:
        return Q(nhs_number=query.nhs_number)
    if query.date_of_birth is not None:
        return Q(date_of_birth=query.date_of_birth)
    if query.postcode is not None:
        pc = query.postcode
        if pc.mode == "exact":
            return Q(norm_postcode=pc.key)
        return _prefix("norm_postcode", pc.key)
    q = Q()
    for given, family in name_block_prefixes(query.name_tokens):
        part = Q()
        if given:
            part &= _prefix("norm_given", given)
        if family:
            part &= _prefix("norm_family", family)
        q |= part
    return q


def _match(query: SearchQuery, records: list[SourceRecord]) -> float | None:
    """How well the person's records meet every criterion (each may be met by a different
    record): the best name score, or None when a criterion is not met."""
    if not records:
        return None
    if query.nhs_number and not any(r.nhs_number == query.nhs_number for r in records):
        return None
    if query.date_of_birth is not None and not any(
        r.date_of_birth == query.date_of_birth for r in records
    ):
        return None
    if query.postcode is not None and not any(
        r.norm_postcode and query.postcode_matches(r.norm_postcode) for r in records
    ):
        return None
    score = max(name_score(query.name_tokens, r.norm_given, r.norm_family) for r in records)
    return score if score >= NAME_MATCH_THRESHOLD else None


def _sort_name(records: list[SourceRecord]) -> tuple[str, str]:
    ordered = preferred_order(records)
    named = next((r for r in ordered if r.given_name or r.family_name), ordered[0])
    return named.family_name.lower(), named.given_name.lower()


def _summary(
    person: Person,
    records: list[SourceRecord],
    standing: str,
    query: SearchQuery,
    score: float,
) -> PersonSummary:
    """One result from the person's nameable records. Without a relationship: the name and
    year of birth, with the date of birth and NHS number only when the searcher typed
    them (to confirm which person this is); the rest withheld."""
    ordered = preferred_order(records)
    named = next((r for r in ordered if r.given_name or r.family_name), ordered[0])
    dob = first(ordered, "date_of_birth")
    birth_year = dob.year if dob else first(ordered, "birth_year")
    nhs_number = format_nhs_number(first(ordered, "nhs_number") or "")
    postcode = format_postcode(first(ordered, "postcode") or "")
    systems = len({r.system_id for r in records})
    if standing == WITH_ACCESS:
        return PersonSummary(
            person_id=person.external_id,
            given_name=named.given_name,
            family_name=named.family_name,
            date_of_birth=dob,
            nhs_number=nhs_number,
            postcode=postcode,
            systems=systems,
            access=True,
            birth_year=birth_year,
            match=round(score, 3),
        )
    withheld = ["postcode", "systems"]
    if query.date_of_birth is None:
        withheld.insert(0, "date_of_birth")
    if not query.nhs_number:
        withheld.insert(0, "nhs_number")
    return PersonSummary(
        person_id=person.external_id,
        given_name=named.given_name,
        family_name=named.family_name,
        date_of_birth=None if "date_of_birth" in withheld else dob,
        nhs_number=None if "nhs_number" in withheld else nhs_number,
        postcode=None,
        systems=None,
        access=False,
        birth_year=birth_year,
        withheld=tuple(withheld),
        match=round(score, 3),
    )


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
