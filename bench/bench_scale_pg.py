"""OneStory at partnership scale on PostgreSQL (issue 20): bulk load, then pages under load.

Figures in bench/README.md. It loads N people straight into a fresh PostgreSQL database through COPY (source systems, source records, ~`--events` timeline
entries a person, the people and a current linkage run), starts the production profile
under gunicorn on 127.0.0.1, signs in `--users` GP logins, and has each of them ask for a
page every `--think` seconds for `--seconds` seconds (closed loop, client threads on the same
machine): the person page, the timeline fragment, a search by NHS number and FHIR
`$everything` (with the login's API token), in turn. It
prints, for each size, the load time (COPY rows/s) and each page's p50/p95/p99 and errors
as the clients saw them, the same page's time in the server itself (the request log's
`duration_ms`, without queueing for a worker), and the ratio of each p50 against the same
page at the first (smallest) size, in the same run — the figure that says whether a page
slows as the partnership grows. Before each page load it waits (`--quiet-load`) for the
machine to settle, and it prints each size's figures as JSON as soon as they are made.
With `--keep` a size's database is kept with its load figures, and `--reuse` measures it
again later without loading it again.

    DATABASE_URL=postgres://user:pass@127.0.0.1:5432/onestory \\
      python3 -m uv run --frozen python bench/bench_scale_pg.py --people 2000 20000

DATABASE_URL names a server and a role with CREATEDB; each size gets its own database
(`onestory_scale_<N>`), dropped afterwards unless `--keep`. The issue's sizes, 100,000 and
1,000,000 people (~30 million events), need `--allow-large` and a machine of their own: on
the shared development machine do not go above 20,000.

Query counts per page are asserted by tests/integration/test_page_query_counts.py (they do
not grow with the data); this bench measures time.
"""

import argparse
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from http.client import HTTPConnection
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
LARGE = 20_000
PASSWORD = "bench-only-password-not-secret"
GP_ORG = "B99001"


def _valid_nhs_numbers():
    """Every valid NHS number in the 999 test range (Modulus 11), in order: 909,091 of them
    (one body in eleven has no valid check digit)."""
    for n in range(1_000_000):
        body = f"999{n:06d}"
        total = sum(int(d) * (10 - i) for i, d in enumerate(body))
        check = (11 - total % 11) % 11
        if check != 10:
            yield body + str(check)


_NHS_NUMBERS: list[str] = []


def nhs_number(p: int) -> str | None:
    """Person p's NHS number (p from 1): the p-th valid number in the 999 range, or None for
    the people beyond it — at 1,000,000 people about one in eleven has no NHS number, as
    some records in a real partnership do."""
    if not _NHS_NUMBERS:
        _NHS_NUMBERS.extend(_valid_nhs_numbers())
    return _NHS_NUMBERS[p - 1] if p <= len(_NHS_NUMBERS) else None


# --- loading ---------------------------------------------------------------------------------


def _value(field, given: dict):
    if field.column in given:
        return given[field.column]
    if field.attname in given:
        return given[field.attname]
    default = field.get_default()
    if field.get_internal_type() == "JSONField":
        return json.dumps(default if default is not None else {})
    return default


def copy_rows(cursor, model, rows) -> int:
    """COPY `rows` (dicts of column values; the rest take the field's default) into the
    model's table; returns how many."""
    fields = [f for f in model._meta.concrete_fields]
    columns = ", ".join(f'"{f.column}"' for f in fields)
    n = 0
    with cursor.copy(f'COPY "{model._meta.db_table}" ({columns}) FROM STDIN') as copy:
        for row in rows:
            copy.write_row([_value(f, row) for f in fields])
            n += 1
    return n


