"""The server-error page, and the database-unavailable page in its place when the database
went away (restarting, unreachable): a clear 503 with Retry-After, never a traceback. Both
are rendered without the request's context, which would ask the database who is signed in."""

import sys

from django.db import InterfaceError, OperationalError
from django.http import HttpResponse
from django.template.loader import render_to_string

# Raised by the database drivers when the server cannot be reached or dropped the connection
# (PostgreSQL restarting, SQLite's file locked for longer than the timeout).
UNAVAILABLE = (OperationalError, InterfaceError)


def server_error(request, *args, **kwargs):
    exc = sys.exc_info()[1]
    if isinstance(exc, UNAVAILABLE):
        response = HttpResponse(render_to_string("503.html"), status=503)
        response["Retry-After"] = "30"
        return response
    return HttpResponse(render_to_string("500.html"), status=500)
