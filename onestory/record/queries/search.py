"""Finding people: the search page, /api/people and FHIR Patient search."""

from collections.abc import Sequence

from django.db.models import Q

from onestory.access.domain.roles import Permission
from onestory.access.policy import (
    refused_organisation_people,
    require,
    search_access,
)
from onestory.audit.actions import record_event
from onestory.audit.domain.actor import Actor
from onestory.people.domain.nhs_number import format_nhs_number
from onestory.people.domain.normalise import format_postcode
from onestory.people.models import LinkageRun, Person, PersonLink
from onestory.record.domain.search import SearchQuery, SearchQueryError
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
from onestory.sources.domain.facts import (
    SENSITIVE_CATEGORIES,
    SOURCE_KIND_CATEGORY,
)

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
    run = current_run()
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
    by_person = records_by_person(run, person_ids)
    summaries = []
    for pid in person_ids:
        person, records = by_person.get(pid, (None, []))
        records = [r for r in records if r.system.kind not in hidden_kinds]
        if person is None or not records:
            continue
        ordered = preferred_order(records)
        named = next((r for r in ordered if r.given_name or r.family_name), ordered[0])
        summaries.append(
            PersonSummary(
                person_id=person.external_id,
                given_name=named.given_name,
                family_name=named.family_name,
                date_of_birth=first(ordered, "date_of_birth"),
                nhs_number=format_nhs_number(first(ordered, "nhs_number") or ""),
                postcode=format_postcode(first(ordered, "postcode") or ""),
                systems=len({r.system_id for r in records}),
                access=bool(access.get(pid)),
            )
        )
    summaries.sort(key=lambda s: (s.family_name.lower(), s.given_name.lower(), str(s.person_id)))
    return tuple(summaries)