def load(people: int, events: int, seed: int) -> dict[str, float]:
    """Fill the (migrated, empty) database; returns rows and seconds per table."""
    from django.core.management.color import no_style
    from django.db import connection

    from onestory.people.models import LinkageRun, Person, PersonLink
    from onestory.sources.models import SourceEvent, SourceRecord, SourceSystem

    rng = random.Random(seed)
    now = datetime.now(UTC)
    systems = [
        (1, "gp", GP_ORG, "Bench Surgery", 1.0, "encounter", "clinical"),
        (2, "acute", "R99", "Bench Hospital", 0.35, "ae_attendance", "clinical"),
        (3, "adult_social_care", "E99", "Bench Council", 0.15, "service", "social_care"),
    ]
    figures: dict[str, float] = {}
    started = time.perf_counter()
    connection.ensure_connection()
    raw = connection.connection
    with raw.transaction(), raw.cursor() as cur:
        copy_rows(
            cur,
            SourceSystem,
            (
                {"id": i, "code": f"{kind}:{org}", "kind": kind, "org_code": org, "org_name": name}
                for i, kind, org, name, *_ in systems
            ),
        )
        members: list[tuple[int, int, int]] = []  # (record, person, system)

        def records():
            rid = 0
            for p in range(1, people + 1):
                born = date(1930, 1, 1) + timedelta(days=rng.randrange(0, 30000))
                for sid, kind, _org, _name, share, *_ in systems:
                    if rng.random() >= share:
                        continue
                    rid += 1
                    members.append((rid, p, sid))
                    yield {
                        "id": rid,
                        "system_id": sid,
                        "local_id": f"{kind[:2]}{p}",
                        "nhs_number": nhs_number(p) or "",
                        "given_name": f"Given{p % 997}",
                        "family_name": f"Family{p % 1499}",
                        "date_of_birth": born,
                        "birth_year": born.year,
                        "birth_month": born.month,
                        "sex": "female" if p % 2 else "male",
                        "postcode": f"LS{p % 30} {p % 9}AB",
                        "norm_given": f"given{p % 997}",
                        "norm_family": f"family{p % 1499}",
                        "norm_postcode": f"LS{p % 30}{p % 9}AB",
                        "content_hash": uuid.uuid4().hex,
                        "first_seen_at": now,
                        "updated_at": now,
                    }

        figures["records"] = copy_rows(cur, SourceRecord, records())
        by_system = {sid: (kind, cat) for sid, _k, _o, _n, _s, kind, cat in systems}

        def event_rows():
            eid = 0
            for rid, _person, sid in members:
                kind, category = by_system[sid]
                for _ in range(max(1, round(rng.expovariate(1 / events) / 1.5))):
                    eid += 1
                    yield {
                        "id": eid,
                        "system_id": sid,
                        "local_id": f"e{eid}",
                        "record_id": rid,
                        "kind": kind,
                        "category": category,
                        "title": f"Bench {kind.replace('_', ' ')}",
                        "start": date(2020, 1, 1) + timedelta(days=rng.randrange(0, 2400)),
                        "content_hash": uuid.uuid4().hex,
                    }

        figures["events"] = copy_rows(cur, SourceEvent, event_rows())
        figures["people"] = copy_rows(
            cur,
            Person,
            (
                {"id": p, "external_id": uuid.uuid4(), "created_at": now}
                for p in range(1, people + 1)
            ),
        )
        copy_rows(
            cur,
            LinkageRun,
            [
                {
                    "id": 1,
                    "version": 1,
                    "method": "bench",
                    "started_at": now,
                    "finished_at": now,
                    "run_by": "bench",
                    "is_current": True,
                }
            ],
        )
        figures["links"] = copy_rows(
            cur,
            PersonLink,
            (
                {"id": i, "run_id": 1, "record_id": rid, "person_id": p, "rule": "nhs_number"}
                for i, (rid, p, _sid) in enumerate(members, start=1)
            ),
        )
    for sql in connection.ops.sequence_reset_sql(
        no_style(), [SourceSystem, SourceRecord, SourceEvent, Person, LinkageRun, PersonLink]
    ):
        with connection.cursor() as c:
            c.execute(sql)
    with connection.cursor() as c:
        c.execute("ANALYZE")
    figures["seconds"] = time.perf_counter() - started
    # What an import does at its end: the FHIR view of the new timeline entries (otherwise
    # the first FHIR request would make it while its user waits).
    from onestory.interop import projection

    started = time.perf_counter()
    fhir = projection.sync()
    figures["fhir_seconds"] = time.perf_counter() - started
    figures["fhir_resources"] = fhir
    return figures


