"""The WSGI application for an application server (gunicorn in the production profile).

The URL configuration, and with it every view module and what they import, loads here,
once, when the server starts — not on each worker's first request, which would otherwise
take seconds while a user waits (and with gunicorn's `preload_app`, the workers it forks
share it)."""

import os

from django.core.wsgi import get_wsgi_application
from django.urls import get_resolver

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "onestory.settings")
application = get_wsgi_application()
get_resolver().url_patterns  # noqa: B018 (loading the URL configuration is the point)
