"""Reads of MDT case management, each with its access check and, where it shows people,
an audit entry. The worklist excludes people who opted out of secondary use and people who
refused the reader's organisation, whatever the run stored."""

from collections.abc import Iterable
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import F, Q, QuerySet
from django.http import Http404

from onestory.access import queries as access_queries
from onestory.access.domain.roles import Permission
from onestory.access.models import StaffMember
from onestory.access.policy import (
    has_permission,
    outside_partnership_people,
    refused_organisation_people,
    require,
)
from onestory.access.queries import people_opted_out
from onestory.audit.actions import record_event
from onestory.audit.domain.actor import Actor
from onestory.casework import guard
from onestory.casework.domain.categories import Reasons, visible_reasons
from onestory.casework.models import (
    CaseFindingRun,
    CaseloadEntry,
    MdtAction,
    MdtMeeting,
    PersonRisk,
)
from onestory.people.models import LinkageRun, Person, PersonLink


def deficit_label(name: str) -> str:
    return name.replace("_", " ").capitalize()


def current_run() -> CaseFindingRun | None:
    return CaseFindingRun.objects.exclude(finished_at=None).order_by("-finished_at", "-id").first()


def worklist_queryset(
    run: CaseFindingRun,
    *,
    by: Actor,
    practice_code: str = "",
    neighbourhood: str = "",
    category: str = "",
    min_risk: float | None = None,
    include_caseload: bool = False,
) -> QuerySet[PersonRisk]:
    """The run's scores, highest risk first, without anyone who opted out of secondary use
    or refused the reader's organisation, nor another partnership's people (and, unless asked, without people already on the
    caseload)."""
    rows = (
        PersonRisk.objects.filter(run=run)
        .exclude(person_id__in=people_opted_out())
        .exclude(person_id__in=refused_organisation_people(by))
        .exclude(person_id__in=outside_partnership_people(by))
    )
    if not include_caseload:
        rows = rows.exclude(
            person_id__in=CaseloadEntry.objects.filter(ended_at__isnull=True).values("person_id")
        )
    if practice_code:
        rows = rows.filter(practice_code=practice_code)
    if neighbourhood:
        rows = rows.filter(neighbourhood=neighbourhood)
    if category:
        rows = rows.filter(efi_category=category)
    if min_risk is not None:
        rows = rows.filter(risk__gte=min_risk)
    return rows.order_by("-risk", "person_id")


@dataclass(frozen=True)
class Named:
    name: str
    external_id: str
    nhs_number: str


def names_for(person_ids: Iterable[int]) -> dict[int, Named]:
    """Display names (GP record first) for people in the current linkage run."""
    ids = list(person_ids)
    run = LinkageRun.objects.filter(is_current=True).first()
    out: dict[int, Named] = {}
    if run is None or not ids:
        return out
    links = (
        PersonLink.objects.filter(run=run, person_id__in=ids)
        .select_related("record__system", "person")
        .order_by("person_id", "record_id")
    )
    for link in links:
        r = link.record
        held = out.get(link.person_id)
        if held is not None and r.system.kind != "gp":
            continue
        name = (
            " ".join(p for p in (r.given_name, r.family_name.upper()) if p) or "Name not recorded"
        )
        out[link.person_id] = Named(name, str(link.person.external_id), r.nhs_number)
    return out


@dataclass(frozen=True)
class WorklistRow:
    score: PersonRisk
    named: Named
    reasons: Reasons

    @property
    def deficit_labels(self) -> tuple[str, ...]:
        return tuple(deficit_label(d) for d in self.reasons.deficits)


# Sort orders the worklist offers: key -> (label, ordering).
SORTS = {
    "risk": ("Risk", ("-risk", "person_id")),
    "efi": ("Frailty (eFI)", ("-efi_score", "-risk", "person_id")),
    "admissions": ("Emergency admissions", ("-emergency_admissions_12m", "-risk", "person_id")),
    "lace": ("LACE", (F("lace").desc(nulls_last=True), "-risk", "person_id")),
    "age": ("Age", ("-age", "-risk", "person_id")),
}
PAGE_SIZE = 50


@dataclass(frozen=True)
class Worklist:
    run: CaseFindingRun | None
    rows: tuple[WorklistRow, ...]
    total: int
    practices: tuple[tuple[str, str], ...]
    neighbourhoods: tuple[str, ...]
    page: int = 1
    pages: int = 1
    sort: str = "risk"