def changed_overnight(changed: int, seed: int, *, compare_all: bool) -> dict[str, float]:
    """What a night's re-import asks of the FHIR view: `changed` entries spread over the
    partnership changed as an import changes them (new content, marked revised); the seconds
    the view takes to make their new versions and, with `compare_all`, the seconds a forced
    sync (`onestory fhir index`) then takes to compare every resource with its entry."""
    from django.db import connection

    from onestory.interop import projection
    from onestory.interop.models import FhirProjectionState

    with connection.cursor() as c:
        c.execute(
            "UPDATE sources_sourceevent SET title = title || ' (amended)', "
            "content_hash = md5(content_hash), revised = true "
            "WHERE id IN (SELECT id FROM sources_sourceevent ORDER BY md5(id::text || %s) LIMIT %s)",
            [str(seed), changed],
        )
    FhirProjectionState.objects.update(last_import=-1)  # as if a new import had arrived
    started = time.perf_counter()
    remade = projection.sync()
    out = {"changed": changed, "remade": remade, "seconds": time.perf_counter() - started}
    if compare_all:
        started = time.perf_counter()
        projection.sync(force=True)
        out["compare_all_seconds"] = time.perf_counter() - started
    return out


def bearer_token(username: str) -> str:
    """The bench's FHIR API token for a login (bench databases only)."""
    return f"os_bench_{username}_not_secret"


def create_logins(users: int) -> list[str]:
    """GP logins, each with an API token for the FHIR pages."""
    from django.contrib.auth import get_user_model

    from onestory.access.models import Organisation, StaffMember
    from onestory.interop.actions import _digest
    from onestory.interop.models import ApiToken

    org = Organisation.objects.create(code=GP_ORG, name="Bench Surgery", kind="gp_practice")
    names = []
    for i in range(users):
        user = get_user_model().objects.create_user(username=f"bench.gp{i}", password=PASSWORD)
        StaffMember.objects.create(user=user, organisation=org, role="gp")
        token = bearer_token(user.username)
        ApiToken.objects.create(
            user=user, name="bench", token_hash=_digest(token), prefix=token[:8], created_by="bench"
        )
        names.append(user.username)
    return names


# --- the load ------------------------------------------------------------------------------


class Session:
    def __init__(self, port: int, token: str = "") -> None:
        self.port, self.cookies, self.token = port, {}, token

    def request(self, method, path, body=None, timeout: float = 30):
        conn = HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        headers = {"Host": "127.0.0.1"}
        if path.startswith("/fhir/"):
            headers["Authorization"] = f"Bearer {self.token}"
            headers["Accept"] = "application/fhir+json"
        elif self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if body is not None:
            body = urlencode(body)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        conn.request(method, path, body=body, headers=headers)
        response = conn.getresponse()
        response.read()
        for header in response.headers.get_all("Set-Cookie") or []:
            name, _, rest = header.partition("=")
            self.cookies[name.strip()] = rest.split(";", 1)[0]
        conn.close()
        return response.status

    def sign_in(self, username: str) -> None:
        self.request("GET", "/login/", timeout=120)
        status = self.request(
            "POST",
            "/login/",
            {
                "username": username,
                "password": PASSWORD,
                "csrfmiddlewaretoken": self.cookies["csrftoken"],
            },
            timeout=120,
        )
        if status != 302:
            raise RuntimeError(f"sign-in failed ({status})")


