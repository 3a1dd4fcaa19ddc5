"""Time the person page on the server, against a trivial page in the same process.

    python bench/bench_person_page.py --people 2000 --runs 30

Builds a borough in a fresh SQLite database in a temporary folder (synth, import, link, demo
logins), picks the person with the most timeline entries, signs in as the demo GP with
Django's test client and requests the person page and the login page `--runs` times each
(after one warm-up each, which also counts its SQL queries). Prints median and 90th-percentile server time, the ratio of the
medians and the SQL queries per request. No assertions: it reports.
"""

import argparse
import os
import platform
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _build_borough(workdir: Path, people: int, seed: int) -> None:
    from onestory.demo import (
        create_demo_logins,
        demo_actor,
        generate_borough,
        import_borough,
        link_borough,
        migrate,
    )

    actor = demo_actor()
    out = workdir / "borough"
    started = time.perf_counter()
    migrate(verbosity=0)
    generate_borough(out, people=people, seed=seed)
    import_borough(out, by=actor)
    link_borough(by=actor, force=True)
    create_demo_logins(by=actor)
    print(f"borough of {people:,} people built in {time.perf_counter() - started:.1f}s")


def _busiest_person() -> tuple[str, int, int]:
    """The external id of the person with the most timeline entries, their entry count and
    the number of source systems they are known to."""
    from django.db.models import Count

    from onestory.people.models import PersonLink
    from onestory.sources.models import SourceEvent

    top = (
        SourceEvent.objects.filter(record__links__run__is_current=True)
        .values("record__links__person_id", "record__links__person__external_id")
        .annotate(n=Count("id"))
        .order_by("-n", "record__links__person_id")
        .first()
    )
    systems = (
        PersonLink.objects.filter(run__is_current=True, person_id=top["record__links__person_id"])
        .values("record__system")
        .distinct()
        .count()
    )
    return str(top["record__links__person__external_id"]), top["n"], systems


def _join_care_team(username: str, person_id: str) -> None:
    """A legitimate relationship, as a GP in the person's care team would have one: without
    it the page answers 403 and there is nothing to time."""
    from django.contrib.auth import get_user_model

    from onestory.access.actions import join_care_team
    from onestory.audit.domain.actor import Actor
    from onestory.people.models import Person

    user = get_user_model().objects.get(username=username)
    join_care_team(
        person=Person.objects.get(external_id=person_id),
        staff=user.staff,
        reason="Benchmark: the GP looking after this person",
        # Set up by the operator: a self-join without a checkable basis waits for review.
        by=Actor.system("bench"),
    )


def _get(client, url: str) -> float:
    started = time.perf_counter()
    response = client.get(url)
    seconds = time.perf_counter() - started
    if response.status_code != 200:
        raise SystemExit(f"GET {url} answered {response.status_code}")
    return seconds


def _count_queries(client, url: str) -> int:
    """SQL queries one GET of `url` makes (an execute wrapper rather than
    CaptureQueriesContext: Django clears the query log at the start of every request)."""
    from django.db import connection

    queries = 0

    def count(execute, sql, params, many, context):
        nonlocal queries
        queries += 1
        return execute(sql, params, many, context)

    with connection.execute_wrapper(count):
        _get(client, url)
    return queries


def _time_pages(pages: dict[str, tuple], runs: int) -> dict[str, list[float]]:
    """Seconds per GET for each (client, url), the pages taken in turn within each run so
    that a busy moment on the machine falls on all of them alike."""
    seconds: dict[str, list[float]] = {name: [] for name in pages}
    for _ in range(runs):
        for name, (client, url) in pages.items():
            seconds[name].append(_get(client, url))
    return seconds


def _p90(values: list[float]) -> float:
    return statistics.quantiles(values, n=10)[-1] if len(values) >= 2 else values[0]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--people", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    args = parser.parse_args(argv)

    workdir = Path(tempfile.mkdtemp(prefix="onestory-bench-page-"))
    # Before django.setup(): the settings read DATABASE_URL once.
    os.environ["DATABASE_URL"] = f"sqlite:///{workdir / 'bench.sqlite3'}"
    os.environ.setdefault("ONESTORY_ENV", "test")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "onestory.settings")
    import django

    django.setup()
    from django.test import Client
    from django.urls import reverse

    from onestory.demo import DEMO_PASSWORD

    # No setup_test_environment(): its template instrumentation would copy every context
    # and slow the page it is meant to time ("testserver" is allowed in ONESTORY_ENV=test).
    print(f"Python {platform.python_version()} on {platform.machine()}, {os.cpu_count()} CPUs")
    try:
        _build_borough(workdir, args.people, args.seed)
        person_id, events, systems = _busiest_person()
        _join_care_team("gp.demo", person_id)
        client = Client()
        if not client.login(username="gp.demo", password=DEMO_PASSWORD):
            raise SystemExit("the demo GP could not sign in")
        pages = {
            "person page": (client, reverse("person", args=[person_id])),
            "trivial page": (Client(), reverse("login")),
        }
        queries = {name: _count_queries(c, url) for name, (c, url) in pages.items()}  # warm-up
        seconds = _time_pages(pages, args.runs)
    finally:
        from django.db import connections

        connections.close_all()
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)

    print(f"person: {events:,} timeline entries from {systems} source systems")
    print(f"{'page':<14}{'median ms':>11}{'p90 ms':>9}{'queries':>9}")
    for name, values in seconds.items():
        print(
            f"{name:<14}{statistics.median(values) * 1000:>11.1f}{_p90(values) * 1000:>9.1f}"
            f"{queries[name]:>9}"
        )
    ratio = statistics.median(seconds["person page"]) / statistics.median(seconds["trivial page"])
    print(f"ratio (median person page / median trivial page): {ratio:.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
