"""/fhir: plain Django views speaking `application/fhir+json` (ADR 0007). They
authenticate (bearer token or session), then call only the interop actions and queries;
every error is an OperationOutcome with the matching HTTP status."""

import json
import logging
from functools import wraps
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, RequestDataTooBig
from django.http import Http404, HttpRequest, HttpResponse
from django.middleware.csrf import CsrfViewMiddleware
from django.views.decorators.csrf import csrf_exempt

from onestory.access.policy import actor_for_user
from onestory.interop import actions, bulk, queries, search, smart, writes
from onestory.interop.domain.bundle import BundleError, parse_json
from onestory.interop.domain.formats import format_refused
from onestory.interop.domain.index import etag
from onestory.interop.domain.responses import (
    capability_statement,
    everything_bundle,
    history_bundle,
    operation_outcome,
    searchset,
    transaction_response,
)
from onestory.interop.domain.search import SERVED_TYPES, SearchError, parse_search
from onestory.interop.scope import limited_to_person
from onestory.sources.domain.limits import where_it_failed

FHIR_JSON = "application/fhir+json; charset=utf-8"
# The largest body POST /fhir reads (setting ONESTORY_FHIR_MAX_BODY_BYTES). It is checked
# here, against Content-Length and then the bytes actually sent, instead of through Django's
# DATA_UPLOAD_MAX_MEMORY_SIZE (2.5 MB, meant for forms), whose refusal is an HTML page.
FHIR_MAX_BODY_BYTES = 10 * 1024 * 1024

logger = logging.getLogger(__name__)
# A batch's problems, as the status of the entry that reports them.
BATCH_STATUS = {403: "403 Forbidden", 405: "405 Method Not Allowed", 412: "412 Precondition Failed"}


def fhir_response(body: dict[str, Any], status: int = 200) -> HttpResponse:
    response = HttpResponse(json.dumps(body), status=status, content_type=FHIR_JSON)
    version = (body.get("meta") or {}).get("versionId") if body.get("id") else None
    if version and body.get("resourceType") not in ("Bundle", "OperationOutcome"):
        response["ETag"] = etag(version)
        response["Last-Modified"] = _http_date(body["meta"].get("lastUpdated", ""))
    return response


def _http_date(iso: str) -> str:
    from datetime import datetime

    from django.utils.http import http_date

    try:
        return http_date(datetime.fromisoformat(iso).timestamp())
    except ValueError:
        return ""


def outcome(status: int, code: str, text: str, expression: str = "", allow: str = ""):
    response = fhir_response(operation_outcome([(code, text, expression)]), status)
    if allow:
        response["Allow"] = allow
    return response


def not_allowed(request: HttpRequest, allow: str) -> HttpResponse:
    return outcome(
        405, "not-supported", f"{request.method} is not supported here (only {allow}).", "", allow
    )


def _refused_format(request: HttpRequest) -> HttpResponse | None:
    """406 for `_format` or an Accept header asking only for what is not served (XML,
    Turtle…); every answer here is FHIR JSON."""
    why = format_refused(request.GET.get("_format", ""), request.headers.get("Accept", ""))
    return outcome(406, "not-supported", why) if why else None


def _base(request: HttpRequest) -> str:
    return request.build_absolute_uri("/fhir").rstrip("/")


def _actor(request: HttpRequest):
    """The caller: a bearer token's member of staff, else the signed-in user."""
    header = request.headers.get("Authorization", "")
    if header.lower().startswith("bearer "):
        raw = header[7:].strip()
        user = actions.user_for_token(raw)
        if user is None:
            # A SMART app's OAuth access token (ADR 0030): read only, maybe one person.
            access = smart.access_for_token(raw)
            if access is None:
                return None
            request.smart_access = access
            user = access.user
        request.fhir_token = True
        return actor_for_user(user, "api")
    if request.user.is_authenticated:
        return actor_for_user(request.user, "api")
    return None


