"""Writes: importing FHIR bundles, and making and revoking API tokens. Each runs in one
transaction with its audit event."""

import hashlib
import secrets
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from onestory.access.domain.roles import Permission
from onestory.access.policy import require
from onestory.audit.actions import record_event
from onestory.audit.domain.actor import Actor
from onestory.interop.domain.bundle import (
    BundleError,
    Entry,
    Issue,
    content_hash,
    parse_json,
    read_bundle,
)
from onestory.interop.domain.index import repoint, search_tokens, version_from_etag
from onestory.interop.domain.mapping import (
    category_for,
    concept_text,
    event_date,
    event_facts,
    first,
    patient_facts,
    related_person_facts,
    sending_system,
    status_of,
    subject_ref,
)
from onestory.interop.models import (
    RECEIVED,
    ApiToken,
    FhirIdentifier,
    FhirResource,
    FhirResourceVersion,
)
from onestory.sources.domain.facts import ParsedRow, System
from onestory.sources.domain.limits import (
    DEFAULT_LIMITS,
    ExtractError,
    ImportLimits,
    check_file_size,
)
from onestory.sources.models import ImportFile, SourceRecord

ALL_OR_NOTHING = (
    "a transaction bundle is all-or-nothing (FHIR R4 3.1.0.11.2): one invalid entry "
    "rejects the whole bundle, and nothing from it was stored"
)


@dataclass
class BundleResult:
    """What became of one bundle (or file): counts per resource type, stored and unchanged
    resources, and every problem, each naming the resource and its FHIR path."""

    file: str
    bundle_type: str = ""
    resources: Counter = field(default_factory=Counter)
    stored: int = 0
    unchanged: int = 0
    errors: list[dict[str, str]] = field(default_factory=list)
    rejected: bool = False  # a transaction with an error: nothing stored
    # (entry, "201 Created"/"200 OK", the version it is now) per entry stored or matched
    outcomes: list[tuple[Entry, str, int]] = field(default_factory=list)

    def add_issue(self, issue: Issue) -> None:
        self.errors.append(
            {
                "file": self.file,
                "resource": issue.resource,
                "path": issue.path,
                "message": issue.message,
                "status": str(issue.status),
            }
        )

    @property
    def status(self) -> int:
        """The HTTP status the errors mean together: 412 when a precondition failed."""
        statuses = {int(e.get("status", 422)) for e in self.errors}
        for status in (403, 412, 405):
            if status in statuses:
                return status
        return 422


def summary(results: list[BundleResult]) -> dict[str, Any]:
    """The `--json` summary over several files."""
    resources: Counter = Counter()
    for r in results:
        resources.update(r.resources)
    return {
        "files": len(results),
        "resources": dict(sorted(resources.items())),
        "stored": sum(r.stored for r in results),
        "unchanged": sum(r.unchanged for r in results),
        "errors": [e for r in results for e in r.errors],
    }


def import_files(
    paths: list[Path], *, by: Actor, limits: ImportLimits | None = None
) -> list[BundleResult]:
    """Import each file as a bundle (or a single resource); a file that cannot be read (or
    is over the size and nesting limits) is reported in its result's errors and the others
    still import."""
    require(by, Permission.RUN_IMPORTS)
    limits = limits or DEFAULT_LIMITS
    results = []
    for path in paths:
        path = Path(path)
        try:
            check_file_size(path, limits.max_json_bytes)
            data = parse_json(path.read_bytes(), limits.max_json_depth)
            result = import_bundle(data, by=by, file_name=path.name, link=False)
        except OSError as exc:
            result = BundleResult(file=path.name)
            result.add_issue(Issue("Bundle", "Bundle", f"cannot read the file ({exc.strerror})"))
        except ExtractError as exc:
            result = BundleResult(file=path.name)
            result.add_issue(Issue("Bundle", "Bundle", str(exc).removeprefix(f"{path.name}: ")))
        except BundleError as exc:
            result = BundleResult(file=path.name)
            result.add_issue(Issue("Bundle", exc.path, str(exc)))
        results.append(result)
    _link_new(by)
    return results


