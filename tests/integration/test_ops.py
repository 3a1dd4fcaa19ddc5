"""Production operations: the profile's required settings, the health and readiness probes,
the database-unavailable page, and the JSON log lines (nothing identifiable in them)."""

import json
import logging
import runpy
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import OperationalError
from django.test import Client

from onestory.ops import probes
from onestory.ops.logs import JsonFormatter
from tests import factories as f

ROOT = Path(__file__).resolve().parents[2]
SETTINGS = ROOT / "onestory" / "settings.py"
REQUIRED = ("ONESTORY_SECRET_KEY", "DATABASE_URL", "ONESTORY_ALLOWED_HOSTS")


@pytest.mark.parametrize("missing", REQUIRED)
def test_production_profile_refuses_to_start_without_a_required_setting(monkeypatch, missing):
    monkeypatch.setenv("ONESTORY_ENV", "production")
    for name in REQUIRED:
        monkeypatch.setenv(name, {"DATABASE_URL": "sqlite:///:memory:"}.get(name, "x" * 50))
    monkeypatch.delenv(missing)
    with pytest.raises(ImproperlyConfigured) as refused:
        runpy.run_path(str(SETTINGS))
    message = str(refused.value)
    assert f"{missing} is not set" in message
    assert [n for n in REQUIRED if f"{n} is not set" in message] == [missing]
    assert "docs/DEPLOYMENT.md" in message


def test_production_profile_names_every_missing_setting_at_once(monkeypatch):
    monkeypatch.setenv("ONESTORY_ENV", "production")
    for name in REQUIRED:
        monkeypatch.delenv(name, raising=False)
    with pytest.raises(ImproperlyConfigured) as refused:
        runpy.run_path(str(SETTINGS))
    assert all(f"{n} is not set" in str(refused.value) for n in REQUIRED)


def test_production_profile_with_its_settings_logs_json(monkeypatch):
    monkeypatch.setenv("ONESTORY_ENV", "production")
    for name in REQUIRED:
        monkeypatch.setenv(name, {"DATABASE_URL": "sqlite:///:memory:"}.get(name, "x" * 50))
    loaded = runpy.run_path(str(SETTINGS))
    assert loaded["ALLOWED_HOSTS"] == ["x" * 50]
    assert loaded["LOGGING"]["handlers"]["console"]["formatter"] == "json"
    assert loaded["DEBUG"] is False
    logging.captureWarnings(False)


@pytest.mark.django_db
def test_health_answers_without_sign_in_and_names_nobody(client):
    response = client.get("/health/")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert "no-cache" in response["Cache-Control"]


@pytest.mark.django_db
def test_health_and_ready_answer_any_host_header():
    # An orchestrator's probe calls by the container's address, which is no allowed host.
    client = Client(HTTP_HOST="10.1.2.3:8000")
    assert client.get("/health/").status_code == 200
    assert client.get("/ready/").status_code == 200
    assert client.get("/login/").status_code == 400  # everything else still checks the host


@pytest.mark.django_db
def test_ready_when_database_answers_and_migrations_applied(client, monkeypatch):
    monkeypatch.setattr(probes, "_migrations_applied", False)
    response = client.get("/ready/")
    assert response.status_code == 200
    assert response.json() == {"status": "ready"}


@pytest.mark.django_db
def test_ready_is_503_while_migrations_are_pending(client, monkeypatch):
    monkeypatch.setattr(probes, "_migrations_applied", False)
    monkeypatch.setattr("onestory.cli.pending_migrations", lambda: ["jobs.0002_next"])
    response = client.get("/ready/")
    assert response.status_code == 503
    assert response.json()["status"] == "not ready"
    assert "1 database migration(s) not applied" in response.json()["reason"]


