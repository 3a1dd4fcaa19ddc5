"""What a stored resource is found by, and how it is served back. Pure.

- `search_tokens`: the `identifier`, `code` and `category` tokens (system|value) and the
  Provenance `target` references of a resource, kept in `FhirIdentifier`.
- `served`: the stored content with `meta.versionId` and `meta.lastUpdated`, its own
  Patient reference pointed at the integrated Patient, and cut to `_elements`."""

from datetime import datetime
from typing import Any

# The element each type keeps its code in, where it is not `code`.
CODE_ELEMENT = {
    "MedicationRequest": "medicationCodeableConcept",
    "MedicationAdministration": "medicationCodeableConcept",
    "MedicationStatement": "medicationCodeableConcept",
    "Immunization": "vaccineCode",
    "Encounter": "type",
    "EpisodeOfCare": "type",
    "Goal": "description",
}
# Elements kept whatever `_elements` asks for (FHIR: the mandatory ones and meta).
ALWAYS = ("resourceType", "id", "meta")
SUBSETTED = {
    "system": "http://terminology.hl7.org/CodeSystem/v3-ObservationValue",
    "code": "SUBSETTED",
}
# Stripped from content before it is hashed and stored: the server keeps these itself.
SERVER_META = ("versionId", "lastUpdated")


def _concepts(value: Any) -> list[dict[str, Any]]:
    if isinstance(value, dict):
        return [value]
    if isinstance(value, list):
        return [v for v in value if isinstance(v, dict)]
    return []


def _codings(value: Any) -> list[tuple[str, str]]:
    out = []
    for concept in _concepts(value):
        for coded in concept.get("coding", []) or []:
            if isinstance(coded, dict) and coded.get("code"):
                out.append((str(coded.get("system", "") or ""), str(coded["code"])))
    return out


def search_tokens(resource: dict[str, Any]) -> list[tuple[str, str, str]]:
    """(parameter, system, value) for each identifier, code, category and target."""
    rtype = str(resource.get("resourceType", ""))
    out = []
    for ident in resource.get("identifier", []) or []:
        if isinstance(ident, dict) and ident.get("value"):
            out.append(("identifier", str(ident.get("system", "") or ""), str(ident["value"])))
    for system, code in _codings(resource.get(CODE_ELEMENT.get(rtype, "code"))):
        out.append(("code", system, code))
    category = resource.get("category") if rtype != "Encounter" else resource.get("class")
    for system, code in _codings(category):
        out.append(("category", system, code))
    if rtype == "Encounter" and isinstance(resource.get("class"), dict):
        cls = resource["class"]
        if cls.get("code"):
            out.append(("category", str(cls.get("system", "") or ""), str(cls["code"])))
    if rtype == "Provenance":
        for target in resource.get("target", []) or []:
            if isinstance(target, dict) and isinstance(target.get("reference"), str):
                out.append(("target", "", target["reference"]))
    return [(p, s[:200], v[:200]) for p, s, v in out]


def without_server_meta(resource: dict[str, Any]) -> dict[str, Any]:
    """The resource without the meta the server keeps (version and when), so that
    sending back what was read is not a change."""
    meta = resource.get("meta")
    if not isinstance(meta, dict) or not any(k in meta for k in SERVER_META):
        return resource
    kept = {k: v for k, v in meta.items() if k not in SERVER_META}
    out = {k: v for k, v in resource.items() if k != "meta"}
    if kept:
        out["meta"] = kept
    return out


def repoint(value: Any, own: set[str], target: str) -> Any:
    """Every `reference` to one of `own` pointed at `target` instead."""
    if isinstance(value, dict):
        return {
            k: (target if k == "reference" and v in own else repoint(v, own, target))
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [repoint(v, own, target) for v in value]
    return value


def served(
    content: dict[str, Any],
    version_id: int,
    updated_at: datetime,
    *,
    own_refs: set[str] | None = None,
    person_ref: str = "",
    elements: list[str] | None = None,
) -> dict[str, Any]:
    """The resource as /fhir serves it."""
    out = repoint(content, own_refs, person_ref) if own_refs and person_ref else dict(content)
    meta = dict(out.get("meta") or {})
    meta["versionId"] = str(version_id)
    meta["lastUpdated"] = updated_at.isoformat(timespec="milliseconds")
    out["meta"] = meta
    if elements:
        out = {k: v for k, v in out.items() if k in ALWAYS or k in elements}
        out["meta"] = {**meta, "tag": [*meta.get("tag", []), SUBSETTED]}
    return out


def elements_only(resource: dict[str, Any], elements: list[str]) -> dict[str, Any]:
    """A resource cut to `_elements` (for those not stored, such as the Patient)."""
    if not elements:
        return resource
    out = {k: v for k, v in resource.items() if k in ALWAYS or k in elements}
    meta = dict(out.get("meta") or {})
    out["meta"] = {**meta, "tag": [*meta.get("tag", []), SUBSETTED]}
    return out


def etag(version_id: int | str) -> str:
    return f'W/"{version_id}"'


def version_from_etag(value: str) -> str:
    """`W/"3"` (or `"3"`, or 3) → "3"."""
    return value.strip().removeprefix("W/").strip('"')
