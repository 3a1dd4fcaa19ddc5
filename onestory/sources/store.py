"""Storing one file's parsed rows: the batched writes behind `actions.import_file`.

Every row is compared with what is stored through content hashes preloaded per system, and
the writes are batched (`executemany`, see `_Writer`). Called inside the file's transaction;
the FHIR importer (`interop.actions`) uses `_FileImport` for the source records and
timeline entries of a bundle too."""

import hashlib
import json
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from django.db.models import F
from django.utils import timezone

from onestory.people.domain.normalise import name_key, postcode_key
from onestory.sources.domain.adapters import Adapter
from onestory.sources.domain.facts import ParsedRow, PersonFacts, Problem, System
from onestory.sources.models import (
    QuarantinedRow,
    SourceEvent,
    SourceRecord,
    SourceRelationship,
    SourceSystem,
)

BATCH = 2000


@dataclass
class FileResult:
    """What became of one file's rows."""

    file: str
    kind: str
    read: int = 0
    imported: int = 0
    unchanged: int = 0
    quarantined: int = 0
    error: str = ""
    seconds: float = 0.0
    # Notes on the file as a whole that did not stop it importing, each naming the file
    # (e.g. lines read as Windows-1252 because they were not UTF-8).
    warnings: list[str] = field(default_factory=list)

    def counts(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "kind": self.kind,
            "read": self.read,
            "imported": self.imported,
            "unchanged": self.unchanged,
            "quarantined": self.quarantined,
        }


_PLAIN = (str, int, float, bool, type(None))


