"""FHIR import rate and `Patient/$everything` latency, as ratios against plain JSON work in
the same process.

    python bench/bench_fhir.py [--repeat 5]

Uses a fresh SQLite database in a temporary directory. Imports the Synthea bundles in
../shared/data/synthea-r4 `--repeat` times (each copy with its own ids, so every copy is
new work), then builds one person with 1,000+ resources and times `$everything` for them.
Baselines: `json.loads` of the same files, and `json.dumps` of the result. It reports; it
asserts nothing.
"""

import argparse
import json
import os
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
    return 0


if __name__ == "__main__":
    sys.exit(main())
