"""FHIR Bulk Data `$export` (system, Patient and Group level): kick-off, status and
NDJSON files. What is exported is exactly what the caller may read through search (the
same scope, ADR 0016): their people, in the categories they see, from sources that may be
named. Each person exported is audited (`fhir.export`, so the person's access log shows
it), and each file fetched (`fhir.export_file`).

The export runs when it is asked for and is stored as a complete job; the API (202 and
Content-Location, then polling) is the asynchronous one, so a worker can take the work
later without changing clients."""

import json
import uuid
from dataclasses import dataclass
from datetime import datetime

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from onestory.access.domain.roles import Permission
from onestory.access.policy import has_permission
from onestory.audit.actions import record_event
from onestory.audit.domain.actor import Actor
from onestory.interop import projection
from onestory.interop.domain.search import SERVED_TYPES, SearchError, parse_date
from onestory.interop.models import BulkExport, BulkExportFile, FhirResource
from onestory.interop.patients import (
    ResourceNotFound,
    integrated_patient,
    linked_records,
    people_of_records,
    visible,
)
from onestory.interop.queries import serve_row
from onestory.interop.scope import Scope, scope_for
from onestory.interop.scope import visible as visible_rows
from onestory.people.models import Person

NDJSON_FORMATS = ("application/fhir+ndjson", "application/ndjson", "ndjson")


@dataclass(frozen=True)
class ExportRequest:
    level: str  # system, patient, group
    group: str
    types: tuple[str, ...]
    since: datetime | None
    url: str


def parse_export(level: str, group: str, params: dict[str, list[str]], url: str) -> ExportRequest:
    """The kick-off's parameters, or SearchError naming the one not supported."""
    for name in params:
        if name not in ("_type", "_since", "_outputFormat"):
            raise SearchError(f"$export does not support the parameter '{name}'")
    fmt = (params.get("_outputFormat") or [NDJSON_FORMATS[0]])[-1]
    if fmt not in NDJSON_FORMATS:
        raise SearchError(f"_outputFormat '{fmt}' is not served: only application/fhir+ndjson")
    types: list[str] = []
    for value in params.get("_type", []):
        for rtype in value.split(","):
            if rtype not in SERVED_TYPES:
                raise SearchError(f"_type '{rtype}' is not a type OneStory serves")
            types.append(rtype)
    since = None
    if params.get("_since"):
        bound = parse_date(params["_since"][-1], "_since")
        since = bound.start
    return ExportRequest(level, group, tuple(dict.fromkeys(types)), since, url[:1000])


def _people(request: ExportRequest, scope: Scope, by: Actor) -> list[int] | None:
    """The people the export covers (None: all the scope shows, the system itself)."""
    if request.level == "group":
        # A Group is an organisation's care teams; only the caller's own organisation.
        from onestory.access.models import CareTeamMembership

        if request.group != by.organisation:
            raise ResourceNotFound("No such Group.")
        members = set(
            CareTeamMembership.objects.filter(
                organisation__code=request.group, ended_at__isnull=True
            ).values_list("person_id", flat=True)
        )
        return [p for p in (scope.decisions if not scope.everyone else members) if p in members]
    return None if scope.everyone else list(scope.decisions)


