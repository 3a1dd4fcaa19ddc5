"""Create, update and conditional writes on /fhir (ADR 0016). Each is a one-entry
transaction Bundle through `actions.import_bundle`, so it has the same validation,
permission (`run_imports`), per-person access decision (`people_written_about`), audit
event and versioning as any import."""

import json
import uuid
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs

from django.core.exceptions import PermissionDenied
from django.db.models import Q

from onestory.audit.domain.actor import Actor
from onestory.interop.domain.bundle import BundleError, Entry, Issue
from onestory.interop.domain.index import repoint, served
from onestory.interop.domain.mapping import subject_ref
from onestory.interop.domain.search import RESULT_PARAMS, SearchError, parse_search
from onestory.interop.models import FhirResource
from onestory.interop.patients import REFUSED, people_of_records, person_by_id
from onestory.interop.scope import records_of
from onestory.people.models import Person


@dataclass
class Written:
    """What a write did: the HTTP status, the resource as stored (with its version), and
    the problems when nothing was stored (each an OperationOutcome issue)."""

    status: int
    resource: dict[str, Any] | None
    issues: list[tuple[str, str, str]]

    @property
    def version(self) -> str:
        return str((self.resource or {}).get("meta", {}).get("versionId", ""))


def conditional_matches(resource_type: str, query_string: str) -> list[FhirResource]:
    """The stored resources a conditional create or update's search finds (at most two:
    enough to tell none, one and many apart). Over the whole store: the writer holds
    `run_imports`, which already answers whether a resource is stored."""
    from onestory.interop.search import _filtered  # the same filters as search

    params = parse_qs(query_string, keep_blank_values=False)
    if not set(params) - RESULT_PARAMS:
        raise SearchError(f"'{query_string}' is not a search: it names no search parameter")
    query = parse_search(resource_type, params)
    rows = FhirResource.objects.filter(resource_type=resource_type)
    for value in params.get("patient", []) + params.get("subject", []):
        ref = value.removeprefix("Patient/")
        person = person_by_id(ref)
        if person is not None:
            rows = rows.filter(record_id__in=records_of([person.pk]))
        else:
            rows = rows.filter(patient_ref=f"Patient/{ref}")
    return list(_filtered(rows, query).order_by("id")[:2])


def own_patient_refs(entries: list[Entry]) -> None:
    """A resource written about an integrated Patient (`Patient/<person id>`, as read from
    /fhir) is kept against the person's own Patient from a FHIR sender, so that it joins
    their record like any received resource. With no such Patient it is an issue. A few
    queries per bundle, whatever its size."""
    refs = {subject_ref(e.resource) for e in entries} - {""}
    ids = set()
    for ref in refs:
        try:
            ids.add(uuid.UUID(ref.removeprefix("Patient/")))
        except ValueError:
            continue
    if not ids:
        return
    people = {str(p.external_id): p for p in Person.objects.filter(external_id__in=ids)}
    stored = set(
        FhirResource.objects.filter(
            resource_type="Patient", resource_id__in=list(people)
        ).values_list("resource_id", flat=True)
    )
    for entry in entries:
        ref = subject_ref(entry.resource)
        person = people.get(ref.removeprefix("Patient/")) if ref else None
        if person is None or ref.removeprefix("Patient/") in stored:
            continue
        own = (
            FhirResource.objects.filter(
                resource_type="Patient", record_id__in=records_of([person.pk])
            )
            .order_by("-updated_at", "-id")
            .first()
        )
        if own is None:
            entry.issues.append(
                Issue(
                    entry.label,
                    f"{entry.resource_type}.subject",
                    f"{ref} is known to OneStory only from other sources; send the Patient "
                    "as your system holds them first, then refer to that Patient",
                )
            )
            continue
        entry.resource = repoint(entry.resource, {ref}, own.ref)


def people_written_about(entries: list[Entry], *, by: Actor) -> dict[int, Person]:
    """The access decision for writes: an entry that concerns a person already in the
    index (a Patient already stored, or a resource whose patient reference — or whose stored
    version's — resolves to a person) needs `access.policy.decide` to allow the writer that
    person, exactly as a read would (a relationship, the person's refusal respected, another
    partnership's person refused). A refused entry gets a 403 issue naming nothing about
    the person, and the refusal is audited as `record.denied`. A Patient not yet stored,
    and what refers only to it, concerns no one yet: a source system's registration, which
    `run_imports` alone allows. Returns the people written about (pk -> Person), for the
    audit. The system itself (the CLI) is not decided. A few queries per bundle."""
    from onestory.interop.patients import decide_or_deny

    if by.role == "system":
        return {}
    # Every entry, even one with another problem: a refusal is said first and alone, so
    # nothing else is learnt about a person the writer may not see.
    # (An id or reference holding a NUL is never stored, nor can a database look it up.)
    live = [
        e
        for e in entries
        if e.resource_type
        and isinstance(e.resource, dict)
        and "\x00" not in e.id + subject_ref(e.resource)
    ]
    refs = {subject_ref(e.resource).removeprefix("Patient/") for e in live} - {""}
    keys: dict[str, uuid.UUID] = {}
    for ref in refs:
        try:
            keys[ref] = uuid.UUID(ref)  # in any spelling a UUID has
        except ValueError:
            continue
    found = {p.external_id: p for p in Person.objects.filter(external_id__in=keys.values())}
    by_uuid = {ref: found[key] for ref, key in keys.items() if key in found}
    rows = FhirResource.objects.filter(
        Q(resource_type="Patient", resource_id__in=list(refs - set(by_uuid)))
        | Q(resource_id__in=[e.id for e in live]),
        record_id__isnull=False,
    ).values_list("resource_type", "resource_id", "record_id")
    record_of = {(t, i): r for t, i, r in rows}
    people = people_of_records(set(record_of.values()))
    written: dict[int, Person] = {}
    decided: dict[int, bool] = {}
    for entry in live:
        ref = subject_ref(entry.resource).removeprefix("Patient/")
        concerned = [by_uuid.get(ref)] if ref else []
        for key in (("Patient", ref), (entry.resource_type, entry.id)):
            if key in record_of:
                concerned.append(people.get(record_of[key]))
        for person in {p.pk: p for p in concerned if p is not None}.values():
            if person.pk not in decided:
                try:
                    decide_or_deny(by, person, "fhir.write")
                    decided[person.pk] = True
                except PermissionDenied:
                    decided[person.pk] = False
            if decided[person.pk]:
                written[person.pk] = person
            else:
                entry.issues[:] = [Issue(entry.label, entry.resource_type, REFUSED, 403)]
                break
    return written