def run_load(port, usernames, people, seconds, think, seed) -> dict[str, dict]:
    from onestory.people.models import Person

    # People spread over the whole partnership (not only the first loaded), all with an
    # NHS number to search by.
    wanted = random.Random(seed).sample(range(1, min(people, 900_000) + 1), min(people, 5000))
    ids = list(Person.objects.filter(id__in=wanted).values_list("external_id", "id"))
    nhs_number(1)  # the list of numbers made now, not by the first searches while timed
    pages = {
        "person page": lambda ext, pid: f"/people/{ext}/",
        "timeline fragment": lambda ext, pid: f"/people/{ext}/timeline/",
        "search by NHS number": lambda ext, pid: (
            "/?" + urlencode({"nhs_number": nhs_number(pid) or ""})
        ),
        "FHIR $everything": lambda ext, pid: f"/fhir/Patient/{ext}/$everything",
    }
    results: dict[str, list[float]] = {name: [] for name in pages}
    errors: dict[str, int] = dict.fromkeys(pages, 0)
    lock = threading.Lock()
    failures: list[str] = []
    clock: dict[str, float] = {}
    # Everyone signs in first (password hashing at full strength is slow on purpose), two at
    # a time so that 50 sign-ins do not queue past their timeout on two cores; the clock
    # starts when the last has.
    signing_in = threading.Semaphore(2)
    signed_in = threading.Barrier(
        len(usernames), action=lambda: clock.update(stop=time.monotonic() + seconds)
    )

    def user(username: str, n: int) -> None:
        rng = random.Random(seed + n)
        session = Session(port, bearer_token(username))
        try:
            with signing_in:
                session.sign_in(username)
        except (OSError, KeyError, RuntimeError) as exc:
            with lock:
                failures.append(f"{username}: {exc!r}")
        signed_in.wait()
        if username in [f.split(":")[0] for f in failures]:
            return
        stop = clock["stop"]
        names = list(pages)
        i = n
        while time.monotonic() < stop:
            name = names[i % len(names)]
            ext, pid = rng.choice(ids)
            path = pages[name](ext, pid)
            t0 = time.perf_counter()
            try:
                status = session.request("GET", path)
            except OSError:
                status = 0
            elapsed = time.perf_counter() - t0
            with lock:
                results[name].append(elapsed)
                if status != 200:
                    errors[name] += 1
            i += 1
            time.sleep(max(0.0, think - elapsed))

    threads = [threading.Thread(target=user, args=(u, n)) for n, u in enumerate(usernames)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if failures:
        raise SystemExit(f"{len(failures)} user(s) could not sign in, e.g. {failures[0]}")
    out = {}
    for name, times in results.items():
        times = times or [float("nan")]
        q = statistics.quantiles(times, n=100) if len(times) > 1 else [times[0]] * 99
        out[name] = {
            "requests": len(times),
            "errors": errors[name],
            "p50_ms": 1000 * q[49],
            "p95_ms": 1000 * q[94],
            "p99_ms": 1000 * q[98],
            "per_second": len(times) / seconds,
        }
    return out


# --- one size ------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _loaded(base_url: str, name: str, people: int) -> dict | None:
    """With --reuse: the figures kept with a database a run loaded and kept (--keep) before,
    if it is there and holds `people` people; otherwise None (the size is loaded afresh)."""
    import psycopg

    url = base_url.rsplit("/", 1)[0] + "/" + name
    try:
        with psycopg.connect(url, autocommit=True) as conn:
            kept = conn.execute("SELECT figures FROM bench_loaded").fetchone()[0]
    except psycopg.Error:
        return None
    figures = json.loads(kept)
    return figures if figures.get("people") == people else None


def _keep_figures(figures: dict) -> None:
    from django.db import connection

    with connection.cursor() as c:
        c.execute("CREATE TABLE IF NOT EXISTS bench_loaded (figures text)")
        c.execute("DELETE FROM bench_loaded")
        c.execute("INSERT INTO bench_loaded VALUES (%s)", [json.dumps(figures, default=str)])


def one_size(base_url: str, people: int, args) -> dict:
    import psycopg

    name = f"onestory_scale_{people}"
    reused = _loaded(base_url, name, people) if args.reuse else None
    if reused is None:
        with psycopg.connect(base_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{name}"')
    url = base_url.rsplit("/", 1)[0] + "/" + name
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("ONESTORY_")},
        "ONESTORY_ENV": "production",
        "ONESTORY_SECRET_KEY": "bench-" + "x" * 50,
        "ONESTORY_ALLOWED_HOSTS": "127.0.0.1",
        "DATABASE_URL": url,
    }
    try:
        subprocess.run(
            [sys.executable, "-m", "onestory", "migrate"],
            env=env,
            check=True,
            cwd=ROOT,
            capture_output=True,
        )
        # Load and create logins in this process, against the new database.
        os.environ.update(env)
        from django.db import connections

        connections.close_all()
        connections["default"].settings_dict["NAME"] = name
        if reused is not None:
            figures = {**reused, "reused": True}
            usernames = [f"bench.gp{i}" for i in range(args.users)]
            if len(usernames) > _logins():
                raise SystemExit(f"{name} was kept with fewer than {args.users} logins")
        else:
            figures = load(people, args.events, args.seed)
            if args.changed:
                figures["overnight"] = changed_overnight(
                    args.changed, args.seed, compare_all=args.compare_all
                )
            usernames = create_logins(args.users)
            if args.keep:
                _keep_figures({**figures, "people": people})
        connections.close_all()
        port = free_port()
        server_log = Path(tempfile.mkdtemp(prefix="bench-scale-")) / "server.log"
        with server_log.open("wb") as log:
            server = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "gunicorn",
                    "--config",
                    "python:onestory.ops.gunicorn_conf",
                    "onestory.wsgi",
                ],
                env={
                    **env,
                    "ONESTORY_BIND": f"127.0.0.1:{port}",
                    "ONESTORY_WORKERS": str(args.workers),
                    "ONESTORY_LOG_FORMAT": "json",
                },
                cwd=ROOT,
                stdout=log,
                stderr=log,
            )
        try:
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                try:
                    if Session(port).request("GET", "/ready/") == 200:
                        break
                except OSError:
                    pass
                time.sleep(0.2)
            else:
                raise SystemExit("the server did not become ready in 60 s")
            figures["load_average"] = wait_for_quiet(args.quiet_load, args.quiet_wait)
            pages = run_load(port, usernames, people, args.seconds, args.think, args.seed)
        finally:
            server.terminate()
            server.wait(timeout=30)
        for page, times in server_times(server_log).items():
            pages[page].update(times)
        return {"people": people, "load": figures, "pages": pages}
    finally:
        if not args.keep:
            from django.db import connections

            connections.close_all()
            drop_database(base_url, name)


