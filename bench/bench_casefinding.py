"""Case finding for a whole population on DuckDB: time and peak memory.

    python3 -m uv run --frozen python bench/bench_casefinding.py --people 1000000

Feeds the engine (`onestory.casework.engine`) generated tables directly — no Django, no
import — shaped like the borough's: conditions drawn from the eFI code lists with counts
rising with age, medications, A&E attendances and admissions (emergency ones driven by
frailty), social care packages. In the same process it times a baseline: one DuckDB pass
that counts each person's evidence rows (the floor any per-person computation over these
tables pays). Every stage runs once; it reports, it asserts nothing.
"""

import argparse
import json
import resource
import sys
import time
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import polars as pl

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from onestory.casework import engine  # noqa: E402
from onestory.casework.domain import efi  # noqa: E402

AS_OF = date(2026, 10, 31)
START = date(2023, 11, 1)
DAYS = (AS_OF - START).days


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _dates(rng, n, first=START, span=DAYS):
    return pl.Series(np.datetime64(first) + rng.integers(0, span, n).astype("timedelta64[D]"))


def generate(n: int, seed: int = 8) -> dict[str, pl.DataFrame]:
    rng = np.random.default_rng(seed)
    ids = np.arange(1, n + 1, dtype=np.int64)
    age = np.clip(rng.gamma(4.0, 10.5, n), 0, 104).astype(int)
    frailty = np.clip((age - 40) / 120 + rng.normal(0, 0.05, n), 0, 0.7)
    birth = np.datetime64(AS_OF) - (age * 365.25 + rng.integers(0, 365, n)).astype("timedelta64[D]")
    people = pl.DataFrame(
        {
            "person_id": ids,
            "birth_date": pl.Series(birth).cast(pl.Date),
            "sex": np.where(rng.random(n) < 0.51, "female", "male"),
            "practice": np.char.add("Y", (10000 + rng.integers(0, 60, n)).astype(str)),
            "neighbourhood": np.char.add("LS", (10 + rng.integers(0, 20, n)).astype(str)),
            "lives_alone": (age >= 65) & (rng.random(n) < 0.35),
            "has_unpaid_carer": rng.random(n) < 0.04 + frailty / 3,
        }
    )
    snomed = [c for d, s, c in efi.load_codelists().rows() if s == "snomed"]
    per = rng.poisson(0.5 + frailty * 14)
    who = np.repeat(ids, per)
    m = len(who)
    evidence = pl.DataFrame(
        {
            "person_id": who,
            "source": np.full(m, "snomed"),
            "code": np.array(snomed)[rng.integers(0, len(snomed), m)],
            "start": _dates(rng, m, date(2005, 1, 1), (AS_OF - date(2005, 1, 1)).days).cast(
                pl.Date
            ),
            "end": pl.Series([None] * m, dtype=pl.Date),
        }
    )
    carers = ids[rng.random(n) < frailty / 4]
    packages = pl.DataFrame(
        {
            "person_id": carers,
            "source": np.full(len(carers), "social_care_service"),
            "code": np.array(engine.PACKAGE_SERVICES)[rng.integers(0, 4, len(carers))],
            "start": _dates(rng, len(carers)).cast(pl.Date),
            "end": pl.Series([None] * len(carers), dtype=pl.Date),
        }
    )
    evidence = pl.concat([evidence, packages])
    meds_per = rng.poisson(0.5 + frailty * 12)
    mwho = np.repeat(ids, meds_per)
    medications = pl.DataFrame(
        {
            "person_id": mwho,
            "code": (300000000 + rng.integers(0, 40, len(mwho))).astype(str),
            "start": _dates(rng, len(mwho), AS_OF - timedelta(days=730), 730).cast(pl.Date),
        }
    )
    years = DAYS / 365.25
    ae = rng.poisson((0.22 + 1.3 * frailty) * years)
    em = rng.poisson((0.012 + 1.7 * frailty**1.4) * years)
    hwho = np.concatenate([np.repeat(ids, ae), np.repeat(ids, em)])
    kinds = np.concatenate([np.full(ae.sum(), "ae"), np.full(em.sum(), "admission")])
    starts = _dates(rng, len(hwho)).cast(pl.Date)
    stay = np.where(kinds == "admission", 1 + rng.exponential(5, len(hwho)).astype(int), 0)
    hospital = pl.DataFrame(
        {
            "person_id": hwho,
            "kind": kinds,
            "start": starts,
            "emergency": kinds == "admission",
            "destination": np.where(rng.random(len(hwho)) < 0.01, "died", "usual place"),
            "diagnosis": np.full(len(hwho), "Pneumonia"),
        }
    ).with_columns((pl.col("start") + pl.duration(days=pl.Series(stay))).alias("end"))
    hospital = hospital.select(
        "person_id", "kind", "start", "end", "emergency", "destination", "diagnosis"
    )
    return {
        "people": people,
        "evidence": evidence,
        "medications": medications,
        "hospital": hospital,
    }


def run_one(n: int, threads: int | None) -> dict:
    """Generate, load, baseline, train and score `n` people; print and return the figures."""
    timings: dict[str, float] = {}

    def timed(name, fn):
        started = time.perf_counter()
        out = fn()
        timings[name] = time.perf_counter() - started
        return out

    tables = timed("generate", lambda: generate(n))
    rows = {k: v.height for k, v in tables.items()}
    con = engine.connect(threads)
    timed("load", lambda: engine.load(con, **tables))
    tables.clear()  # DuckDB holds its own copy now
    timed(
        "baseline: count evidence per person",
        lambda: con.sql("SELECT person_id, count(*) FROM evidence GROUP BY person_id").fetchall(),
    )
    validation = timed(
        "train (features a year back, fit, validate)", lambda: engine.train(con, AS_OF)
    )
    scored = timed(
        "score (eFI, risk, LACE, reasons)", lambda: engine.score(con, AS_OF, validation.model)
    )
    base = timings["baseline: count evidence per person"]
    case_finding = (
        timings["train (features a year back, fit, validate)"]
        + timings["score (eFI, risk, LACE, reasons)"]
    )
    print(f"\n{n:,} people; rows: " + ", ".join(f"{k} {v:,}" for k, v in rows.items()))
    for name, seconds in timings.items():
        print(f"  {name:<48} {seconds:8.2f} s   x{seconds / base:7.1f} baseline")
    print(
        f"  {'case finding (train + score)':<48} {case_finding:8.2f} s   "
        f"x{case_finding / base:7.1f} baseline"
    )
    print(f"  {'peak memory (process RSS)':<48} {peak_mb():8.0f} MB")
    print(
        f"  held-out AUC {validation.auc:.3f} (age alone {validation.auc_age_only:.3f});"
        f" scored {scored.height:,}",
        flush=True,
    )
    return {
        "people": n,
        "rows": rows,
        "seconds": timings,
        "case_finding_seconds": case_finding,
        "peak_mb": peak_mb(),
        "auc": validation.auc,
        "auc_age_only": validation.auc_age_only,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, nargs="+", default=[100_000])
    parser.add_argument("--threads", type=int, default=None)
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args()
    results = [run_one(n, args.threads) for n in args.people]
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
