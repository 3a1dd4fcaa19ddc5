"""FHIR response bodies: OperationOutcome, Bundles and the CapabilityStatement. Pure."""

from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

from onestory.interop.domain.search import (
    CHAINS,
    INCLUDES,
    SERVED_TYPES,
    SORTS,
    allowed_params,
    kind_of,
    revincludes_for,
)


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
    total: int | None,
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
    more = offset + count < total if total is not None else len(resources) >= count > 0
    if more:
        links.append({"relation": "next", "url": link(offset + count)})
    if offset > 0 and count > 0:
        links.append({"relation": "previous", "url": link(max(0, offset - count))})
    entries = [_entry(base, r, "match") for r in resources]
    entries += [_entry(base, r, "include") for r in included or []]
    bundle: dict[str, Any] = {
        "resourceType": "Bundle",
        "type": "searchset",
        "meta": {"lastUpdated": _now()},
    }
    if total is not None:
        bundle["total"] = total
    bundle["link"] = links
    if entries:
        bundle["entry"] = entries
    return bundle


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


def transaction_response(kind: str, outcomes: list[tuple[str, str, int]]) -> dict[str, Any]:
    """`outcomes` are (Type/id, status, version) per stored or matched entry."""
    return {
        "resourceType": "Bundle",
        "type": f"{kind}-response",
        "entry": [
            {
                "response": {
                    "status": status,
                    "location": f"{ref}/_history/{version}",
                    "etag": f'W/"{version}"',
                }
            }
            for ref, status, version in outcomes
        ],
    }


def history_bundle(base: str, versions: list[dict[str, Any]]) -> dict[str, Any]:
    """A resource's `_history`: every version, newest first."""
    return {
        "resourceType": "Bundle",
        "type": "history",
        "meta": {"lastUpdated": _now()},
        "total": len(versions),
        "entry": [
            {
                "fullUrl": f"{base}/{v['resourceType']}/{v['id']}",
                "resource": v,
                "request": {
                    "method": "POST" if v["meta"]["versionId"] == "1" else "PUT",
                    "url": f"{v['resourceType']}/{v['id']}",
                },
                "response": {
                    "status": "201 Created" if v["meta"]["versionId"] == "1" else "200 OK",
                    "etag": f'W/"{v["meta"]["versionId"]}"',
                    "lastModified": v["meta"]["lastUpdated"],
                },
            }
            for v in versions
        ],
    }


# What each interaction is, for the CapabilityStatement.
_INTERACTIONS = ("read", "vread", "history-instance", "search-type", "create", "update")
_NOT_PARAMS = ("_format", "_pretty", "_include", "_revinclude", "_totalMethod")


# SMART App Launch's extension naming the OAuth endpoints (ADR 0030).
OAUTH_URIS = "http://fhir-registry.smarthealthit.org/StructureDefinition/oauth-uris"


def security(oauth: dict[str, str]) -> dict[str, Any]:
    """The CapabilityStatement's `rest.security`: SMART on FHIR, with its endpoints."""
    return {
        "cors": False,
        "service": [
            {
                "coding": [
                    {
                        "system": "http://terminology.hl7.org/CodeSystem/restful-security-service",
                        "code": "SMART-on-FHIR",
                    }
                ],
                "text": "OAuth2 using SMART-on-FHIR profile (authorization code with PKCE), "
                "beside bearer tokens made by an administrator",
            }
        ],
        "extension": [
            {
                "url": OAUTH_URIS,
                "extension": [
                    {"url": key, "valueUri": oauth[key]}
                    for key in ("authorize", "token", "revoke", "manage")
                    if key in oauth
                ],
            }
        ],
    }


def capability_statement(base: str, oauth: dict[str, str] | None = None) -> dict[str, Any]:
    """Exactly what /fhir supports: for each served type its interactions and search
    parameters, `_include`s and `_revinclude`s; transaction and batch at the base and
    Patient/$everything."""
    resources = []
    for rtype in SERVED_TYPES:
        params = sorted(p for p in allowed_params(rtype) if p not in _NOT_PARAMS)
        entry: dict[str, Any] = {
            "type": rtype,
            "versioning": "versioned-update",
            "readHistory": True,
            "updateCreate": True,
            "conditionalCreate": True,
            "conditionalUpdate": True,
            "interaction": [{"code": code} for code in _INTERACTIONS],
            "searchParam": [
                {"name": p, "type": _param_type(p), "documentation": _param_doc(rtype, p)}
                for p in params
            ],
        }
        includes = sorted(k for k in INCLUDES if k.startswith(rtype + ":"))
        if includes:
            entry["searchInclude"] = includes
        entry["searchRevInclude"] = revincludes_for(rtype)
        if rtype == "Patient":
            entry["operation"] = [
                {
                    "name": "everything",
                    "definition": "http://hl7.org/fhir/OperationDefinition/Patient-everything",
                },
                {
                    "name": "export",
                    "definition": "http://hl7.org/fhir/uv/bulkdata/OperationDefinition/patient-export",
                },
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
        "format": ["application/fhir+json", "application/json"],
        "rest": [
            {
                "mode": "server",
                "security": {
                    **(security(oauth) if oauth else {}),
                    "description": "Bearer token (onestory fhir token create), a SMART App "
                    "Launch access token (read scopes) or a signed-in session; every read and "
                    "write about a person is access-checked and audited; writes need the "
                    "run_imports permission.",
                },
                "resource": resources,
                "interaction": [{"code": "transaction"}, {"code": "batch"}],
                "operation": [
                    {
                        "name": "export",
                        "definition": "http://hl7.org/fhir/uv/bulkdata/OperationDefinition/export",
                    },
                    {
                        "name": "export",
                        "definition": "http://hl7.org/fhir/uv/bulkdata/OperationDefinition/group-export",
                    },
                ],
            }
        ],
    }


def _param_doc(resource_type: str, name: str) -> str:
    if name in ("date", "birthdate", "_lastUpdated"):
        return "prefixes eq ne gt lt ge le sa eb ap; YYYY, YYYY-MM, YYYY-MM-DD or a date-time"
    if name in ("identifier", "code", "category"):
        return "token: code, system|code or |code; comma-separated values are OR"
    if name in CHAINS:
        return "the Patient's identifier (system|value), any system"
    if name == "_sort":
        return "one or more of " + ", ".join(SORTS[kind_of(resource_type)]) + " (- descending)"
    if name == "_summary":
        return "count only"
    if name == "_total":
        return "none, estimate or accurate"
    if name == "_elements":
        return "top-level elements; the result is marked SUBSETTED"
    return ""


def _param_type(name: str) -> str:
    if name in CHAINS:
        return "reference"
    return {
        "birthdate": "date",
        "date": "date",
        "_lastUpdated": "date",
        "name": "string",
        "family": "string",
        "given": "string",
        "patient": "reference",
        "subject": "reference",
        "_count": "number",
        "_offset": "number",
        "_sort": "special",
        "_elements": "special",
        "_summary": "token",
        "_total": "token",
    }.get(name, "token")