def _logins() -> int:
    from django.contrib.auth import get_user_model

    return get_user_model().objects.filter(username__startswith="bench.gp").count()


def page_of(path: str) -> str | None:
    """Which measured page a request path is (the server logs paths without their query)."""
    if path == "/":
        return "search by NHS number"
    if path.startswith("/fhir/Patient/") and path.endswith("/$everything"):
        return "FHIR $everything"
    if path.startswith("/people/"):
        return "timeline fragment" if path.endswith("/timeline/") else "person page"
    return None


def server_times(log: Path) -> dict[str, dict[str, float]]:
    """Each page's time in the server itself (the request log's `duration_ms`: from the
    request reaching Django to its response, without the time it queued for a worker or
    the client's own), p50/p95/p99."""
    times: dict[str, list[float]] = {}
    for line in log.read_text(errors="replace").splitlines():
        try:
            entry = json.loads(line)
        except ValueError:
            continue
        page = page_of(str(entry.get("path", ""))) if entry.get("event") == "request" else None
        if page is not None and isinstance(entry.get("duration_ms"), int | float):
            times.setdefault(page, []).append(float(entry["duration_ms"]))
    out = {}
    for page, values in times.items():
        q = statistics.quantiles(values, n=100) if len(values) > 1 else [values[0]] * 99
        out[page] = {"server_p50_ms": q[49], "server_p95_ms": q[94], "server_p99_ms": q[98]}
    return out


def wait_for_quiet(below: float, at_most: float) -> float:
    """Before the page load, wait (up to `at_most` seconds) for the machine's one-minute load
    average to fall below `below` — after a long load the server's autovacuum and other work
    on a shared machine would otherwise be measured with the pages. Returns the load average
    the page load started at (printed with the figures, so a busy start is visible)."""
    deadline = time.monotonic() + at_most
    while os.getloadavg()[0] >= below and time.monotonic() < deadline:
        time.sleep(5)
    return os.getloadavg()[0]


