"""Logging filters. Django logs every PermissionDenied on `django.request` as a warning
with the exception attached, so each 403 printed a full traceback on the console. A refusal
is expected behaviour, not a fault: it becomes one line ("Forbidden: /path (403)"). The
path holds ids only (search terms travel in the query string, which is never logged) and
the exception's message, which may describe the refused request, is dropped."""

import logging


class RefusalsInOneLine(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "status_code", None) == 403:
            record.exc_info = None
            record.exc_text = None
            record.stack_info = None
            request = getattr(record, "request", None)
            record.msg = "Forbidden: %s (403)"
            record.args = (getattr(request, "path", "?"),)
        return True
