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
            changed = _sync_systems() + _sync_new_events(bulk) + _sync_changed_events(full=force)
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
            _new_version(row, content, h).save()
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


def _sync_changed_events(full: bool = False) -> int:
    """Timeline entries a re-import changed make a new version of their resource. The
    import marks each entry it changes `revised`, so this reads only those (through their
    partial index), a batch at a time, and clears the mark once the batch is taken up — not
    a comparison of every resource with its entry, which at tens of millions of entries
    would read both tables whole after every import. `full` (a forced sync, `onestory fhir
    index`) compares them all as well, for entries changed other than by an import."""
    done = 0
    if full:
        stale = (
            FhirResource.objects.filter(origin=FROM_EVENT)
            .exclude(source_hash=F("event__content_hash"))
            .values_list("event_id", flat=True)
        )
        SourceEvent.objects.filter(id__in=stale).update(revised=True)
    last = 0
    while True:
        # The batch's entries are locked while their resources are remade: an import that
        # changes one of them meanwhile waits, and marks it revised again after.
        batch = list(
            SourceEvent.objects.select_for_update(of=("self",))
            .filter(revised=True, id__gt=last)
            .order_by("id")
            .values(*_EVENT_FIELDS)[:BATCH]
        )
        if not batch:
            return done
        last = batch[-1]["id"]
        done += _remake(batch)
        SourceEvent.objects.filter(id__in=[e["id"] for e in batch]).update(revised=False)


def _remake(batch: list[dict]) -> int:
    """New versions of the resources made from these (changed) entries; returns how many
    changed."""
    entries = {e["id"]: e for e in batch}
    rows = FhirResource.objects.filter(origin=FROM_EVENT, event_id__in=list(entries))
    changed: list[tuple[FhirResource, dict]] = []
    versions = []
    fields = ["version_id", "updated_at"]
    for row in rows:
        e = entries[row.event_id]
        if row.source_hash == e["content_hash"]:
            continue  # made after the change already (a new entry, or a forced pass)
        content = _event_content(e)
        values = _row_values(e, content)
        if values["content_hash"] != row.content_hash:
            versions.append(_new_version(row, content, values["content_hash"]))
        for key, value in values.items():
            setattr(row, key, value)
        fields[2:] = values
        changed.append((row, content))
    if changed:
        FhirResourceVersion.objects.bulk_create(versions)
        _update([row for row, _ in changed], fields)
        _index(changed)
    return len(changed)


def _update(rows: list[FhirResource], fields: list[str]) -> None:
    """Save these fields of each row: one UPDATE by id sent for all the rows at once
    (`executemany`; pipelined on PostgreSQL), where `bulk_update` would spend seconds a
    thousand rows building its CASE expressions."""
    model_fields = [FhirResource._meta.get_field(name) for name in fields]
    quote = connection.ops.quote_name
    sets = ", ".join(f"{quote(f.column)} = %s" for f in model_fields)
    sql = f"UPDATE {quote(FhirResource._meta.db_table)} SET {sets} WHERE id = %s"
    params = [
        [f.get_db_prep_save(getattr(row, f.attname), connection) for f in model_fields] + [row.pk]
        for row in rows
    ]
    with connection.cursor() as cursor:
        cursor.executemany(sql, params)


def _new_version(row: FhirResource, content: dict, h: str) -> FhirResourceVersion:
    """The current version, for the history (returned, to be stored), and `content` made
    the next one."""
    kept = FhirResourceVersion(
        resource=row, version_id=row.version_id, content=row.content, updated_at=row.updated_at
    )
    row.version_id += 1
    row.content = content
    row.content_hash = h
    row.updated_at = timezone.now()
    return kept


def _index(rows: list[tuple[FhirResource, dict]]) -> None:
    FhirIdentifier.objects.filter(resource_id__in=[r.pk for r, _ in rows]).delete()
    FhirIdentifier.objects.bulk_create(
        [
            FhirIdentifier(resource_id=r.pk, param=p, system=s, value=v)
            for r, content in rows
            for p, s, v in search_tokens(content)
        ]
    )
