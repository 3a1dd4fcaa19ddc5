"""FHIR import rate, `Patient/$everything` latency and search latency, as ratios against
plain work in the same process.

    python bench/bench_fhir.py [--repeat 5] [--search-people 10000] [--skip-import]

Uses a fresh SQLite database in a temporary directory. Imports the Synthea bundles in
../shared/data/synthea-r4 `--repeat` times (each copy with its own ids, so every copy is
new work), then builds one person with 1,000+ resources and times `$everything` for them.
Baselines: `json.loads` of the same files, and `json.dumps` of the result. It reports; it
asserts nothing.

With `--search-people N` it also builds the synthetic borough of N people (the issue's size
is 100,000; on a shared machine keep to 10,000, under `flock /tmp/onestory-bench.lock`),
makes the FHIR view of every source (`onestory fhir index`), puts the demo GP in the
busiest person's care team, and times searches through the test client with a bearer
token: with a patient, without one (access applied in the query, over the GP's registered
patients), and Patient by family name — against `GET /fhir/metadata` (no database) as the
baseline.
"""

import argparse
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
SYNTHEA = ROOT.parent / "shared" / "data" / "synthea-r4"


def _copies(texts: list[str], repeat: int) -> list[dict]:
    """Each copy of each bundle with its ids changed (the uuids' first characters)."""
    out = []
    for n in range(repeat):
        for text in texts:
            out.append(json.loads(text.replace("urn:uuid:", f"urn:uuid:{n:02d}")))
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--search-people", type=int, default=0, metavar="N")
    parser.add_argument("--skip-import", action="store_true", help="only the search timings")
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="bench_fhir_"))
    os.environ["DATABASE_URL"] = f"sqlite:///{workdir / 'db.sqlite3'}"
    os.environ.setdefault("ONESTORY_ENV", "test")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "onestory.settings")
    import django

    django.setup()
    from django.core.management import call_command

    from onestory.audit.domain.actor import Actor
    from onestory.interop.actions import import_bundle
    from onestory.interop.queries import everything
    from onestory.people.actions import run_linkage

    call_command("migrate", verbosity=0)
    actor = Actor.system("bench", channel="cli")
    try:
        if not args.skip_import:
            _import_and_everything(args, actor, import_bundle, everything, run_linkage)
        if args.search_people:
            _search(workdir, args.search_people, args.runs)
    finally:
        from django.db import connections

        connections.close_all()
        shutil.rmtree(workdir, ignore_errors=True)  # the database: 250 MB at 10,000 people
    return 0


def _import_and_everything(args, actor, import_bundle, everything, run_linkage) -> None:
    texts = [p.read_text() for p in sorted(SYNTHEA.glob("*.json"))]
    started = time.perf_counter()
    bundles = _copies(texts, args.repeat)
    parse_seconds = time.perf_counter() - started
    resources = sum(len(b["entry"]) for b in bundles)
    # The baseline the issue names: parsing and validating the same bundles with
    # fhir.resources alone, in this run.
    from onestory.interop.domain.bundle import validation_issues

    started = time.perf_counter()
    for text in texts * args.repeat:
        for entry in json.loads(text)["entry"]:
            validation_issues("bench", entry["resource"])
    validate_seconds = time.perf_counter() - started
    started = time.perf_counter()
    for i, bundle in enumerate(bundles):
        import_bundle(bundle, by=actor, file_name=f"bench-{i}.json", link=False)
    import_seconds = time.perf_counter() - started
    print(
        f"import: {resources:,} resources in {import_seconds:.1f}s = "
        f"{resources / import_seconds:,.0f} resources/s; parse and validate alone "
        f"{resources / validate_seconds:,.0f}/s (ratio {import_seconds / validate_seconds:.1f}x); "
        f"json.loads alone {resources / parse_seconds:,.0f}/s"
    )

    # One person with 1,000+ resources: the largest Synthea patient's observations
    # repeated under new ids, all about the same Patient.
    biggest = max(texts, key=len)
    bundle = json.loads(biggest)
    patient_url = next(
        e["fullUrl"] for e in bundle["entry"] if e["resource"]["resourceType"] == "Patient"
    )
    extra = []
    clinical = [
        e
        for e in bundle["entry"]
        if e["resource"].get("subject", {}).get("reference") == patient_url
    ]
    n = 0
    while len(bundle["entry"]) + len(extra) < 1200:
        for e in clinical:
            copy = json.loads(json.dumps(e))
            copy["fullUrl"] = f"urn:uuid:big-{n}"
            copy["resource"]["id"] = f"big-{n}"
            extra.append(copy)
            n += 1
    bundle["entry"] += extra
    bundle["type"] = "collection"
    import_bundle(bundle, by=actor, file_name="big.json", link=False)
    run_linkage(by=actor)
    from onestory.interop.models import FhirResource
    from onestory.people.models import PersonLink

    record = FhirResource.objects.get(resource_type="Patient", resource_id=patient_url[9:]).record
    person = PersonLink.objects.get(run__is_current=True, record=record).person
    times = []
    for _ in range(5):
        started = time.perf_counter()
        result = everything(str(person.external_id), by=actor)
        times.append(time.perf_counter() - started)
    started = time.perf_counter()
    for _ in range(5):
        json.loads(json.dumps(result))
    baseline = (time.perf_counter() - started) / 5
    p50 = statistics.median(times)
    print(
        f"$everything: {len(result):,} resources, p50 {p50 * 1000:.0f} ms "
        f"(json round trip of the result: {baseline * 1000:.0f} ms; ratio {p50 / baseline:.1f}x)"
    )


