"""Reading a FHIR R4 bundle: validation with `fhir.resources` (R4B models, which read R4),
server ids for every entry, `urn:uuid` references resolved within the bundle.

A bundle-level problem (not JSON, not a Bundle, an unknown bundle type) raises
`BundleError`; a problem with one entry becomes an `Issue` on that entry, naming the
resource and the FHIR path."""

import hashlib
import json
import uuid
from dataclasses import dataclass, field
from typing import Any

from fhir.resources.R4B import get_fhir_model_class
from pydantic import ValidationError

from onestory.interop.domain.index import without_server_meta
from onestory.sources.domain.json_input import JsonTooDeep, has_nul, load_json, strip_nul
from onestory.sources.domain.limits import DEFAULT_LIMITS

# The resource types OneStory maps and serves; any other valid type is kept in the raw
# store and served by read only.
SUPPORTED_TYPES = (
    "Patient",
    "RelatedPerson",
    "Practitioner",
    "PractitionerRole",
    "Organization",
    "Encounter",
    "EpisodeOfCare",
    "Condition",
    "Observation",
    "MedicationRequest",
    "Procedure",
    "CarePlan",
    "Goal",
    "CareTeam",
    "Consent",
    "ServiceRequest",
    "AllergyIntolerance",
    "Flag",
)
BUNDLE_TYPES = ("transaction", "batch", "collection")
# A fixed namespace, so that an entry sent without an id gets the same id every time.
_ID_NAMESPACE = uuid.UUID("5d0c8a58-3f5e-4bb8-9a0e-2f1b6d6f0a11")


# The deepest nesting of arrays and objects read from outside; a bundle nesting deeper is
# refused before it is parsed (docs/FHIR.md "Limits").
MAX_JSON_DEPTH = DEFAULT_LIMITS.max_json_depth


class BundleError(ValueError):
    """The whole bundle cannot be read. `path` names where (FHIR path or "Bundle"); `code`
    is the OperationOutcome issue type ("structure" for JSON that cannot be read,
    "invalid" for JSON that is not a bundle OneStory takes)."""

    def __init__(self, message: str, path: str = "Bundle", code: str = "invalid") -> None:
        super().__init__(message)
        self.path = path
        self.code = code


@dataclass(frozen=True)
class Issue:
    """One problem with one entry: which resource, where in it, and what is wrong."""

    resource: str  # "Condition/abc" or "entry[3]"
    path: str  # FHIR path, e.g. "Condition.subject.reference"
    message: str
    status: int = 422  # the HTTP status the issue means on its own (412: a precondition)


@dataclass
class Entry:
    """One entry of a bundle, with its server id and its references resolved."""

    index: int  # 1-based, as a person counts entries
    full_url: str
    resource_type: str
    id: str
    resource: dict[str, Any]
    issues: list[Issue] = field(default_factory=list)
    method: str = ""  # POST or PUT, when the entry has a request
    if_none_exist: str = ""  # a conditional create's search (request.ifNoneExist)
    if_match: str = ""  # the version an update expects (request.ifMatch, an ETag)

    @property
    def ref(self) -> str:
        return f"{self.resource_type}/{self.id}"

    @property
    def label(self) -> str:
        return self.ref if self.resource_type and self.id else f"entry[{self.index}]"

    @property
    def ok(self) -> bool:
        return not self.issues


def parse_json(text: bytes | str, max_depth: int = MAX_JSON_DEPTH) -> Any:
    """JSON text to Python, or BundleError saying why not. Nesting deeper than `max_depth`
    is refused before parsing, so no document can exhaust the parser's recursion."""
    data = text.encode("utf-8", "surrogatepass") if isinstance(text, str) else text
    try:
        return load_json(data, max_depth)
    except JsonTooDeep as exc:
        raise BundleError(str(exc), code="structure") from exc
    except (UnicodeError, json.JSONDecodeError, RecursionError) as exc:
        raise BundleError(f"not valid JSON ({exc})", code="structure") from exc


def content_text(resource: dict[str, Any]) -> str:
    """A resource as JSON with its keys sorted: the text its content hash is taken of."""
    return json.dumps(resource, sort_keys=True, separators=(",", ":"), default=str)