def import_bundle(data: Any, *, by: Actor, file_name: str, link: bool = True) -> BundleResult:
    """Import one parsed bundle. Raises BundleError when it is not a readable bundle at
    all. Invalid entries are reported and the valid rest stored, except in a transaction,
    where any error stores nothing. An entry about a person the writer may not see is
    refused (403, audited; `writes.people_written_about`)."""
    from onestory.interop.writes import people_written_about

    require(by, Permission.RUN_IMPORTS)
    bundle_type, entries = read_bundle(data)
    result = BundleResult(file=file_name, bundle_type=bundle_type)
    matched = check_preconditions(entries)
    written_about = people_written_about(entries, by=by)
    for entry in entries:
        result.resources[entry.resource_type or "(none)"] += 1
        for issue in entry.issues:
            result.add_issue(issue)
    if bundle_type == "transaction" and result.errors:
        result.rejected = True
        result.errors.append(
            {"file": file_name, "resource": "Bundle", "path": "Bundle", "message": ALL_OR_NOTHING}
        )
        return result
    good = [e for e in entries if e.ok and e.ref not in matched]
    for entry in entries:
        if entry.ref in matched and entry.ok:
            result.unchanged += 1
            result.outcomes.append((entry, "200 OK", matched[entry.ref]))
    with transaction.atomic():
        _store(good, result, file_name)
        ImportFile.objects.create(
            file_name=file_name[:300],
            sha256=content_hash(data),
            kind="fhir",
            imported_by=by.label[:150],
            rows_read=len(entries),
            rows_imported=result.stored,
            rows_unchanged=result.unchanged,
            rows_quarantined=len(entries) - len(good) - len(matched),
        )
        record_event(
            by=by,
            action="fhir.import",
            detail={
                "file": file_name,
                "type": bundle_type,
                "resources": sum(result.resources.values()),
                "stored": result.stored,
                "unchanged": result.unchanged,
                "errors": len(result.errors),
            },
        )
        # Each person written about sees the write in "who has looked at my record".
        for person in written_about.values():
            record_event(
                by=by,
                action="fhir.write",
                person_id=str(person.external_id),
                detail={"file": file_name, "stored": result.stored},
            )
    if link and any(e.resource_type == "Patient" for e in good):
        _link_new(by)  # only a new or changed Patient can change who is linked
    return result


def index_sources(*, by: Actor) -> int:
    """Bring the FHIR resources made from other sources up to date now (reads do it
    lazily); returns how many were made or changed. `onestory fhir index`."""
    from onestory.interop import projection

    require(by, Permission.RUN_IMPORTS)
    changed = projection.sync(force=True)
    record_event(by=by, action="fhir.indexed", detail={"resources": changed})
    return changed


def _link_new(by: Actor) -> None:
    """New patients join the current person index at once (a trickle is linked record by
    record by `people.realtime_actions.link_new_records`; a big batch waits for `onestory link`)."""
    from onestory.people.realtime_actions import link_new_records

    link_new_records(by=by)


def _store(good: list[Entry], result: BundleResult, file_name: str) -> None:
    from onestory.sources.store import _FileImport  # the importer's batched upsert

    system = sending_system(
        [e.resource for e in good if e.resource_type == "Organization"], file_name
    )
    category = category_for(system)
    patients = {e.ref: e for e in good if e.resource_type == "Patient"}
    # Patients this bundle refers to but does not carry, already stored by an earlier one.
    wanted = {subject_ref(e.resource) for e in good} - set(patients) - {""}
    stored_patients = {
        r.ref: r
        for r in FhirResource.objects.filter(
            resource_type="Patient",
            resource_id__in=[w.removeprefix("Patient/") for w in wanted],
        ).select_related("system")
    }

    def owner(ref: str) -> tuple[System, Any] | None:
        if ref in patients:
            return system, patient_facts(patients[ref].resource)
        stored = stored_patients.get(ref)
        if stored is not None and stored.system is not None:
            s = stored.system
            return System(s.kind, s.org_code, s.org_name), patient_facts(stored.content)
        return None

    rows: list[ParsedRow] = []
    for entry in good:
        ref = subject_ref(entry.resource)
        who = owner(ref) if ref else None
        if who is None:
            continue
        row = ParsedRow(row=entry.index, raw={}, system=who[0], person=who[1])
        if entry.resource_type == "RelatedPerson":
            row.relationships.append(related_person_facts(entry.resource))
        else:
            event = event_facts(entry.resource, category_for(who[0]))
            if event is not None:
                row.events.append(event)
        rows.append(row)

    class _Source:
        kind = "fhir"
        event_id_field = "Resource.id"
        references: dict[str, str] = {}

    if rows:
        _FileImport(file_name, _Source(), rows).run()
    record_ids = {
        (code, local_id): pk
        for code, local_id, pk in SourceRecord.objects.filter(
            system__code__in={r.system.code for r in rows if r.system},
            local_id__in={r.person.local_id for r in rows if r.person},
        ).values_list("system__code", "local_id", "id")
    }
    system_ids = dict(
        SourceRecord.objects.filter(pk__in=record_ids.values()).values_list("id", "system_id")
    )
    _store_raw(good, result, file_name, owner, record_ids, system_ids, category)