@pytest.mark.django_db
def test_ready_is_503_when_the_database_is_unreachable(client, monkeypatch):
    def unreachable(*args, **kwargs):
        raise OperationalError("could not connect to server: Connection refused")

    monkeypatch.setattr("django.db.backends.utils.CursorWrapper.execute", unreachable)
    response = client.get("/ready/")
    assert response.status_code == 503
    assert response.json() == {"status": "not ready", "reason": "database unreachable"}


@pytest.mark.django_db
def test_probes_reveal_nothing_identifiable_with_a_person_in_the_database(client):
    person = f.rich_person()
    body = client.get("/health/").content.decode() + client.get("/ready/").content.decode()
    assert "Oldroyd" not in body and "Margaret" not in body
    assert str(person.external_id) not in body
    assert person_nhs_number(person) not in body


@pytest.mark.django_db
def test_database_gone_mid_request_is_a_clear_503_page_not_a_traceback(monkeypatch):
    user = f.user("dr.restart", role="gp")
    client = Client(raise_request_exception=False)
    client.force_login(user)

    def restarting(*args, **kwargs):
        raise OperationalError("terminating connection due to administrator command")

    monkeypatch.setattr("onestory.record.queries.search_people", restarting)
    response = client.get("/", {"name": "Oldroyd"})
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    body = response.content.decode()
    assert "cannot reach its database" in body
    assert "Traceback" not in body and "terminating connection" not in body


@pytest.mark.django_db
def test_other_server_errors_are_a_plain_500_page(monkeypatch):
    user = f.user("dr.fault", role="gp")
    client = Client(raise_request_exception=False)
    client.force_login(user)

    def broken(*args, **kwargs):
        raise RuntimeError("Margaret Oldroyd 9990000018")

    monkeypatch.setattr("onestory.record.queries.search_people", broken)
    response = client.get("/", {"name": "Oldroyd"})
    assert response.status_code == 500
    body = response.content.decode()
    assert "something went wrong" in body and "Margaret" not in body


@pytest.mark.django_db
def test_request_log_line_is_json_without_nhs_number_or_name(client, caplog):
    person = f.rich_person()
    user = f.user("dr.logged", role="gp")
    f.care_team(person, user)
    client.force_login(user)
    nhs = person_nhs_number(person)
    with caplog.at_level(logging.INFO, logger="onestory.ops.requests"):
        client.get("/", {"nhs_number": nhs, "name": "Margaret Oldroyd"})
        client.get(f"/people/{person.external_id}/")
    lines = [JsonFormatter().format(r) for r in caplog.records if r.name == "onestory.ops.requests"]
    assert len(lines) == 2
    parsed = [json.loads(line) for line in lines]
    assert parsed[0]["event"] == "request" and parsed[0]["path"] == "/"
    assert parsed[0]["status"] == 200 and parsed[0]["user"] == f"user:{user.pk}"
    assert parsed[1]["path"] == f"/people/{person.external_id}/"
    text = "\n".join(lines)
    assert nhs not in text and "Margaret" not in text and "Oldroyd" not in text
    assert "dr.logged" not in text  # the user by id, not by name


def person_nhs_number(person) -> str:
    from onestory.sources.models import SourceRecord

    return (
        SourceRecord.objects.filter(links__person=person)
        .exclude(nhs_number="")
        .values_list("nhs_number", flat=True)
        .first()
    )


def test_json_formatter_drops_exception_messages_and_masks_identifiers():
    try:
        raise ValueError("Margaret Oldroyd, NHS 999 000 0018, LS1 4AP")
    except ValueError:
        record = logging.LogRecord(
            "onestory.x", logging.ERROR, __file__, 1, "failed for %s", ("9990000018",), None
        )
        import sys

        record.exc_info = sys.exc_info()
    line = json.loads(JsonFormatter().format(record))
    assert line["error"] == "ValueError"
    assert line["stack"] and line["stack"][0].startswith("test_ops.py:")
    text = json.dumps(line)
    assert "Margaret" not in text and "9990000018" not in text and "LS1 4AP" not in text
