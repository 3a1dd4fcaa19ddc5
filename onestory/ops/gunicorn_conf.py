"""gunicorn's configuration for OneStory's production profile, from the environment only:

    gunicorn --config python:onestory.ops.gunicorn_conf onestory.wsgi

- `ONESTORY_BIND` (default `0.0.0.0:8000`; in the container, the port it exposes),
- `ONESTORY_WORKERS` (default: 2 × CPUs + 1, at most 8) and `ONESTORY_THREADS` (default 4):
  each worker is a process with its own database connections,
- `ONESTORY_TIMEOUT` (seconds a request may take before its worker is restarted; 60).

gunicorn's own access log is off: it would print the query string, which carries search
terms. OneStory logs one JSON line per request itself (onestory.ops.logs), and gunicorn's
error log uses the same JSON lines.
"""

import os

bind = os.environ.get("ONESTORY_BIND", "0.0.0.0:8000")
workers = int(os.environ.get("ONESTORY_WORKERS", str(min(2 * (os.cpu_count() or 1) + 1, 8))))
threads = int(os.environ.get("ONESTORY_THREADS", "4"))
worker_class = "gthread"
# Load the application (settings, URL configuration, every view) once in the master, so
# a worker — a new one too, after max_requests — is ready for its first request at once.
preload_app = True
timeout = int(os.environ.get("ONESTORY_TIMEOUT", "60"))
graceful_timeout = 30
# Restart each worker now and then so that no slow leak grows without bound.
max_requests = 2000
max_requests_jitter = 200
accesslog = None
errorlog = "-"
forwarded_allow_ips = os.environ.get("ONESTORY_FORWARDED_ALLOW_IPS", "127.0.0.1")
logconfig_dict = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"json": {"()": "onestory.ops.logs.JsonFormatter"}},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "json",
            "stream": "ext://sys.stderr",
        }
    },
    "loggers": {
        "gunicorn.error": {"handlers": ["console"], "level": "INFO", "propagate": False},
        "gunicorn.access": {"handlers": [], "level": "CRITICAL", "propagate": False},
    },
}
