"""The container image definition cannot be built here (no registry for base images), so
its promises are checked as text: a Debian Python base of the project's version, the locked
dependencies without the test tools, a non-root user, gunicorn with OneStory's
configuration, a health check on /health/, and every file it copies in the repository."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CONTAINERFILE = (ROOT / "Containerfile").read_text(encoding="utf-8")


def _instructions(name: str) -> list[str]:
    return re.findall(rf"^{name}\s+(.+)$", CONTAINERFILE, flags=re.MULTILINE)


def test_containerfile_builds_on_debian_python_of_the_pinned_version():
    python = (ROOT / ".python-version").read_text().strip()
    final = _instructions("FROM")[-1]
    assert re.fullmatch(rf"\S*python:{re.escape(python)}-slim-(bookworm|trixie)", final)


def test_containerfile_runs_as_a_non_root_user():
    users = _instructions("USER")
    assert users and users[-1] not in ("root", "0")
    assert CONTAINERFILE.rindex("USER ") > CONTAINERFILE.rindex("RUN ")


def test_containerfile_serves_with_gunicorn_and_onestorys_configuration():
    cmd = _instructions("CMD")[-1]
    assert '"gunicorn"' in cmd and "python:onestory.ops.gunicorn_conf" in cmd
    assert "onestory.wsgi" in cmd
    assert "uv sync --frozen --no-dev" in CONTAINERFILE
    assert "ONESTORY_ENV=production" in CONTAINERFILE
    healthcheck = CONTAINERFILE[CONTAINERFILE.index("HEALTHCHECK") :]
    assert "/health/" in healthcheck.split("\nCMD", 1)[0]


def test_containerfile_copies_only_files_that_exist():
    for line in _instructions("COPY"):
        if line.startswith("--from="):
            continue
        *sources, _target = line.split()
        for source in sources:
            assert (ROOT / source).exists(), source


def test_gunicorn_configuration_keeps_the_access_log_off():
    import runpy

    conf = runpy.run_path(str(ROOT / "onestory" / "ops" / "gunicorn_conf.py"))
    assert conf["accesslog"] is None  # it would print query strings, which hold search terms
    assert conf["logconfig_dict"]["formatters"]["json"]["()"] == "onestory.ops.logs.JsonFormatter"


def test_gunicorn_loads_the_application_once_before_forking_workers():
    import runpy

    conf = runpy.run_path(str(ROOT / "onestory" / "ops" / "gunicorn_conf.py"))
    assert conf["preload_app"] is True


def test_the_wsgi_application_loads_every_view_when_the_server_starts():
    # Otherwise each worker's first request imports the URL configuration and every view
    # module (seconds: FHIR $everything's first call took 5-16 s under load).
    import subprocess
    import sys

    code = (
        "import sys, onestory.wsgi; "
        "print('onestory.urls' in sys.modules, 'onestory.interop.views' in sys.modules)"
    )
    env = {"ONESTORY_ENV": "test", "PATH": "/usr/bin:/bin"}
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert out.stdout.split() == ["True", "True"], out.stderr[-2000:]