def fhir_view(view):
    """Authentication, CSRF for signed-in sessions, and errors as OperationOutcomes."""

    @csrf_exempt
    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs):
        try:
            if (refused := _refused_format(request)) is not None:
                return refused
            actor = _actor(request)
            if actor is None:
                return outcome(401, "login", "Authentication required: a bearer token or sign-in.")
            unsafe = request.method not in ("GET", "HEAD", "OPTIONS")
            if unsafe and not getattr(request, "fhir_token", False):
                refused = CsrfViewMiddleware(lambda r: None).process_view(request, None, (), {})
                if refused is not None:
                    return outcome(403, "forbidden", "CSRF check failed.")
            access = getattr(request, "smart_access", None)
            if access is None:
                return view(request, actor, *args, **kwargs)
            if request.method in ("POST", "PUT", "PATCH"):
                # Every SMART scope served is a read scope (a Bulk export job may still be
                # deleted by whoever started it).
                return outcome(403, "forbidden", "This app's access is to read only.")
            with limited_to_person(access.person_pk if access.patient_only else None):
                return view(request, actor, *args, **kwargs)
        except PermissionDenied as exc:
            return outcome(403, "forbidden", str(exc) or queries.REFUSED)
        except Http404 as exc:
            return outcome(404, "not-found", str(exc) or queries.NOT_FOUND)
        except SearchError as exc:
            return outcome(400, "not-supported", str(exc))
        except BundleError as exc:
            return outcome(400, exc.code, str(exc), exc.path)
        except RequestDataTooBig:
            return _too_large()
        except Exception as exc:
            # Never an HTML error page: log the kind of failure (no content) and say so.
            logger.error("FHIR request failed: %s", where_it_failed(exc))
            return outcome(500, "exception", "The server could not process this request.")

    return wrapper


def max_body_bytes() -> int:
    return int(getattr(settings, "ONESTORY_FHIR_MAX_BODY_BYTES", FHIR_MAX_BODY_BYTES))


def _too_large() -> HttpResponse:
    limit = max_body_bytes()
    return outcome(
        413,
        "too-long",
        f"The request body is larger than {limit:,} bytes, the most POST /fhir takes; "
        "send the bundle in smaller parts.",
    )


def _read_body(request: HttpRequest) -> bytes | None:
    """The request body, or None when it is over the limit. Read from the stream (not
    `request.body`) so that Django's form-sized limit does not apply."""
    limit = max_body_bytes()
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        declared = 0
    if declared > limit:
        return None
    body = request.read(limit + 1)
    return None if len(body) > limit else body


def metadata(request: HttpRequest) -> HttpResponse:
    """The CapabilityStatement: public, as FHIR expects."""
    if (refused := _refused_format(request)) is not None:
        return refused
    if request.method != "GET":
        return not_allowed(request, "GET")
    origin = request.build_absolute_uri("/").rstrip("/")
    return fhir_response(capability_statement(_base(request), smart.endpoints(origin)))


@fhir_view
def base(request: HttpRequest, actor) -> HttpResponse:
    """POST a transaction, batch or collection Bundle."""
    if request.method != "POST":
        return not_allowed(request, "POST")
    body = _read_body(request)
    if body is None:
        return _too_large()
    try:
        data = parse_json(body)
        if isinstance(data, dict) and data.get("resourceType") != "Bundle":
            raise BundleError(
                f"expected a Bundle, not resourceType '{data.get('resourceType')}'",
                "resourceType",
            )
        result = actions.import_bundle(data, by=actor, file_name="POST /fhir")
    except BundleError as exc:
        return outcome(400, exc.code, str(exc), exc.path)
    codes = {"403": "forbidden", "412": "conflict", "405": "not-supported"}
    issues = [
        (codes.get(e.get("status", ""), "invalid"), f"{e['resource']}: {e['message']}", e["path"])
        for e in result.errors
    ]
    if result.rejected:
        return fhir_response(operation_outcome(issues), result.status)
    body = transaction_response(
        "transaction" if result.bundle_type == "transaction" else "batch",
        [(entry.ref, status, version) for entry, status, version in result.outcomes],
    )
    if issues:
        body["entry"].append(
            {
                "response": {
                    "status": BATCH_STATUS.get(result.status, "422 Unprocessable Entity"),
                    "outcome": operation_outcome(issues),
                }
            }
        )
    return fhir_response(body)


def _served(resource_type: str) -> HttpResponse | None:
    if resource_type not in SERVED_TYPES:
        return outcome(404, "not-supported", f"Resource type '{resource_type}' is not served.")
    return None


def _body(request: HttpRequest) -> Any:
    body = _read_body(request)
    if body is None:
        raise RequestDataTooBig()
    return parse_json(body)


def _written(request: HttpRequest, result: writes.Written) -> HttpResponse:
    if result.resource is None:
        return fhir_response(operation_outcome(result.issues), result.status)
    response = fhir_response(result.resource, result.status)
    r = result.resource
    response["Location"] = (
        f"{_base(request)}/{r['resourceType']}/{r['id']}/_history/{result.version}"
    )
    return response


