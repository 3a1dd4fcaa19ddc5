"""One FHIR view of every source (ADR 0016): the timeline entries and source systems that
did not arrive as FHIR are kept in the FHIR store too, as the resources `$everything`
has always mapped them to, so that read, search, versions and `$everything` work the same
whatever the source.

A derived resource's id is `stable_id("event", "<system code>|<entry's local id>")` (or
`stable_id("system", code)` for the Organization): the source's own keys, so re-imports
and relinking never change it. Its Patient reference names the source record; it is
pointed at the integrated Patient when served. `sync()` brings the store up to date and
costs one query when nothing has changed since it last ran."""

from django.db import IntegrityError, transaction
from django.db.models import F, Max
from django.utils import timezone

from onestory.interop.domain.bundle import content_hash
from onestory.interop.domain.index import search_tokens
from onestory.interop.domain.mapping import (
    event_resource,
    organization_resource,
    stable_id,
    status_of,
)
from onestory.interop.models import (
    FROM_EVENT,
    FROM_SYSTEM,
    FhirIdentifier,
    FhirProjectionState,
    FhirResource,
    FhirResourceVersion,
)
from onestory.record.domain.labels import kind_label
from onestory.sources.domain.facts import SOURCE_KIND_LABELS
from onestory.sources.models import ImportFile, SourceEvent, SourceSystem

BATCH = 2000
_EVENT_FIELDS = (
    "id",
    "system_id",
    "system__code",
    "record_id",
    "record__local_id",
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
    "content_hash",
)


def record_ref(system_code: str, local_id: str) -> str:
    """The Patient reference a derived resource carries for its source record."""
    return f"Patient/{stable_id('record', system_code, local_id)}"


def system_ref(system_code: str) -> str:
    return f"Organization/{stable_id('system', system_code)}"


def _marks() -> tuple[int, int, int]:
    return (
        ImportFile.objects.aggregate(m=Max("id"))["m"] or 0,
        SourceEvent.objects.aggregate(m=Max("id"))["m"] or 0,
        SourceSystem.objects.aggregate(m=Max("id"))["m"] or 0,
    )


def sync(force: bool = False) -> int:
    """Bring the derived resources up to date with the source rows; returns how many were
    made or changed. Run lazily before each FHIR read (nothing to do after the first one
    following an import) and by `onestory fhir index`."""
    marks = _marks()
    state = FhirProjectionState.objects.first()
    seen = (state.last_import, state.last_event, state.last_system) if state else (0, 0, 0)
    if marks == seen and not force:
        return 0
    try:
        with transaction.atomic():
            changed = _sync_systems() + _sync_events()
            FhirProjectionState.objects.update_or_create(
                pk=1,
                defaults={
                    "last_import": marks[0],
                    "last_event": marks[1],
                    "last_system": marks[2],
                },
            )
    except IntegrityError:
        return 0  # another request made the same resources at the same moment
    return changed


def _system_content(system: SourceSystem) -> dict:
    return organization_resource(
        system.code,
        system.org_code,
        system.org_name,
        SOURCE_KIND_LABELS.get(system.kind, system.kind),
    )


def _sync_systems() -> int:
    done = 0
    have = {r.source_system_id: r for r in FhirResource.objects.filter(origin=FROM_SYSTEM)}
    for system in SourceSystem.objects.all():
        content = _system_content(system)
        h = content_hash(content)
        row = have.get(system.pk)
        if row is not None and row.content_hash == h:
            continue
        if row is None:
            row, created = FhirResource.objects.get_or_create(
                resource_type="Organization",
                resource_id=content["id"],
                defaults={
                    "content": content,
                    "content_hash": h,
                    "origin": FROM_SYSTEM,
                    "source_system": system,
                    "name": content["name"][:200],
                },
            )
            if not created:
                continue  # an Organization of that id already stored as received
        else:
            _new_version(row, content, h)
            row.name = content["name"][:200]
            row.save()
        _index([(row, content)])
        done += 1
    return done


def _event_content(e: dict) -> dict:
    return event_resource(
        {
            "id_key": f"{e['system__code']}|{e['local_id']}",
            "kind": e["kind"],
            "kind_label": kind_label(e["kind"]),
            "title": e["title"],
            "start": e["start"],
            "end": e["end"],
            "status": e["status"],
            "code": e["code"],
            "code_system": e["code_system"],
            "code_display": e["code_display"],
        },
        record_ref(e["system__code"], e["record__local_id"]),
        system_ref(e["system__code"]),
    )


def _row_values(e: dict, content: dict) -> dict:
    return {
        "resource_type": content["resourceType"],
        "content": content,
        "content_hash": content_hash(content),
        "source_hash": e["content_hash"],
        "system_id": e["system_id"],
        "record_id": e["record_id"],
        "patient_ref": record_ref(e["system__code"], e["record__local_id"])[:80],
        "category": e["category"],
        "event_date": e["start"],
        "status": status_of(content)[:40],
        "name": e["title"][:200],
    }


def _sync_events() -> int:
    """New timeline entries (not from FHIR) become resources; entries a re-import changed
    make a new version of theirs."""
    done = 0
    new = (
        SourceEvent.objects.filter(fhir__isnull=True)
        .exclude(details__has_key="fhir")
        .order_by("id")
        .values(*_EVENT_FIELDS)
    )
    while batch := list(new[:BATCH]):
        rows = []
        for e in batch:
            content = _event_content(e)
            rows.append(
                FhirResource(
                    resource_id=content["id"],
                    origin=FROM_EVENT,
                    event_id=e["id"],
                    **_row_values(e, content),
                )
            )
        FhirResource.objects.bulk_create(rows)
        made = FhirResource.objects.filter(event_id__in=[e["id"] for e in batch])
        _index([(r, r.content) for r in made])
        done += len(rows)
    stale = FhirResource.objects.filter(origin=FROM_EVENT).exclude(
        source_hash=F("event__content_hash")
    )
    for row in stale.select_related("event"):
        e = SourceEvent.objects.filter(pk=row.event_id).values(*_EVENT_FIELDS).get()
        content = _event_content(e)
        values = _row_values(e, content)
        if values["content_hash"] != row.content_hash:
            _new_version(row, content, values["content_hash"])
        for key, value in values.items():
            setattr(row, key, value)
        row.save()
        _index([(row, content)])
        done += 1
    return done


def _new_version(row: FhirResource, content: dict, h: str) -> None:
    """Keep the current version in the history and make `content` the next one."""
    FhirResourceVersion.objects.create(
        resource=row, version_id=row.version_id, content=row.content, updated_at=row.updated_at
    )
    row.version_id += 1
    row.content = content
    row.content_hash = h
    row.updated_at = timezone.now()


def _index(rows: list[tuple[FhirResource, dict]]) -> None:
    FhirIdentifier.objects.filter(resource_id__in=[r.pk for r, _ in rows]).delete()
    FhirIdentifier.objects.bulk_create(
        [
            FhirIdentifier(resource_id=r.pk, param=p, system=s, value=v)
            for r, content in rows
            for p, s, v in search_tokens(content)
        ]
    )