def _store_raw(good, result, file_name, owner, record_ids, system_ids, category) -> None:
    existing = {
        (r.resource_type, r.resource_id): r
        for r in FhirResource.objects.filter(resource_id__in=[e.id for e in good])
    }
    now = timezone.now()
    changed: list[tuple[Entry, FhirResource]] = []
    new: list[FhirResource] = []
    for entry in good:
        h = content_hash(entry.resource)
        current = existing.get((entry.resource_type, entry.id))
        if current is not None and current.content_hash == h:
            result.unchanged += 1
            result.outcomes.append((entry, "200 OK", current.version_id))
            continue
        ref = subject_ref(entry.resource)
        who = owner(ref) if ref else None
        record_id = record_ids.get((who[0].code, who[1].local_id)) if who else None
        start, _end = event_date(entry.resource)
        name = entry.resource.get("name")
        label = (
            name
            if isinstance(name, str)
            else concept_text(first(name))
            or str(first(name).get("family", "") if isinstance(name, list) else "")
        )
        values = {
            "content": entry.resource,
            "content_hash": h,
            "system_id": system_ids.get(record_id) if record_id else None,
            "record_id": record_id,
            "patient_ref": ref[:80],
            "category": category if ref else "",
            "event_date": start,
            "status": status_of(entry.resource)[:40],
            "name": str(label or "")[:200],
            "source_file": file_name[:300],
            "updated_at": now,
        }
        if current is None:
            obj = FhirResource(resource_type=entry.resource_type, resource_id=entry.id, **values)
            new.append(obj)
            result.outcomes.append((entry, "201 Created", 1))
        else:
            FhirResourceVersion.objects.create(
                resource=current,
                version_id=current.version_id,
                content=current.content,
                updated_at=current.updated_at,
            )
            values["version_id"] = current.version_id + 1
            FhirResource.objects.filter(pk=current.pk).update(**values)
            obj = current
            result.outcomes.append((entry, "200 OK", current.version_id + 1))
        result.stored += 1
        changed.append((entry, obj))
    made = FhirResource.objects.bulk_create(new, batch_size=500)
    if any(o.pk is None for o in made):  # a database that does not return new keys
        keys = {
            (t, i): pk
            for t, i, pk in FhirResource.objects.filter(
                resource_id__in=[o.resource_id for o in made]
            ).values_list("resource_type", "resource_id", "id")
        }
        for o in made:
            o.pk = keys[(o.resource_type, o.resource_id)]
    created = {id(o) for o in new}
    FhirIdentifier.objects.filter(
        resource_id__in=[o.pk for _e, o in changed if id(o) not in created]
    ).delete()
    FhirIdentifier.objects.bulk_create(
        [
            FhirIdentifier(resource_id=obj.pk, param=param, system=system, value=value)
            for entry, obj in changed
            for param, system, value in search_tokens(entry.resource)
        ]
    )