def drop_database(base_url: str, name: str) -> None:
    """Drop a size's database. The server's own autovacuum may still be in it (a process
    this role may not end): wait for it a little, then leave the database and say so
    rather than lose the run's figures."""
    import psycopg

    for _ in range(30):
        try:
            with psycopg.connect(base_url, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            return
        except psycopg.errors.InsufficientPrivilege:
            time.sleep(2)
    print(f"could not drop {name} (the server is still working in it): drop it later")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--people", type=int, nargs="+", default=[2000, 20000])
    parser.add_argument("--events", type=int, default=30, help="timeline entries a person (mean)")
    parser.add_argument("--users", type=int, default=50, help="signed-in users at once (50)")
    parser.add_argument("--think", type=float, default=2.0, help="seconds between a user's pages")
    parser.add_argument("--seconds", type=float, default=30.0, help="load per size (30)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (2)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--keep", action="store_true", help="keep each size's database")
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="measure a size's database kept by an earlier --keep run instead of loading it again",
    )
    parser.add_argument("--allow-large", action="store_true", help=f"sizes above {LARGE:,}")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    parser.add_argument(
        "--changed",
        type=int,
        default=1000,
        help="entries changed by a night's re-import, for the FHIR view to take up (1000)",
    )
    parser.add_argument(
        "--compare-all",
        action="store_true",
        help="also time a forced sync that compares every resource with its entry",
    )
    parser.add_argument(
        "--quiet-load",
        type=float,
        default=1.5,
        help="before each page load, wait for the 1-minute load average to fall below this (1.5)",
    )
    parser.add_argument(
        "--quiet-wait", type=float, default=600.0, help="but wait no longer than this (600 s)"
    )
    args = parser.parse_args()
    base_url = os.environ.get("DATABASE_URL", "")
    if not base_url.startswith(("postgres://", "postgresql://")):
        parser.error("DATABASE_URL must name a PostgreSQL server (a role with CREATEDB)")
    if max(args.people) > LARGE and not args.allow_large:
        parser.error(f"sizes above {LARGE:,} need --allow-large and a machine of their own")
    os.environ.update(
        ONESTORY_ENV="production",
        ONESTORY_SECRET_KEY="bench-" + "x" * 50,
        ONESTORY_ALLOWED_HOSTS="127.0.0.1",
        DJANGO_SETTINGS_MODULE="onestory.settings",
        ONESTORY_LOG_FORMAT="text",
    )
    import django

    django.setup()
    runs = []
    for n in sorted(args.people):
        runs.append(one_size(base_url, n, args))
        # Each size's figures as soon as it is done: a large size takes an hour or more, and
        # a later failure must not take the earlier figures with it.
        print(json.dumps(runs[-1], default=str), flush=True)
        if args.json:
            args.json.write_text(json.dumps(runs, indent=2, default=str))
    base = runs[0]["pages"]
    nan = float("nan")
    print(
        f"{'people':>10} {'load s':>8} {'rows/s':>9}  {'page':<22}{'req':>6}{'err':>5}"
        f"{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'x p50':>7}"
        f"{'srv p50':>9}{'srv p95':>9}{'x srv':>7}"
    )
    for run in runs:
        rows = sum(run["load"][k] for k in ("records", "events", "people", "links"))
        for i, (page, f) in enumerate(run["pages"].items()):
            lead = (
                f"{run['people']:>10,} {run['load']['seconds']:>8.1f} "
                f"{rows / run['load']['seconds']:>9,.0f}"
                if i == 0
                else " " * 29
            )
            ratio = f["p50_ms"] / base[page]["p50_ms"] if base[page]["p50_ms"] else nan
            # In the server itself: the figure the "server time" target is about.
            srv, srv_base = f.get("server_p50_ms", nan), base[page].get("server_p50_ms", nan)
            print(
                f"{lead}  {page:<22}{f['requests']:>6}{f['errors']:>5}{f['p50_ms']:>9.1f}"
                f"{f['p95_ms']:>9.1f}{f['p99_ms']:>9.1f}{ratio:>7.2f}"
                f"{srv:>9.1f}{f.get('server_p95_ms', nan):>9.1f}"
                f"{srv / srv_base if srv_base else nan:>7.2f}"
            )
    for run in runs:
        print(
            f"{run['people']:>10,} people: the FHIR view of {run['load']['fhir_resources']:,} "
            f"timeline entries made in {run['load']['fhir_seconds']:.1f} s after the load; "
            f"pages loaded from a 1-minute load average of {run['load']['load_average']:.2f}"
        )
        if "overnight" in run["load"]:
            o = run["load"]["overnight"]
            print(
                f"{'':>10} a night's {o['changed']:,} changed entries: {o['remade']:,} new "
                f"versions in {o['seconds']:.2f} s"
                + (
                    f"; comparing every resource with its entry {o['compare_all_seconds']:.1f} s"
                    if "compare_all_seconds" in o
                    else ""
                )
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