def visible_worklist_ids(
    run: CaseFindingRun, *, by: Actor, sort: str = "risk", **filters
) -> list[int]:
    """The worklist's person ids in order, only people the reader has a legitimate
    relationship with (the record's decision, `search_access`, in a fixed number of
    queries), without anyone who opted out or refused the reader's organisation."""
    ordering = SORTS.get(sort, SORTS["risk"])[1]
    ids = list(
        worklist_queryset(run, by=by, **filters)
        .order_by(*ordering)
        .values_list("person_id", flat=True)
    )
    access = guard.allowed_ids(by, ids)
    return [pid for pid in ids if access.get(pid)]


def _rows(run: CaseFindingRun, person_ids: list[int], *, by: Actor) -> tuple[WorklistRow, ...]:
    """The rows for these people, in this order, each with the reasons the reader's data
    categories allow."""
    scores = {s.person_id: s for s in PersonRisk.objects.filter(run=run, person_id__in=person_ids)}
    named = names_for(person_ids)
    categories = guard.categories_for(by, person_ids)
    return tuple(
        WorklistRow(
            scores[pid],
            named.get(pid, Named("Name not recorded", "", "")),
            visible_reasons(scores[pid].deficits, scores[pid].admissions, categories[pid]),
        )
        for pid in person_ids
        if pid in scores
    )