def check_preconditions(entries: list[Entry]) -> dict[str, int]:
    """What each entry's request asks before it is stored, as issues on the entry:
    `ifNoneExist` (a conditional create: one match is answered with it, more than one is
    412), `ifMatch` (412 unless the stored version is that one), no update of a resource
    made from another source (405), and a reference to an integrated Patient pointed at
    the person's own Patient from a FHIR sender. Returns Type/id → version for entries
    answered by a match instead of being stored."""
    from onestory.interop.writes import conditional_matches, own_patient_refs

    matched: dict[str, int] = {}
    renamed: dict[str, str] = {}
    own_patient_refs([e for e in entries if e.ok])
    stored = {
        (r.resource_type, r.resource_id): r
        for r in FhirResource.objects.filter(resource_id__in=[e.id for e in entries if e.ok])
    }
    for entry in entries:
        if not entry.ok:
            continue
        label = f"Bundle.entry[{entry.index - 1}].request"
        if entry.if_none_exist:
            try:
                found = conditional_matches(entry.resource_type, entry.if_none_exist)
            except ValueError as exc:
                entry.issues.append(Issue(entry.label, f"{label}.ifNoneExist", str(exc)))
                continue
            if len(found) > 1:
                entry.issues.append(
                    Issue(
                        entry.label,
                        f"{label}.ifNoneExist",
                        f"{len(found)} resources match '{entry.if_none_exist}'; "
                        "a conditional create needs at most one",
                        412,
                    )
                )
            elif found:
                renamed[entry.ref] = f"{entry.resource_type}/{found[0].resource_id}"
                entry.id = found[0].resource_id
                matched[entry.ref] = found[0].version_id
            continue
        current = stored.get((entry.resource_type, entry.id))
        if current is not None and current.origin != RECEIVED:
            entry.issues.append(
                Issue(
                    entry.label,
                    label,
                    "this resource is made from a source system's own records; "
                    "change it in that system and re-import",
                    405,
                )
            )
        elif entry.if_match and (
            current is None or version_from_etag(entry.if_match) != str(current.version_id)
        ):
            have = f"version {current.version_id}" if current else "no version"
            entry.issues.append(
                Issue(
                    entry.label,
                    f"{label}.ifMatch",
                    f"expected version {version_from_etag(entry.if_match)}, the server has {have}",
                    412,
                )
            )
    for old, new in renamed.items():  # entries that referred to a matched one
        for entry in entries:
            entry.resource = repoint(entry.resource, {old}, new)
    return matched


# ---------------------------------------------------------------------------- tokens


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(*, by: Actor, username: str, name: str = "") -> tuple[ApiToken, str]:
    """A new bearer token acting as the staff member `username`; returns the row and the
    token, which is shown once and never stored."""
    require(by, Permission.ASSIGN_ROLES)
    user = get_user_model().objects.select_related("staff").get(username=username)
    if getattr(user, "staff", None) is None:
        raise ValueError(f"{username} is not a member of staff")
    token = "os_" + secrets.token_urlsafe(32)
    with transaction.atomic():
        row = ApiToken.objects.create(
            user=user,
            name=name[:100],
            token_hash=_digest(token),
            prefix=token[:8],
            created_by=by.label[:150],
        )
        record_event(by=by, action="fhir.token_created", detail={"token": row.pk, "user": user.pk})
    return row, token


def revoke_token(*, by: Actor, token_id: int) -> ApiToken:
    """Stop a token working at once."""
    require(by, Permission.ASSIGN_ROLES)
    with transaction.atomic():
        row = ApiToken.objects.select_for_update().get(pk=token_id)
        if row.revoked_at is None:
            row.revoked_at = timezone.now()
            row.save(update_fields=["revoked_at"])
        record_event(
            by=by, action="fhir.token_revoked", detail={"token": row.pk, "user": row.user_id}
        )
    return row


def user_for_token(token: str):
    """The user an active token acts as, or None. Not audited: the reads it makes are."""
    row = (
        ApiToken.objects.select_related("user")
        .filter(token_hash=_digest(token), revoked_at__isnull=True)
        .first()
    )
    if row is None or not row.user.is_active:
        return None
    ApiToken.objects.filter(pk=row.pk).update(last_used_at=timezone.now())
    return row.user
