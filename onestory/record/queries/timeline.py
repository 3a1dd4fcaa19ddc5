"""One person's timeline across every source."""

from collections import defaultdict
from collections.abc import Sequence
from datetime import date

from django.db.models import Count, F

from onestory.access.domain.visibility import may_name_source
from onestory.audit.domain.actor import Actor
from onestory.people.models import PersonLink
from onestory.record.domain.labels import category_label, kind_label
from onestory.record.queries.common import (
    decide_or_deny,
    person_by_id,
    withheld_notes,
)
from onestory.record.queries.results import (
    FacetValue,
    PersonNotFound,
    SystemRef,
    Timeline,
    TimelineItem,
)
from onestory.record.timeline_dates import dated
from onestory.record.visits import audit_read
from onestory.sources.models import SourceEvent, SourceSystem

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
    person = person_by_id(person_external_id)
    decision = decide_or_deny(by, person, "record.timeline")
    page_size = max(1, min(int(page_size), 200))
    selected_systems = {s for s in systems or () if s}
    selected_kinds = {k for k in kinds or () if k}
    selected_categories = {c for c in categories or () if c}

    linked = list(
        PersonLink.objects.filter(run__is_current=True, person=person).values_list(
            "record_id", "record__system__kind"
        )
    )
    if not linked:
        raise PersonNotFound("This person has no records in the current linkage run.")
    # Nothing from a service that may not be named (a mental health trust's entries of
    # another category, once mental health is refused), as on the summary.
    record_ids = [rid for rid, kind in linked if may_name_source(kind, decision.categories)]
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
        withheld=withheld_notes(by, decision),
    )