def text_hash(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def content_hash(resource: dict[str, Any]) -> str:
    """A stable hash of a resource's content (keys sorted), for idempotent re-import."""
    return text_hash(content_text(resource))


def validation_issues(label: str, resource: dict[str, Any]) -> list[Issue]:
    """What `fhir.resources` finds wrong with one resource, each named by its FHIR path."""
    rtype = str(resource.get("resourceType", ""))
    try:
        model = get_fhir_model_class(rtype)
    except (KeyError, AttributeError, ValueError):
        return [Issue(label, "resourceType", f"'{rtype}' is not a FHIR R4 resource type")]
    try:
        model.model_validate(resource)
    except (TypeError, AttributeError, RecursionError) as exc:  # values pydantic cannot even walk
        return [Issue(label, rtype, f"cannot be validated ({type(exc).__name__})")]
    except ValidationError as exc:
        issues = []
        for error in exc.errors():
            path = rtype
            for part in error["loc"]:
                path += f"[{part}]" if isinstance(part, int) else f".{part}"
            issues.append(Issue(label, path, str(error["msg"]).removeprefix("Value error, ")))
        return issues
    return []


def read_bundle(data: Any) -> tuple[str, list[Entry]]:
    """The bundle type and its entries, each validated, given a server id and with its
    references rewritten to `Type/id`. A single resource (not a Bundle) reads as a
    collection of one, so an example resource file can be imported as it is."""
    if not isinstance(data, dict) or not data.get("resourceType"):
        raise BundleError("expected a FHIR resource (a JSON object with a resourceType)")
    if data["resourceType"] != "Bundle":
        try:
            get_fhir_model_class(str(data["resourceType"]))
        except (KeyError, AttributeError, ValueError):
            raise BundleError(
                f"resourceType '{data['resourceType']}' is not a FHIR R4 resource type",
                "resourceType",
            ) from None
        data = {"resourceType": "Bundle", "type": "collection", "entry": [{"resource": data}]}
    bundle_type = str(data.get("type", ""))
    if bundle_type not in BUNDLE_TYPES:
        raise BundleError(
            f"Bundle.type '{bundle_type}' is not one of {', '.join(BUNDLE_TYPES)}", "Bundle.type"
        )
    raw_entries = data.get("entry", []) or []
    if not isinstance(raw_entries, list):
        raise BundleError("Bundle.entry is not a list", "Bundle.entry")
    entries = [_entry(i, raw) for i, raw in enumerate(raw_entries, start=1)]
    _resolve_references(entries)
    return bundle_type, entries


def _entry(index: int, raw: Any) -> Entry:
    if not isinstance(raw, dict) or not isinstance(raw.get("resource"), dict):
        entry = Entry(index, "", "", "", {})
        entry.issues.append(
            Issue(entry.label, f"Bundle.entry[{index - 1}]", "entry has no resource")
        )
        return entry
    resource = raw["resource"]
    full_url = str(raw.get("fullUrl", "") or "")
    rtype = str(resource.get("resourceType", ""))
    request = _request(raw)
    rid = _server_id(request, resource, full_url)
    entry = Entry(index, full_url, rtype, rid, resource)
    if not isinstance(raw.get("request", {}) or {}, dict):
        entry.issues.append(
            Issue(entry.label, f"Bundle.entry[{index - 1}].request", "request is not an object")
        )
    if has_nul(raw):
        # JSON allows "\u0000" (in the resource, its fullUrl or request); the database
        # cannot keep it in text.
        entry.resource = strip_nul(resource)
        entry.issues.append(Issue(entry.label, rtype or "Resource", "holds a NUL character"))
        return entry
    entry.issues.extend(validation_issues(entry.label, resource))
    method = str(request.get("method", "") or "").upper()
    entry.method = method
    entry.if_none_exist = str(request.get("ifNoneExist", "") or "")
    entry.if_match = str(request.get("ifMatch", "") or "")
    if method and method not in ("POST", "PUT"):
        entry.issues.append(
            Issue(
                entry.label,
                f"Bundle.entry[{index - 1}].request.method",
                f"method {method} is not supported (only POST and PUT)",
            )
        )
    return entry


def _request(raw: dict[str, Any]) -> dict[str, Any]:
    request = raw.get("request")
    return request if isinstance(request, dict) else {}


def _server_id(request: dict[str, Any], resource: dict[str, Any], full_url: str) -> str:
    """The id the entry is kept under: a PUT's `Type/id`, else the resource's own id, else
    the uuid of its `urn:uuid` fullUrl, else one derived from its content."""
    url = str(request.get("url", "") or "")
    if str(request.get("method", "")).upper() == "PUT" and "/" in url:
        return url.split("?")[0].rsplit("/", 1)[1][:64]
    if resource.get("id"):
        return str(resource["id"])[:64]
    if full_url.startswith("urn:uuid:"):
        return full_url.removeprefix("urn:uuid:")[:64]
    return str(uuid.uuid5(_ID_NAMESPACE, full_url or content_hash(resource)))


def _resolve_references(entries: list[Entry]) -> None:
    """Rewrite every `reference` that names another entry (by fullUrl or `Type/id`) to
    `Type/id`, and set each resource's id. A `urn:` reference to no entry is dangling:
    FHIR says it must resolve within the bundle."""
    targets: dict[str, str] = {}
    for entry in entries:
        if not entry.resource_type:
            continue
        if entry.full_url:
            targets[entry.full_url] = entry.ref
        if entry.resource.get("id"):
            targets[f"{entry.resource_type}/{entry.resource['id']}"] = entry.ref
    for entry in entries:
        if not entry.resource_type:
            continue
        resolved = without_server_meta(
            _rewrite(entry.resource, entry.resource_type, targets, entry)
        )
        resolved["id"] = entry.id
        entry.resource = resolved


def _rewrite(value: Any, path: str, targets: dict[str, str], entry: Entry) -> Any:
    if isinstance(value, dict):
        out = {}
        for key, item in value.items():
            if key == "reference" and isinstance(item, str):
                if item in targets:
                    item = targets[item]
                elif item.startswith("urn:"):
                    entry.issues.append(
                        Issue(
                            entry.label,
                            f"{path}.reference",
                            f"reference '{item}' is not an entry of this bundle",
                        )
                    )
                out[key] = item
            else:
                out[key] = _rewrite(item, f"{path}.{key}", targets, entry)
        return out
    if isinstance(value, list):
        return [_rewrite(item, f"{path}[{i}]", targets, entry) for i, item in enumerate(value)]
    return value
