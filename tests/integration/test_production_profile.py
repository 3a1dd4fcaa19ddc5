"""The production profile started the way an operator starts it (docs/DEPLOYMENT.md):
configuration by environment only, `onestory migrate`, gunicorn on 127.0.0.1 on a free
port, against a fresh database — SQLite, and on the PostgreSQL pass of `make test` a new
PostgreSQL database. It must answer /health/ and /ready/, sign a user in and serve a page,
serve static files, and log one JSON line per request with nothing identifiable in them.
Every wait is bounded; the whole test takes a few seconds."""

import json
import os
import socket
import subprocess
import sys
import time
import uuid
from http.client import HTTPConnection
from pathlib import Path
from urllib.parse import urlencode

import pytest

ROOT = Path(__file__).resolve().parents[2]
STARTUP_SECONDS = 60
NHS_NUMBER = "9990000018"
PASSWORD = "a-smoke-test-password-only"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def database_url(tmp_path):
    """A fresh database: a new SQLite file, or a new PostgreSQL database beside the one in
    DATABASE_URL (dropped afterwards)."""
    given = os.environ.get("DATABASE_URL", "")
    if not given.startswith(("postgres://", "postgresql://")):
        yield f"sqlite:///{tmp_path / 'production.sqlite3'}"
        return
    import psycopg

    name = f"onestory_smoke_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(given, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield given.rsplit("/", 1)[0] + "/" + name
    finally:
        with psycopg.connect(given, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _environment(tmp_path: Path, database_url: str, port: int) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ONESTORY_", "DJANGO_"))}
    env.update(
        ONESTORY_ENV="production",
        ONESTORY_SECRET_KEY="smoke-test-secret-" + "x" * 40,
        DATABASE_URL=database_url,
        ONESTORY_ALLOWED_HOSTS="127.0.0.1",
        ONESTORY_VAR_DIR=str(tmp_path / "var"),
        ONESTORY_BIND=f"127.0.0.1:{port}",
        ONESTORY_WORKERS="1",
        ONESTORY_THREADS="2",
    )
    return env


CREATE_USER = f"""
import django; django.setup()
from django.contrib.auth import get_user_model
from onestory.access.models import Organisation, StaffMember
org = Organisation.objects.create(code="SMOKE1", name="Smoke Test Surgery", kind="gp_practice")
user = get_user_model().objects.create_user(username="smoke.gp", password="{PASSWORD}")
StaffMember.objects.create(user=user, organisation=org, role="gp")
"""


class Browser:
    """Just enough of a browser over plain HTTP: cookies (the production cookies are marked
    Secure, which a real browser would only send over HTTPS) and no redirects followed."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, body: dict | None = None):
        conn = HTTPConnection("127.0.0.1", self.port, timeout=20)
        headers = {"Host": "127.0.0.1"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        data = None
        if body is not None:
            data = urlencode(body)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        conn.request(method, path, body=data, headers=headers)
        response = conn.getresponse()
        text = response.read().decode("utf-8", "replace")
        for header in response.headers.get_all("Set-Cookie") or []:
            name, _, rest = header.partition("=")
            self.cookies[name.strip()] = rest.split(";", 1)[0]
        conn.close()
        return response.status, response.headers, text


def _wait_ready(browser: Browser, server: subprocess.Popen, log: Path) -> dict:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        assert server.poll() is None, f"gunicorn stopped:\n{log.read_text()[-3000:]}"
        try:
            status, _, text = browser.request("GET", "/ready/")
        except OSError:
            time.sleep(0.2)
            continue
        if status == 200:
            return json.loads(text)
        time.sleep(0.2)
    pytest.fail(f"/ready/ did not answer 200 within {STARTUP_SECONDS}s:\n{log.read_text()[-3000:]}")


def _run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess:
    done = subprocess.run(
        [sys.executable, *args], env=env, cwd=ROOT, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done


def test_production_profile_serves_health_ready_and_a_signed_in_page(tmp_path, database_url):
    port = _free_port()
    env = _environment(tmp_path, database_url, port)
    _run(["-m", "onestory", "migrate"], env)
    _run(["-c", CREATE_USER], {**env, "DJANGO_SETTINGS_MODULE": "onestory.settings"})

    log = tmp_path / "gunicorn.log"
    with log.open("wb") as out:
        server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "--config",
                "python:onestory.ops.gunicorn_conf",
                "onestory.wsgi",
            ],
            env=env,
            cwd=ROOT,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        browser = Browser(port)
        assert _wait_ready(browser, server, log) == {"status": "ready"}
        status, _, text = browser.request("GET", "/health/")
        assert (status, json.loads(text)) == (200, {"status": "ok"})

        status, _, _ = browser.request("GET", "/login/")
        assert status == 200 and "csrftoken" in browser.cookies
        status, headers, _ = browser.request(
            "POST",
            "/login/",
            {
                "username": "smoke.gp",
                "password": PASSWORD,
                "csrfmiddlewaretoken": browser.cookies["csrftoken"],
            },
        )
        assert status == 302, "the sign-in was refused"
        assert "sessionid" in browser.cookies
        status, _, text = browser.request("GET", f"/?{urlencode({'nhs_number': NHS_NUMBER})}")
        assert status == 200
        assert "smoke.gp" in text or "Sign out" in text
        status, headers, _ = browser.request("GET", "/static/onestory/onestory.css")
        assert status == 200 and headers["Content-Type"].startswith("text/css")
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()

    lines = [line for line in log.read_text().splitlines() if line.strip()]
    records = [json.loads(line) for line in lines]  # every line is one JSON object
    requests = [r for r in records if r.get("event") == "request"]
    assert {"/login/", "/"} <= {r["path"] for r in requests}
    # The probes, called every few seconds, are answered before the request log.
    assert "/ready/" not in {r["path"] for r in requests}
    assert all(set(r) >= {"method", "path", "status", "duration_ms"} for r in requests)
    everything = "\n".join(lines)
    assert NHS_NUMBER not in everything and "smoke.gp" not in everything