def start_export(request: ExportRequest, *, by: Actor) -> BulkExport:
    """Kick off (and, today, run) an export for a member of staff who reads records."""
    if by.user_pk is None or not has_permission(by, Permission.VIEW_RECORD):
        raise PermissionDenied("Your role does not allow exporting records.")
    projection.sync()
    scope = scope_for(by)
    people = _people(request, scope, by)
    rows = visible_rows(
        FhirResource.objects.exclude(resource_type="Patient"),
        scope,
        people if request.level == "group" else None,  # else all the scope shows
    )
    if request.level != "system":
        rows = rows.filter(record__isnull=False)
    if request.types:
        rows = rows.filter(resource_type__in=request.types)
    if request.since:
        rows = rows.filter(updated_at__gte=request.since)
    with transaction.atomic():
        job = BulkExport.objects.create(
            requested_by_id=by.user_pk,
            level=request.level,
            group=request.group[:64],
            request_url=request.url,
            types=list(request.types),
            since=request.since,
        )
        lines: dict[str, list[str]] = {}
        exported: set[int] = set()
        owners_cache: dict[int, Person | None] = {}
        for row in rows.select_related("system").order_by("resource_type", "id").iterator():
            if row.record_id and row.record_id not in owners_cache:
                owners_cache.update(people_of_records([row.record_id]))
                owners_cache.setdefault(row.record_id, None)
            person = owners_cache.get(row.record_id) if row.record_id else None
            if person is not None:
                exported.add(person.pk)
            lines.setdefault(row.resource_type, []).append(json.dumps(serve_row(row, person)))
        if not request.types or "Patient" in request.types:
            for person in Person.objects.filter(pk__in=_patient_ids(scope, people, exported)):
                decision = scope.decisions.get(person.pk) if not scope.everyone else None
                records = [
                    r
                    for r in linked_records(person)
                    if decision is None or visible(r.system.kind, decision)
                ]
                if records:
                    patient = integrated_patient(person, records)
                    lines.setdefault("Patient", []).append(json.dumps(patient))
                    exported.add(person.pk)
        BulkExportFile.objects.bulk_create(
            BulkExportFile(export=job, resource_type=t, count=len(ls), content="\n".join(ls) + "\n")
            for t, ls in sorted(lines.items())
        )
        job.status, job.people, job.finished_at = BulkExport.COMPLETE, len(exported), timezone.now()
        job.save()
        for person in Person.objects.filter(pk__in=exported).only("external_id"):
            record_event(
                by=by,
                action="fhir.export",
                person_id=str(person.external_id),
                detail={"job": str(job.job_id), "level": request.level},
            )
        record_event(
            by=by,
            action="fhir.export_started",
            detail={
                "job": str(job.job_id),
                "level": request.level,
                "types": list(request.types),
                "people": len(exported),
                "resources": {t: len(ls) for t, ls in lines.items()},
            },
        )
    return job


def _patient_ids(scope: Scope, people: list[int] | None, exported: set[int]) -> set[int]:
    if people is not None:
        return set(people)
    if not scope.everyone:
        return set(scope.decisions)
    return exported


def job_for(job_id: str, *, by: Actor) -> BulkExport:
    """The caller's own export job (anyone else's, or an id that is not one, is not found)."""
    try:
        uuid.UUID(str(job_id))
    except ValueError:
        raise ResourceNotFound("No such export.") from None
    job = BulkExport.objects.filter(job_id=job_id, requested_by_id=by.user_pk).first()
    if job is None:
        raise ResourceNotFound("No such export.")
    return job


def manifest(job: BulkExport, base: str) -> dict:
    return {
        "transactionTime": job.transaction_time.isoformat(timespec="seconds"),
        "request": job.request_url,
        "requiresAccessToken": True,
        "output": [
            {
                "type": f.resource_type,
                "url": f"{base}/$export-file/{job.job_id}/{f.resource_type}.ndjson",
                "count": f.count,
            }
            for f in job.files.order_by("resource_type")
        ],
        "error": [],
    }


def export_file(job_id: str, resource_type: str, *, by: Actor) -> str:
    job = job_for(job_id, by=by)
    found = job.files.filter(resource_type=resource_type).first()
    if found is None:
        raise ResourceNotFound("No such file in this export.")
    record_event(
        by=by,
        action="fhir.export_file",
        detail={"job": str(job.job_id), "type": resource_type, "count": found.count},
    )
    return found.content


def delete_export(job_id: str, *, by: Actor) -> None:
    job = job_for(job_id, by=by)
    with transaction.atomic():
        record_event(by=by, action="fhir.export_deleted", detail={"job": str(job.job_id)})
        job.delete()
