"""Structured logs: one JSON object per line, and nothing identifiable in any of them.

`JsonFormatter` writes the time, level, logger and message, the few named fields a request
or job line carries (`FIELDS`), and for an error its kind and where it happened — never the
exception's message or a traceback's text, which may quote a name or an NHS number from
the data being handled. Messages are passed through the audit log's masking of NHS numbers,
dates and postcodes as a second line of defence.

`RequestLogMiddleware` logs one line per request on `onestory.ops.requests`: method, path
(ids only: search terms travel in the query string, which is never logged), status, time
taken and the signed-in user's id.
"""

import json
import logging
import time
import traceback
from datetime import UTC, datetime
from pathlib import Path

from onestory.audit.domain.redact import mask_personal_details

# The extra fields a line may carry (logger.info(..., extra={...})); any other is dropped.
FIELDS = ("event", "method", "path", "status", "duration_ms", "user", "job", "kind", "state")

request_log = logging.getLogger("onestory.ops.requests")


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": mask_personal_details(record.getMessage()),
        }
        for name in FIELDS:
            value = getattr(record, name, None)
            if value is not None:
                line[name] = mask_personal_details(value) if isinstance(value, str) else value
        if record.exc_info and record.exc_info[1] is not None:
            exc = record.exc_info[1]
            line["error"] = type(exc).__name__
            line["stack"] = [
                f"{Path(f.filename).name}:{f.lineno} in {f.name}"
                for f in traceback.extract_tb(exc.__traceback__)
            ]
        return json.dumps(line, ensure_ascii=False, default=str)


class RequestLogMiddleware:
    """One line per request: what was asked for and how it went, by whom (an id)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        started = time.perf_counter()
        response = self.get_response(request)
        if request_log.isEnabledFor(logging.INFO):
            user = getattr(request, "user", None)
            request_log.info(
                "%s %s %s",
                request.method,
                request.path,
                response.status_code,
                extra={
                    "event": "request",
                    "method": request.method,
                    "path": request.path,
                    "status": response.status_code,
                    "duration_ms": round((time.perf_counter() - started) * 1000, 1),
                    "user": f"user:{user.pk}"
                    if user is not None and user.is_authenticated
                    else None,
                },
            )
        return response