def _search(workdir: Path, people: int, runs: int) -> None:
    """Search latency at `people` people, with and without a patient."""
    from django.contrib.auth import get_user_model
    from django.db.models import Count
    from django.test import Client

    from onestory.access.actions import join_care_team
    from onestory.audit.domain.actor import Actor
    from onestory.demo import create_demo_logins, generate_borough, import_borough, link_borough
    from onestory.interop import projection
    from onestory.interop.actions import create_token
    from onestory.interop.models import FhirResource
    from onestory.people.models import Person
    from onestory.sources.models import SourceEvent, SourceRecord

    actor = Actor.system("bench", channel="cli")
    started = time.perf_counter()
    out = workdir / "borough"
    generate_borough(out, people=people, seed=42)
    import_borough(out, by=actor)
    link_borough(by=actor, force=True)
    create_demo_logins(by=actor)
    built = time.perf_counter() - started
    started = time.perf_counter()
    projection.sync(force=True)
    indexed = time.perf_counter() - started
    top = (
        SourceEvent.objects.filter(record__links__run__is_current=True)
        .values("record__links__person_id")
        .annotate(n=Count("id"))
        .order_by("-n", "record__links__person_id")
        .first()
    )
    person = Person.objects.get(pk=top["record__links__person_id"])
    gp = get_user_model().objects.get(username="gp.demo")
    join_care_team(person=person, staff=gp.staff, reason="Benchmark", by=actor)
    token = create_token(by=actor, username="gp.demo")[1]
    client = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
    pid = str(person.external_id)
    family = (
        SourceRecord.objects.filter(links__person=person, links__run__is_current=True)
        .exclude(family_name="")
        .values_list("family_name", flat=True)
        .first()
    )  # used in the query only, never printed
    print(
        f"search: {Person.objects.count():,} people, {FhirResource.objects.count():,} FHIR "
        f"resources (borough built in {built:.0f}s, FHIR view of every source made in "
        f"{indexed:.0f}s)"
    )
    urls = {
        "metadata (baseline)": "/fhir/metadata",
        "Encounter?patient=…": f"/fhir/Encounter?patient={pid}&_count=20",
        "Observation?patient=…": f"/fhir/Observation?patient={pid}&_count=20",
        "Encounter (no patient)": "/fhir/Encounter?_count=20",
        "Observation (no patient)": "/fhir/Observation?_count=20",
        "Patient?family=… (theirs)": f"/fhir/Patient?family={family}&_count=20",
    }
    medians = {}
    for name, url in urls.items():
        response = client.get(url)  # warm-up, and the answer must be a real one
        if response.status_code != 200:
            raise SystemExit(f"{url}: {response.status_code}")
        total = response.json().get("total", "")
        times = []
        for _ in range(runs):
            t = time.perf_counter()
            client.get(url)
            times.append(time.perf_counter() - t)
        medians[name] = statistics.median(times)
        print(f"  {name:<26} p50 {medians[name] * 1000:7.1f} ms  total {total}")
    base = medians["metadata (baseline)"]
    for name in ("Observation?patient=…", "Observation (no patient)"):
        print(f"  ratio {name} / metadata: {medians[name] / base:.1f}x")


if __name__ == "__main__":
    sys.exit(main())
