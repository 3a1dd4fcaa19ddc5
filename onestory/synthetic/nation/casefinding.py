"""How well can anyone predict a year's emergency admissions in a generated nation? The
existing case-finding model (`onestory.casework.engine`) against age alone and against the
best possible, the generator's own true risks.

The nation's Parquet tables are turned into the engine's input tables (people, coded
evidence, medications, hospital) exactly as its extracts would read once imported: each
accrued eFI deficit is a SNOMED code from the deficit's code list, dated when it accrued;
social care packages are services; A&E attendances and emergency spells are hospital rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import polars as pl

from onestory.casework import engine
from onestory.casework.domain import risk

from . import calendar
from .writers import _STEPS, EPOCH, _deficit_codes

SERVICE = {1: "Long Term Support: Residential", 2: "Long Term Support: Residential"}
SERVICE.update({3: "Long Term Support: Community", 4: "Short Term Support: Reablement"})


@dataclass(frozen=True)
class Comparison:
    as_of: date
    people: int
    held_out: int
    admitted_rate: float
    auc_model: float
    auc_age_only: float
    auc_best_possible: float  # the true risks, on the same held-out people


def _dates(col: str) -> pl.Expr:
    return (EPOCH + pl.duration(days=pl.col(col))).alias(col)


def engine_tables(out: Path, first_day: int) -> dict[str, pl.DataFrame]:
    """The engine's input tables from the nation in `out`; deficits present at the start
    are dated the day before the period's first day, `first_day`."""
    pq = out / "parquet"
    people = pl.read_parquet(pq / "people.parquet")
    codes = pl.DataFrame(
        {"slot": np.arange(34, dtype=np.int64), "code": [c for c, _ in _deficit_codes()]}
    )
    steps = dict(enumerate(_STEPS))
    initial = (
        people.select("person_id", "deficits_at_start", "dob_day")
        .filter(pl.col("deficits_at_start") > 0)
        .with_columns(ordinal=pl.int_ranges(0, pl.col("deficits_at_start")))
        .explode("ordinal")
        .with_columns(day=pl.max_horizontal(pl.col("dob_day"), pl.lit(first_day - 1)))
        .select("person_id", pl.col("ordinal").cast(pl.Int64), "day")
    )
    accrued = pl.read_parquet(pq / "deficits.parquet").select(
        "person_id", pl.col("ordinal").cast(pl.Int64), "day"
    )
    evidence = (
        pl.concat([initial, accrued])
        .filter(pl.col("ordinal") < 34)
        .with_columns(
            slot=(
                pl.col("person_id") % 34
                + pl.col("ordinal")
                * (pl.col("person_id") % len(_STEPS)).replace_strict(steps, return_dtype=pl.Int64)
            )
            % 34
        )
        .join(codes, on="slot")
        .select(
            "person_id",
            pl.lit("snomed").alias("source"),
            "code",
            _dates("day").alias("start"),
            pl.lit(None, dtype=pl.Date).alias("end"),
        )
    )
    care = pl.read_parquet(pq / "social_care.parquet")
    services = care.select(
        "person_id",
        pl.lit("social_care_service").alias("source"),
        pl.col("kind").replace_strict(SERVICE, return_dtype=pl.String).alias("code"),
        _dates("start"),
        pl.when(pl.col("kind") == 4)
        .then(EPOCH + pl.duration(days=pl.col("start") + 42))
        .otherwise(pl.lit(None, dtype=pl.Date))
        .alias("end"),
    )
    adm = pl.read_parquet(pq / "admissions.parquet")
    ae = pl.read_parquet(pq / "ae_attendances.parquet").filter(~pl.col("admitted"))
    hospital = pl.concat(
        [
            adm.select(
                "person_id",
                pl.lit("admission").alias("kind"),
                _dates("start"),
                _dates("end"),
                pl.lit(True).alias("emergency"),
                pl.when(pl.col("destination") == 1)
                .then(pl.lit("died"))
                .otherwise(pl.lit("usual place"))
                .alias("destination"),
                pl.col("kind").cast(pl.String).alias("diagnosis"),
            ),
            ae.select(
                "person_id",
                pl.lit("ae").alias("kind"),
                _dates("day").alias("start"),
                _dates("day").alias("end"),
                pl.lit(False).alias("emergency"),
                pl.lit("").alias("destination"),
                pl.lit("").alias("diagnosis"),
            ),
        ]
    )
    people_in = people.select(
        "person_id",
        (EPOCH + pl.duration(days=pl.col("dob_day"))).alias("birth_date"),
        pl.when(pl.col("female")).then(pl.lit("female")).otherwise(pl.lit("male")).alias("sex"),
        pl.col("practice").cast(pl.String),
        pl.col("locality").cast(pl.String).alias("neighbourhood"),
        "lives_alone",
        "has_unpaid_carer",
    )
    medications = pl.DataFrame(schema={"person_id": pl.Int64, "code": pl.String, "start": pl.Date})
    return {
        "people": people_in,
        "evidence": pl.concat([evidence, services]),
        "medications": medications,
        "hospital": hospital,
    }


def compare(out: Path, years: int) -> Comparison:
    """Train the case-finding model on the nation's last year and compare held-out AUCs."""
    starts, _ = calendar(years)
    as_of = starts[-1] - timedelta(days=1)
    con = engine.connect()
    first_day = (starts[0] - date(1970, 1, 1)).days
    tables = engine_tables(out, first_day)
    engine.load(
        con,
        people=tables["people"],
        evidence=tables["evidence"],
        medications=tables["medications"],
        hospital=tables["hospital"],
    )
    validation = engine.train(con, as_of)
    truth = pl.read_parquet(out / "truth" / "people.parquet").filter(pl.col("year") == years - 1)
    test = risk.held_out(truth["person_id"].to_numpy())
    y = (truth["emergency_admissions"].to_numpy() > 0)[test]
    best = risk.auc(y, truth["true_risk"].to_numpy()[test])
    return Comparison(
        as_of=as_of,
        people=truth.height,
        held_out=validation.held_out,
        admitted_rate=validation.admitted_rate,
        auc_model=float(validation.auc or 0.0),
        auc_age_only=float(validation.auc_age_only or 0.0),
        auc_best_possible=best,
    )
