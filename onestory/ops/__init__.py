"""Running OneStory in production: health and readiness probes, structured logs, the
database-unavailable page, backup and restore, the gunicorn configuration
(docs/DEPLOYMENT.md). Not an app: it holds no models."""