def worklist(
    *,
    by: Actor,
    practice_code: str = "",
    neighbourhood: str = "",
    category: str = "",
    min_risk: float | None = None,
    sort: str = "risk",
    page: int = 1,
    limit: int = PAGE_SIZE,
) -> Worklist:
    """People by risk for an MDT lead, only those they have a legitimate relationship with,
    each with the reasons their data categories allow; one page at a time; audited (how
    many shown, which filters — never who)."""
    require(by, Permission.LEAD_MDT)
    run = current_run()
    if run is None:
        return Worklist(None, (), 0, (), ())
    sort = sort if sort in SORTS else "risk"
    filters = {
        "practice_code": practice_code,
        "neighbourhood": neighbourhood,
        "category": category,
        "min_risk": min_risk,
    }
    ids = visible_worklist_ids(run, by=by, sort=sort, **filters)
    total = len(ids)
    pages = max(1, -(-total // limit))
    page = min(max(page, 1), pages)
    rows = _rows(run, ids[(page - 1) * limit : page * limit], by=by)
    practices = tuple(
        PersonRisk.objects.filter(run=run)
        .exclude(practice_code="")
        .values_list("practice_code", "practice_name")
        .distinct()
        .order_by("practice_name")
    )
    neighbourhoods = tuple(
        PersonRisk.objects.filter(run=run)
        .exclude(neighbourhood="")
        .values_list("neighbourhood", flat=True)
        .distinct()
        .order_by("neighbourhood")
    )
    with transaction.atomic():
        record_event(
            by=by,
            action="casework.worklist_viewed",
            detail={
                "run": run.pk,
                "shown": len(rows),
                "total": total,
                "page": page,
                "sort": sort,
                "practice": practice_code,
                "neighbourhood": neighbourhood,
                "category": category,
            },
        )
    return Worklist(run, rows, total, practices, neighbourhoods, page, pages, sort)


def worklist_export(
    *,
    by: Actor,
    practice_code: str = "",
    neighbourhood: str = "",
    category: str = "",
    min_risk: float | None = None,
    sort: str = "risk",
) -> tuple[WorklistRow, ...]:
    """Every row of the worklist as the reader sees it (same filtering as the page), for a
    CSV file; audited as an export (how many, which filters — never who)."""
    require(by, Permission.LEAD_MDT)
    run = current_run()
    if run is None:
        return ()
    sort = sort if sort in SORTS else "risk"
    ids = visible_worklist_ids(
        run,
        by=by,
        sort=sort,
        practice_code=practice_code,
        neighbourhood=neighbourhood,
        category=category,
        min_risk=min_risk,
    )
    rows: list[WorklistRow] = []
    for start in range(0, len(ids), guard.CHUNK):
        rows.extend(_rows(run, ids[start : start + guard.CHUNK], by=by))
    with transaction.atomic():
        record_event(
            by=by,
            action="casework.worklist_exported",
            detail={
                "run": run.pk,
                "rows": len(rows),
                "sort": sort,
                "practice": practice_code,
                "neighbourhood": neighbourhood,
                "category": category,
            },
        )
    return tuple(rows)


def check_person(by: Actor, person, *, attempted: str):
    """An MDT lead's access to one person for a casework page (the record's decision);
    refused: audited as "record.denied" and PermissionDenied."""
    return guard.check_person(by, person, attempted=attempted, permission=Permission.LEAD_MDT)


def person_by_external_id(external_id) -> Person:
    """The person with this id, or 404 (the access app's lookup, kept for the page)."""
    return access_queries.person_by_external_id(external_id)


def latest_score(person) -> PersonRisk | None:
    run = current_run()
    if run is None:
        return None
    return PersonRisk.objects.filter(run=run, person=person).first()


def open_caseload_entry(person) -> CaseloadEntry | None:
    """The person's open MDT caseload entry (with their coordinator), if any. Shown only on
    pages that already checked access to the person."""
    return (
        CaseloadEntry.objects.filter(person=person, ended_at__isnull=True)
        .select_related("coordinator__user", "coordinator__organisation")
        .first()
    )


WITHHELD = Named("Withheld", "", "")


@dataclass(frozen=True)
class CaseloadRow:
    entry: CaseloadEntry
    named: Named  # WITHHELD when the reader may not see the person
    seen: guard.Seen
    mine: bool  # the reader is the named coordinator


@dataclass(frozen=True)
class Caseload:
    rows: tuple[CaseloadRow, ...]
    lead: bool
    not_shown: int  # open entries for people the reader has no relationship with


def caseload(*, by: Actor) -> Caseload:
    """The open caseload as the reader may see it. An MDT lead sees the entries for people
    they have a legitimate relationship with (the record's decision); any direct-care member
    of staff sees the entries they coordinate, withheld (no name, no reason) while they have
    no relationship with the person. Audited with counts only."""
    lead = has_permission(by, Permission.LEAD_MDT)
    staff = StaffMember.objects.filter(user_id=by.user_pk).first() if by.user_pk else None
    if not lead and (staff is None or not has_permission(by, Permission.JOIN_CARE_TEAM)):
        raise PermissionDenied("Your role does not allow: lead mdt")
    entries = CaseloadEntry.objects.filter(ended_at__isnull=True).select_related(
        "person", "coordinator__user", "coordinator__organisation"
    )
    if not lead:
        entries = entries.filter(coordinator=staff)
    entries_list = list(entries)
    seen = guard.visibility(by, [e.person_id for e in entries_list])
    named = names_for(pid for pid, s in seen.items() if s.allowed)
    rows, not_shown = [], 0
    for e in entries_list:
        s = seen.get(e.person_id, guard.HIDDEN)
        mine = staff is not None and e.coordinator_id == staff.pk
        if s.allowed:
            rows.append(
                CaseloadRow(e, named.get(e.person_id, Named("Name not recorded", "", "")), s, mine)
            )
        elif mine:
            rows.append(CaseloadRow(e, WITHHELD, s, mine))
        else:
            not_shown += 1
    with transaction.atomic():
        record_event(
            by=by,
            action="casework.caseload_viewed",
            detail={
                "shown": sum(1 for r in rows if r.seen.allowed),
                "withheld": sum(1 for r in rows if not r.seen.allowed),
                "not_shown": not_shown,
            },
        )
    return Caseload(tuple(rows), lead, not_shown)


def caseload_entry(entry_id: int) -> CaseloadEntry:
    entry = (
        CaseloadEntry.objects.filter(pk=entry_id, ended_at__isnull=True)
        .select_related("person")
        .first()
    )
    if entry is None:
        raise Http404("No such caseload entry")
    return entry


def coordinators() -> QuerySet[StaffMember]:
    """Staff who may be named as a coordinator or given an action: anyone in a role that
    joins care teams (a direct-care role), in any organisation."""
    return (
        StaffMember.objects.filter(
            role__in=[
                "gp",
                "nurse",
                "social_worker",
                "care_coordinator",
                "mental_health_worker",
                "housing_officer",
                "voluntary_worker",
            ]
        )
        .select_related("user", "organisation")
        .order_by("organisation__name", "user__username")
    )


def meetings(*, by: Actor) -> QuerySet[MdtMeeting]:
    require(by, Permission.LEAD_MDT)
    return MdtMeeting.objects.all()


def open_action_count(staff: StaffMember) -> int:
    return MdtAction.objects.filter(Q(assignee=staff) & Q(completed_at__isnull=True)).count()