@fhir_view
def type_search(request: HttpRequest, actor, resource_type: str) -> HttpResponse:
    """GET: search. POST: create (conditional with If-None-Exist, or with the search in
    the query string). PUT with a search: conditional update."""
    if (refused := _served(resource_type)) is not None:
        return refused
    if request.method == "POST":
        query = request.GET.copy()
        for name in ("_format", "_pretty"):
            query.pop(name, None)
        condition = request.headers.get("If-None-Exist", "") or query.urlencode()
        return _written(
            request,
            writes.create(resource_type, _body(request), by=actor, if_none_exist=condition),
        )
    if request.method == "PUT":
        if not request.GET:
            return outcome(400, "required", "PUT to a type needs a search (a conditional update).")
        return _written(
            request,
            writes.conditional_update(
                resource_type, request.GET.urlencode(), _body(request), by=actor
            ),
        )
    if request.method != "GET":
        return not_allowed(request, "GET, POST, PUT")
    params = {k: request.GET.getlist(k) for k in request.GET}
    query = parse_search(resource_type, params)
    page = search.search(query, by=actor)
    return fhir_response(
        searchset(
            _base(request),
            resource_type,
            params,
            page.total,
            query.offset,
            query.count,
            page.resources,
            page.included,
        )
    )


@fhir_view
def read(request: HttpRequest, actor, resource_type: str, resource_id: str) -> HttpResponse:
    """GET: read (with its ETag). PUT: update (If-Match honoured)."""
    if (refused := _served(resource_type)) is not None:
        return refused
    if request.method == "PUT":
        return _written(
            request,
            writes.update(
                resource_type,
                resource_id,
                _body(request),
                by=actor,
                if_match=request.headers.get("If-Match", ""),
            ),
        )
    if request.method != "GET":
        return not_allowed(request, "GET, PUT")
    return fhir_response(queries.read_resource(resource_type, resource_id, by=actor))


@fhir_view
def history(
    request: HttpRequest, actor, resource_type: str, resource_id: str, version: str = ""
) -> HttpResponse:
    """`_history` (every version, newest first) and vread (`_history/{version}`)."""
    if request.method != "GET":
        return not_allowed(request, "GET")
    if (refused := _served(resource_type)) is not None:
        return refused
    versions = queries.history(resource_type, resource_id, by=actor, version=version or None)
    if version:
        return fhir_response(versions[0])
    return fhir_response(history_bundle(_base(request), versions))


@fhir_view
def patient_everything(request: HttpRequest, actor, resource_id: str) -> HttpResponse:
    if request.method != "GET":
        return not_allowed(request, "GET")
    unknown = set(request.GET) - {"_download", "_format"}
    if unknown:
        raise SearchError(f"unknown parameter '{sorted(unknown)[0]}' for $everything")
    resources = queries.everything(resource_id, by=actor)
    download = request.GET.get("_download")
    response = fhir_response(
        everything_bundle(_base(request), resources, "collection" if download else "searchset")
    )
    if download:
        response["Content-Disposition"] = f'attachment; filename="onestory-{resource_id}.json"'
    return response


def unknown(request: HttpRequest, rest: str = "") -> HttpResponse:
    """Any other address under /fhir: a 404 OperationOutcome, never an HTML page."""
    if (refused := _refused_format(request)) is not None:
        return refused
    return outcome(404, "not-found", "There is nothing at this address under /fhir.")


# ---------------------------------------------------------------------------- Bulk Data


@fhir_view
def export(request: HttpRequest, actor, group: str = "", level: str = "system") -> HttpResponse:
    """Kick off a Bulk Data export: 202 with the status address in Content-Location."""
    if request.method != "GET":
        return not_allowed(request, "GET")
    if "respond-async" not in request.headers.get("Prefer", ""):
        return outcome(
            400, "required", "A Bulk Data export needs the header Prefer: respond-async."
        )
    params = {k: request.GET.getlist(k) for k in request.GET if k != "_format"}
    wanted = bulk.parse_export(level, group, params, request.build_absolute_uri())
    job = bulk.start_export(wanted, by=actor)
    response = HttpResponse(status=202)
    response["Content-Location"] = f"{_base(request)}/$export-status/{job.job_id}"
    return response


@fhir_view
def export_status(request: HttpRequest, actor, job_id: str) -> HttpResponse:
    """The job's manifest once complete (it always is today); DELETE removes it."""
    if request.method == "DELETE":
        bulk.delete_export(job_id, by=actor)
        return HttpResponse(status=202)
    if request.method != "GET":
        return not_allowed(request, "GET, DELETE")
    job = bulk.job_for(job_id, by=actor)
    if job.status != job.COMPLETE:
        response = HttpResponse(status=202)
        response["X-Progress"] = job.status
        return response
    response = HttpResponse(
        json.dumps(bulk.manifest(job, _base(request))), content_type="application/json"
    )
    return response


@fhir_view
def export_file(request: HttpRequest, actor, job_id: str, name: str) -> HttpResponse:
    if request.method != "GET":
        return not_allowed(request, "GET")
    content = bulk.export_file(job_id, name.removesuffix(".ndjson"), by=actor)
    return HttpResponse(content, content_type="application/fhir+ndjson")