def _json_ready(value: Any) -> Any:
    if type(value) is dict and all(type(v) in _PLAIN for v in value.values()):
        return value  # the usual case: a flat dict of text and numbers
    if isinstance(value, dict):
        return {str(k): _json_ready(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json_ready(v) for v in value]
    if isinstance(value, date | datetime):
        return value.isoformat()
    return value


def raw_hash(raw: dict[str, Any]) -> str:
    text = json.dumps(raw, sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


class _Writer:
    """Batched INSERTs and UPDATEs through `executemany`.

    The ORM's `bulk_create`/`bulk_update` spend most of their time compiling one
    placeholder per value (and `bulk_update` builds a CASE per column), which caps an
    import at a few thousand rows a second. The rows here are plain tuples in the models'
    own columns; each value goes through the field's own database preparation only where
    the backend needs it (dates, datetimes, JSON), so SQLite and PostgreSQL both get
    what the ORM would have sent."""

    def __init__(self, model, columns: list[str]) -> None:
        from django.db import connection

        self.connection = connection
        self.table = connection.ops.quote_name(model._meta.db_table)
        by_attname = {f.attname: f for f in model._meta.concrete_fields}
        self.columns = columns
        self.quoted = [connection.ops.quote_name(by_attname[c].column) for c in columns]
        self.prepare = [self._preparer(by_attname[c]) for c in columns]

    def _preparer(self, model_field):
        """The backend's own adaptation for the column types that need one."""
        ops = self.connection.ops
        internal = model_field.get_internal_type()
        if internal == "DateField":
            return ops.adapt_datefield_value
        if internal == "DateTimeField":
            return ops.adapt_datetimefield_value
        if internal == "JSONField":
            encoder = model_field.encoder
            return lambda value: ops.adapt_json_value(value, encoder)
        return None

    @staticmethod
    def _rows(rows: list[tuple], prepare: list) -> list[tuple]:
        preparers = [(i, p) for i, p in enumerate(prepare) if p is not None]
        if not preparers:
            return rows
        out = []
        for row in rows:
            values = list(row)
            for i, prep in preparers:
                values[i] = prep(values[i])
            out.append(tuple(values))
        return out

    def insert(self, rows: list[tuple]) -> None:
        if not rows:
            return
        sql = (
            f"INSERT INTO {self.table} ({', '.join(self.quoted)}) "
            f"VALUES ({', '.join(['%s'] * len(self.columns))})"
        )
        self._execute(sql, rows, self.prepare)

    def update(self, rows: list[tuple]) -> None:
        """Rows of the columns' values followed by the primary key."""
        if not rows:
            return
        sets = ", ".join(f"{c} = %s" for c in self.quoted)
        sql = f"UPDATE {self.table} SET {sets} WHERE id = %s"
        self._execute(sql, rows, [*self.prepare, None])

    def _execute(self, sql: str, rows: list[tuple], prepare: list) -> None:
        with self.connection.cursor() as cursor:
            for start in range(0, len(rows), BATCH):
                cursor.executemany(sql, self._rows(rows[start : start + BATCH], prepare))


class _FileImport:
    """The writes for one file's parsed rows (called inside the file's transaction)."""

    def __init__(self, file_name: str, adapter: Adapter, rows: list[ParsedRow]) -> None:
        self.file_name = file_name
        self.adapter = adapter
        self.rows = rows
        self.now = timezone.now()

    def run(self) -> FileResult:
        result = FileResult(file=self.file_name, kind=self.adapter.kind, read=len(self.rows))
        self._check_across_rows()
        good = [r for r in self.rows if r.ok]
        bad = [r for r in self.rows if not r.ok]
        changed_rows = self._store(good)
        result.imported = len(changed_rows)
        result.unchanged = len(good) - len(changed_rows)
        result.quarantined = len(bad)
        self._quarantine(bad)
        return result

    # -- checks that need more than one row ------------------------------------------------

    def _check_across_rows(self) -> None:
        """Rows naming no person, event ids repeated within the file, and references to
        events (a contact's referral) that do not exist in the system."""
        seen: dict[tuple[str, str], int] = {}
        for parsed in self.rows:
            if parsed.ok and (parsed.person is None or parsed.system is None):
                parsed.problems.append(Problem("row", "row names no person"))
            if not parsed.ok:
                continue
            assert parsed.system is not None
            for event in parsed.events:
                key = (parsed.system.code, event.local_id)
                if key in seen:
                    parsed.problems.append(
                        Problem(
                            self.adapter.event_id_field,
                            f"id '{event.local_id}' already appears on row {seen[key]}",
                        )
                    )
                else:
                    seen[key] = parsed.row
        for detail_key, target_kind in self.adapter.references.items():
            self._check_references(detail_key, target_kind)

    def _check_references(self, detail_key: str, target_kind: str) -> None:
        wanted = [r for r in self.rows if r.ok]
        codes = {r.system.code for r in wanted if r.system}
        known = set(
            SourceEvent.objects.filter(system__code__in=codes, kind=target_kind).values_list(
                "system__code", "local_id"
            )
        )
        for parsed in wanted:
            assert parsed.system is not None
            known.update(
                (parsed.system.code, e.local_id) for e in parsed.events if e.kind == target_kind
            )
        for parsed in wanted:
            assert parsed.system is not None
            for event in parsed.events:
                ref = event.details.get(detail_key)
                if ref and (parsed.system.code, ref) not in known:
                    parsed.problems.append(
                        Problem(
                            detail_key,
                            f"{detail_key} '{ref}' is not a {target_kind} in {parsed.system.code}",
                        )
                    )

    # -- storing good rows ----------------------------------------------------------------

    def _systems(self, rows: list[ParsedRow]) -> dict[str, SourceSystem]:
        wanted: dict[str, System] = {}
        for parsed in rows:
            assert parsed.system is not None
            wanted[parsed.system.code] = parsed.system
        stored = {s.code: s for s in SourceSystem.objects.filter(code__in=wanted)}
        for code, system in wanted.items():
            existing = stored.get(code)
            if existing is None:
                stored[code] = SourceSystem.objects.create(
                    code=code,
                    kind=system.kind,
                    org_code=system.org_code,
                    org_name=system.org_name,
                )
            elif system.org_name and existing.org_name != system.org_name:
                existing.org_name = system.org_name
                existing.save(update_fields=["org_name"])
        return stored

    def _store(self, good: list[ParsedRow]) -> set[int]:
        """Store the good rows; returns the indexes (into `good`) of rows that changed
        anything."""
        if not good:
            return set()
        systems = self._systems(good)
        system_ids = [s.id for s in systems.values()]
        changed: set[int] = set()

        # People: the last row read for each local id wins. Equal facts hash alike, so the
        # hash is worked out once per distinct version of a person.
        person_hashes: dict[PersonFacts, str] = {}

        def person_hash(p: PersonFacts) -> str:
            h = person_hashes.get(p)
            if h is None:
                h = person_hashes[p] = person_facts_hash(p)
            return h

        final: dict[tuple[int, str], PersonFacts] = {}
        for parsed in good:
            assert parsed.system is not None and parsed.person is not None
            final[(systems[parsed.system.code].id, parsed.person.local_id)] = parsed.person
        stored = {
            (sid, lid): (pk, h)
            for sid, lid, pk, h in SourceRecord.objects.filter(
                system_id__in=system_ids
            ).values_list("system_id", "local_id", "id", "content_hash")
        }
        to_create, to_update, changed_people = [], [], set()
        for key, person in final.items():
            h = person_hash(person)
            current = stored.get(key)
            if current is not None and current[1] == h:
                continue
            changed_people.add(key)
            values = _record_values(person, h)
            if current is None:
                to_create.append((key[0], key[1], *values, self.now, self.now))
            else:
                to_update.append((*values, self.now, current[0]))
        _Writer(
            SourceRecord, ["system_id", "local_id", *RECORD_COLUMNS, "first_seen_at", "updated_at"]
        ).insert(to_create)
        _Writer(SourceRecord, [*RECORD_COLUMNS, "updated_at"]).update(to_update)
        if to_create:
            stored = {
                (sid, lid): (pk, h)
                for sid, lid, pk, h in SourceRecord.objects.filter(
                    system_id__in=system_ids
                ).values_list("system_id", "local_id", "id", "content_hash")
            }
        record_ids = {key: pk for key, (pk, _h) in stored.items()}

        for index, parsed in enumerate(good):
            assert parsed.system is not None and parsed.person is not None
            key = (systems[parsed.system.code].id, parsed.person.local_id)
            if key in changed_people and person_hash(parsed.person) == person_hash(final[key]):
                changed.add(index)

        changed |= self._store_events(good, systems, record_ids)
        changed |= self._store_relationships(good, systems, record_ids)
        return changed

    def _store_events(
        self,
        good: list[ParsedRow],
        systems: dict[str, SourceSystem],
        record_ids: dict[tuple[int, str], int],
    ) -> set[int]:
        system_ids = [s.id for s in systems.values()]
        stored = {
            (sid, lid): (pk, h)
            for sid, lid, pk, h in SourceEvent.objects.filter(system_id__in=system_ids).values_list(
                "system_id", "local_id", "id", "content_hash"
            )
        }
        changed: set[int] = set()
        to_create, to_update = [], []
        for index, parsed in enumerate(good):
            assert parsed.system is not None and parsed.person is not None
            sid = systems[parsed.system.code].id
            for event in parsed.events:
                details = _json_ready(event.details)
                values = (
                    record_ids[(sid, parsed.person.local_id)],
                    event.kind,
                    event.category,
                    event.title,
                    event.start,
                    event.end,
                    event.status,
                    event.code,
                    event.code_system,
                    event.code_display,
                    event.practitioner,
                    details,
                    self.file_name,
                    parsed.row,
                )
                # The hash covers the person's local id (not the row id, which differs
                # between databases) and where the row was read from.
                h = _hash_json([parsed.person.local_id, event.local_id, *values[1:]])
                current = stored.get((sid, event.local_id))
                if current is not None and current[1] == h:
                    continue
                changed.add(index)
                if current is None:
                    to_create.append((sid, event.local_id, *values, h))
                else:
                    to_update.append((*values, h, True, current[0]))
        _Writer(SourceEvent, ["system_id", "local_id", *EVENT_COLUMNS, "content_hash"]).insert(
            to_create
        )
        # A changed entry is marked revised, for the views made from it to take up.
        _Writer(SourceEvent, [*EVENT_COLUMNS, "content_hash", "revised"]).update(to_update)
        return changed

    def _store_relationships(
        self,
        good: list[ParsedRow],
        systems: dict[str, SourceSystem],
        record_ids: dict[tuple[int, str], int],
    ) -> set[int]:
        if not any(parsed.relationships for parsed in good):
            return set()
        system_ids = [s.id for s in systems.values()]
        stored = {
            (rid, rel, lid, name): (pk, details)
            for rid, rel, lid, name, pk, details in SourceRelationship.objects.filter(
                system_id__in=system_ids
            ).values_list(
                "record_id", "relationship", "related_local_id", "related_name", "id", "details"
            )
        }
        # As for people, the last row read for each relationship wins: one person on two
        # rows (a tenancy and an older homelessness case, each with its household_ref) gives
        # the same relationship twice, and only the last version is compared and stored.
        final: dict[tuple[int, str, str, str], tuple[int, dict[str, Any]]] = {}
        facts: list[tuple[int, tuple[int, str, str, str], dict[str, Any]]] = []
        for index, parsed in enumerate(good):
            assert parsed.system is not None and parsed.person is not None
            sid = systems[parsed.system.code].id
            rid = record_ids[(sid, parsed.person.local_id)]
            for rel in parsed.relationships:
                key = (rid, rel.relationship, rel.related_local_id, rel.related_name)
                details = _json_ready(rel.details)
                final[key] = (sid, details)
                facts.append((index, key, details))
        pending = {
            key: value
            for key, value in final.items()
            if key not in stored or stored[key][1] != value[1]
        }
        changed = {
            index for index, key, details in facts if key in pending and pending[key][1] == details
        }
        to_create, to_update = [], []
        for key, (sid, details) in pending.items():
            current = stored.get(key)
            if current is None:
                to_create.append((sid, *key, details))
            else:
                to_update.append((details, current[0]))
        _Writer(
            SourceRelationship,
            [
                "system_id",
                "record_id",
                "relationship",
                "related_local_id",
                "related_name",
                "details",
            ],
        ).insert(to_create)
        _Writer(SourceRelationship, ["details"]).update(to_update)
        return changed

    # -- quarantine -----------------------------------------------------------------------

    def _quarantine(self, bad: list[ParsedRow]) -> None:
        if not bad:
            return
        stored = {
            (row, h): pk
            for row, h, pk in QuarantinedRow.objects.filter(file_name=self.file_name).values_list(
                "row_number", "content_hash", "id"
            )
        }
        seen_again: list[int] = []
        to_create = []
        for parsed in bad:
            raw = _json_ready(parsed.raw)
            h = raw_hash(raw)
            pk = stored.get((parsed.row, h))
            if pk is not None:
                seen_again.append(pk)
                continue
            first = parsed.problems[0]
            to_create.append(
                (
                    self.file_name,
                    self.adapter.kind,
                    parsed.row,
                    first.field[:100],
                    first.reason[:500],
                    [[p.field, p.reason] for p in parsed.problems],
                    raw,
                    h,
                    self.now,
                    self.now,
                    1,
                )
            )
        _Writer(
            QuarantinedRow,
            [
                "file_name",
                "kind",
                "row_number",
                "field",
                "reason",
                "problems",
                "raw",
                "content_hash",
                "first_seen_at",
                "last_seen_at",
                "times_seen",
            ],
        ).insert(to_create)
        for start in range(0, len(seen_again), BATCH):
            QuarantinedRow.objects.filter(pk__in=seen_again[start : start + BATCH]).update(
                last_seen_at=self.now, times_seen=F("times_seen") + 1
            )


RECORD_COLUMNS = [
    "nhs_number",
    "given_name",
    "family_name",
    "date_of_birth",
    "birth_year",
    "birth_month",
    "sex",
    "postcode",
    "address",
    "phone",
    "norm_given",
    "norm_family",
    "norm_postcode",
    "content_hash",
]
EVENT_COLUMNS = [
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
    "source_file",
    "source_row",
]


def _record_values(person: PersonFacts, content_hash: str) -> tuple:
    """A person's values in RECORD_COLUMNS order."""
    return (
        person.nhs_number,
        person.given_name,
        person.family_name,
        person.date_of_birth,
        person.birth_year,
        person.birth_month,
        person.sex,
        person.postcode,
        person.address,
        person.phone,
        name_key(person.given_name)[:100],
        name_key(person.family_name)[:100],
        postcode_key(person.postcode)[:8],
        content_hash,
    )


def _json_default(value: Any) -> Any:
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def _hash_json(data: Any) -> str:
    text = json.dumps(data, sort_keys=True, default=_json_default, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def person_facts_hash(person: PersonFacts) -> str:
    """The content hash stored on a SourceRecord: every fact the source holds about the
    person, so any change to them is seen on re-import."""
    return _hash_json(
        [
            person.local_id,
            person.nhs_number,
            person.given_name,
            person.family_name,
            person.date_of_birth,
            person.birth_year,
            person.birth_month,
            person.sex,
            person.postcode,
            person.address,
            person.phone,
        ]
    )
