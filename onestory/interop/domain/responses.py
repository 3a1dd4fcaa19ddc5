"""FHIR response bodies: OperationOutcome, Bundles and the CapabilityStatement. Pure."""

from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

from onestory.interop.domain.bundle import SUPPORTED_TYPES
from onestory.interop.domain.search import INCLUDES, allowed_params


def operation_outcome(
    issues: list[tuple[str, str, str]], severity: str = "error"
) -> dict[str, Any]:
    """`issues` are (code, diagnostics, expression) triples; expression may be ""."""
    out = []
    for code, text, expression in issues:
        issue: dict[str, Any] = {"severity": severity, "code": code, "diagnostics": text}
        if expression:
            issue["expression"] = [expression]
        out.append(issue)
    return {"resourceType": "OperationOutcome", "issue": out}


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def searchset(
    base: str,
    resource_type: str,
    params: dict[str, list[str]],
    total: int,
    offset: int,
    count: int,
    resources: list[dict[str, Any]],
    included: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """A searchset Bundle with `self`, `next` and `previous` links that page by `_offset`."""

    def link(at: int) -> str:
        query = {k: v for k, v in params.items() if k not in ("_offset", "_count")}
        pairs = [(k, v) for k, values in query.items() for v in values]
        pairs += [("_count", str(count)), ("_offset", str(at))]
        return f"{base}/{resource_type}?{urlencode(pairs)}"

    links = [{"relation": "self", "url": link(offset)}]
    if offset + count < total:
        links.append({"relation": "next", "url": link(offset + count)})
    if offset > 0:
        links.append({"relation": "previous", "url": link(max(0, offset - count))})
    entries = [_entry(base, r, "match") for r in resources]
    entries += [_entry(base, r, "include") for r in included or []]
    return {
        "resourceType": "Bundle",
        "type": "searchset",
        "meta": {"lastUpdated": _now()},
        "total": total,
        "link": links,
        "entry": entries,
    }


def _entry(base: str, resource: dict[str, Any], mode: str) -> dict[str, Any]:
    if resource.get("resourceType") == "OperationOutcome":
        mode = "outcome"  # such as one saying information was withheld
    return {
        "fullUrl": f"{base}/{resource['resourceType']}/{resource['id']}",
        "resource": resource,
        "search": {"mode": mode},
    }


def everything_bundle(base: str, resources: list[dict[str, Any]], kind: str = "searchset"):
    """$everything (a searchset) or an export file (a collection)."""
    bundle: dict[str, Any] = {
        "resourceType": "Bundle",
        "type": kind,
        "meta": {"lastUpdated": _now()},
        "entry": [
            {"fullUrl": f"{base}/{r['resourceType']}/{r['id']}", "resource": r}
            | ({"search": {"mode": _search_mode(r)}} if kind == "searchset" else {})
            for r in resources
        ],
    }
    if kind == "searchset":
        bundle["total"] = len(resources)
    else:
        bundle["timestamp"] = _now()
    return bundle


def _search_mode(resource: dict[str, Any]) -> str:
    return "outcome" if resource.get("resourceType") == "OperationOutcome" else "match"


def transaction_response(kind: str, outcomes: list[tuple[str, str]]) -> dict[str, Any]:
    """`outcomes` are (Type/id, status) per stored entry."""
    return {
        "resourceType": "Bundle",
        "type": f"{kind}-response",
        "entry": [
            {"response": {"status": status, "location": f"{ref}/_history/1"}}
            for ref, status in outcomes
        ],
    }


def capability_statement(base: str) -> dict[str, Any]:
    """Exactly what /fhir supports: read and search for each type with its parameters,
    the transaction/batch import at the base and Patient/$everything."""
    resources = []
    for rtype in SUPPORTED_TYPES:
        params = sorted(p for p in allowed_params(rtype) if p not in ("_format", "_pretty"))
        entry: dict[str, Any] = {
            "type": rtype,
            "interaction": [{"code": "read"}, {"code": "search-type"}],
            "searchParam": [{"name": p, "type": _param_type(p)} for p in params if p != "_include"],
        }
        includes = sorted(k for k in INCLUDES if k.startswith(rtype + ":"))
        if includes:
            entry["searchInclude"] = includes
        if rtype == "Patient":
            entry["operation"] = [
                {
                    "name": "everything",
                    "definition": "http://hl7.org/fhir/OperationDefinition/Patient-everything",
                }
            ]
        resources.append(entry)
    return {
        "resourceType": "CapabilityStatement",
        "status": "active",
        "date": _now()[:10],
        "publisher": "OneStory",
        "kind": "instance",
        "software": {"name": "OneStory"},
        "implementation": {"description": "OneStory FHIR R4 API", "url": base},
        "fhirVersion": "4.0.1",
        "format": ["application/fhir+json"],
        "rest": [
            {
                "mode": "server",
                "security": {
                    "description": "Bearer token (onestory fhir token create) or a signed-in "
                    "session; every read is access-checked and audited."
                },
                "resource": resources,
                "interaction": [{"code": "transaction"}, {"code": "batch"}],
            }
        ],
    }


def _param_type(name: str) -> str:
    return {
        "birthdate": "date",
        "date": "date",
        "name": "string",
        "patient": "reference",
        "subject": "reference",
        "_count": "number",
        "_offset": "number",
    }.get(name, "token")