def _bundle(resource: dict[str, Any], request: dict[str, str]) -> dict[str, Any]:
    return {
        "resourceType": "Bundle",
        "type": "transaction",
        "entry": [{"resource": resource, "request": request}],
    }


def _check_body(resource_type: str, body: Any) -> dict[str, Any]:
    if not isinstance(body, dict) or body.get("resourceType") != resource_type:
        found = body.get("resourceType") if isinstance(body, dict) else type(body).__name__
        raise BundleError(
            f"expected a {resource_type} resource, not '{found}'", "resourceType", "invalid"
        )
    return body


def _write(bundle: dict[str, Any], sent: dict[str, Any], *, by: Actor, name: str) -> Written:
    from onestory.interop.actions import import_bundle

    result = import_bundle(bundle, by=by, file_name=name)
    if result.errors:
        codes = {"422": "invalid", "403": "forbidden"}
        issues = [
            (codes.get(e.get("status", ""), "conflict"), e["message"], e["path"])
            for e in result.errors
            if e["resource"] != "Bundle" or e["path"] != "Bundle"
        ]
        return Written(result.status, None, issues)
    entry, status, _version = result.outcomes[0]
    row = FhirResource.objects.get(resource_type=entry.resource_type, resource_id=entry.id)
    person = people_of_records([row.record_id]).get(row.record_id) if row.record_id else None
    own = f"Patient/{person.external_id}" if person else ""
    resource = served(
        row.content,
        row.version_id,
        row.updated_at,
        own_refs={row.patient_ref} if own and own in json.dumps(sent) else None,
        person_ref=own,
    )
    return Written(201 if status.startswith("201") else 200, resource, [])


def create(resource_type: str, body: Any, *, by: Actor, if_none_exist: str = "") -> Written:
    """POST /fhir/{type}: a new resource under a new server id (any id sent is ignored,
    as FHIR says); with If-None-Exist, the one existing match instead (200)."""
    resource = {**_check_body(resource_type, body), "id": str(uuid.uuid4())}
    request = {"method": "POST", "url": resource_type}
    if if_none_exist:
        request["ifNoneExist"] = if_none_exist
    return _write(_bundle(resource, request), body, by=by, name=f"POST /fhir/{resource_type}")


def update(
    resource_type: str, resource_id: str, body: Any, *, by: Actor, if_match: str = ""
) -> Written:
    """PUT /fhir/{type}/{id}: a new version (or the first, 201); with If-Match, only when
    the stored version is the one named (else 412)."""
    resource = _check_body(resource_type, body)
    if str(resource.get("id", resource_id)) != resource_id:
        raise BundleError(
            f"the resource's id '{resource.get('id')}' is not the id in the address "
            f"'{resource_id}'",
            f"{resource_type}.id",
        )
    request = {"method": "PUT", "url": f"{resource_type}/{resource_id}"}
    if if_match:
        request["ifMatch"] = if_match
    return _write(
        _bundle({**resource, "id": resource_id}, request),
        body,
        by=by,
        name=f"PUT /fhir/{resource_type}",
    )


def conditional_update(resource_type: str, query_string: str, body: Any, *, by: Actor) -> Written:
    """PUT /fhir/{type}?search: update the one match, create when there is none (under
    the body's id, or a new one), 412 when there are several."""
    from onestory.access.domain.roles import Permission
    from onestory.access.policy import require

    require(by, Permission.RUN_IMPORTS)
    resource = _check_body(resource_type, body)
    found = conditional_matches(resource_type, query_string)
    if len(found) > 1:
        return Written(
            412, None, [("multiple-matches", f"more than one {resource_type} matches", "")]
        )
    if found:
        return update(
            resource_type, found[0].resource_id, {**resource, "id": found[0].resource_id}, by=by
        )
    if resource.get("id"):
        return update(resource_type, str(resource["id"]), resource, by=by)
    return create(resource_type, resource, by=by)
