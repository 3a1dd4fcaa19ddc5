"""One FHIR view of every source (ADR 0016): the timeline entries and source systems that
did not arrive as FHIR are kept in the FHIR store too, as the resources `$everything`
has always mapped them to, so that read, search, versions and `$everything` work the same
whatever the source.

A derived resource's id is `stable_id("event", "<system code>|<entry's local id>")` (or
`stable_id("system", code)` for the Organization): the source's own keys, so re-imports
and relinking never change it. Its Patient reference names the source record; it is
pointed at the integrated Patient when served. `sync()` brings the store up to date and
costs one query when nothing has changed since it last ran.

New timeline entries are read in batches by id (keyset) and their resources made in
Python; on PostgreSQL each batch goes in through COPY (the bulk path, ids drawn from the
table's sequence first), elsewhere through `bulk_create`. Both store the same resources and
search tokens (tests/integration/test_fhir_projection_bulk.py)."""

from functools import lru_cache

from django.db import IntegrityError, connection, transaction
from django.db.models import Exists, F, Max, Min, OuterRef
from django.utils import timezone

from onestory.interop.domain.bundle import content_hash, content_text, text_hash
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

BATCH = 5000
WIDEST = 64 * BATCH  # the widest window of entry ids read at once
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


@lru_cache(maxsize=65536)
def record_ref(system_code: str, local_id: str) -> str:
    """The Patient reference a derived resource carries for its source record."""
    return f"Patient/{stable_id('record', system_code, local_id)}"


@lru_cache(maxsize=1024)
def system_ref(system_code: str) -> str:
    return f"Organization/{stable_id('system', system_code)}"


def _marks() -> tuple[int, int, int]:
    return (
        ImportFile.objects.aggregate(m=Max("id"))["m"] or 0,
        SourceEvent.objects.aggregate(m=Max("id"))["m"] or 0,
        SourceSystem.objects.aggregate(m=Max("id"))["m"] or 0,
    )


def sync(force: bool = False, *, bulk: bool | None = None) -> int:
    """Bring the derived resources up to date with the source rows; returns how many were
    made or changed. Run lazily before each FHIR read (nothing to do after the first one
    following an import) and by `onestory fhir index`. `bulk` (PostgreSQL's COPY) is on
    by default on PostgreSQL; `bulk=False` makes the same resources through the ORM."""
    if bulk is None:
        bulk = connection.vendor == "postgresql"
    elif bulk and connection.vendor != "postgresql":
        raise ValueError("the bulk path (COPY) needs PostgreSQL")
    marks = _marks()
    state = FhirProjectionState.objects.first()
    seen = (state.last_import, state.last_event, state.last_system) if state else (0, 0, 0)
    if marks == seen and not force:
        return 0
    try:
        with transaction.atomic():
            changed = _sync_systems() + _sync_new_events(bulk) + _sync_changed_events()
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


def _row_values(e: dict, content: dict, h: str = "") -> dict:
    return {
        "resource_type": content["resourceType"],
        "content": content,
        "content_hash": h or content_hash(content),
        "source_hash": e["content_hash"],
        "system_id": e["system_id"],
        "record_id": e["record_id"],
        "patient_ref": record_ref(e["system__code"], e["record__local_id"])[:80],
        "category": e["category"],
        "event_date": e["start"],
        "status": status_of(content)[:40],
        "name": e["title"][:200],
    }


def _sync_new_events(bulk: bool) -> int:
    """New timeline entries (not from FHIR) become resources, a batch at a time. The
    entries are read in windows of ids (at most BATCH from each), so that each read is an
    index range probed against the resources' `event` index however large both tables are;
    a window with nothing new widens the next (a re-run after a small import walks past
    the entries already made in few reads)."""
    done = 0
    bounds = SourceEvent.objects.aggregate(lo=Min("id"), hi=Max("id"))
    if bounds["hi"] is None:
        return 0
    new = (
        SourceEvent.objects.filter(~Exists(FhirResource.objects.filter(event_id=OuterRef("pk"))))
        .exclude(details__has_key="fhir")
        .order_by("id")
        .values(*_EVENT_FIELDS)
    )
    last, width = bounds["lo"] - 1, BATCH
    while last < bounds["hi"]:
        end = min(last + width, bounds["hi"])
        batch = list(new.filter(id__gt=last, id__lte=end)[:BATCH])
        if len(batch) < BATCH:
            last = end
            width = BATCH if batch else min(2 * width, WIDEST)
        else:
            last = batch[-1]["id"]
        if batch:
            (_copy_new if bulk else _create_new)(batch)
            done += len(batch)
    return done


def _create_new(batch: list[dict]) -> None:
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
    if any(r.pk is None for r in rows):  # a database that does not return new ids
        by_event = dict(
            FhirResource.objects.filter(event_id__in=[e["id"] for e in batch]).values_list(
                "event_id", "pk"
            )
        )
        for r in rows:
            r.pk = by_event[r.event_id]
    FhirIdentifier.objects.bulk_create(
        [
            FhirIdentifier(resource_id=r.pk, param=p, system=s, value=v)
            for r in rows
            for p, s, v in search_tokens(r.content)
        ]
    )


_RESOURCE_COLUMNS = (
    "id",
    "resource_type",
    "resource_id",
    "content",
    "content_hash",
    "version_id",
    "origin",
    "event_id",
    "source_system_id",
    "source_hash",
    "system_id",
    "record_id",
    "patient_ref",
    "category",
    "event_date",
    "status",
    "name",
    "source_file",
    "first_seen_at",
    "updated_at",
)


def _copy_new(batch: list[dict]) -> None:
    """The bulk path: the batch's resources and then their search tokens through COPY, with
    ids drawn from the resource table's sequence first (so the tokens can name them). Each
    resource is made while the rows before it are on their way, so the server stores them
    while Python makes the next."""
    resources = FhirResource._meta.db_table
    identifiers = FhirIdentifier._meta.db_table
    now = timezone.now()
    tokens = []
    with connection.cursor() as cursor, connection.wrap_database_errors:
        # Foreign keys checked as each COPY ends rather than all at commit: the queue of
        # pending checks stays one batch long however many entries there are.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
            [resources, len(batch)],
        )
        ids = sorted(row[0] for row in cursor.fetchall())
        raw = cursor.cursor
        columns = ", ".join(_RESOURCE_COLUMNS)
        with raw.copy(f"COPY {resources} ({columns}) FROM STDIN") as copy:
            for pk, e in zip(ids, batch, strict=True):
                content = _event_content(e)
                text = content_text(content)
                v = _row_values(e, content, text_hash(text))
                copy.write_row(
                    (
                        pk,
                        v["resource_type"],
                        content["id"],
                        text,
                        v["content_hash"],
                        1,
                        FROM_EVENT,
                        e["id"],
                        None,
                        v["source_hash"],
                        v["system_id"],
                        v["record_id"],
                        v["patient_ref"],
                        v["category"],
                        v["event_date"],
                        v["status"],
                        v["name"],
                        "",
                        now,
                        now,
                    )
                )
                tokens.extend((pk, p, s, value) for p, s, value in search_tokens(content))
        with raw.copy(f"COPY {identifiers} (resource_id, param, system, value) FROM STDIN") as copy:
            for row in tokens:
                copy.write_row(row)
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")  # Django's constraints' own mode


def _sync_changed_events() -> int:
    """Timeline entries a re-import changed make a new version of their resource."""
    done = 0
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
