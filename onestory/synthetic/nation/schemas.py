"""The columns of the tables a chunk of the nation produces (see `simulate`)."""

from typing import Any

import polars as pl

ADMISSIONS: dict[str, Any] = {
    "pid": pl.Int64,
    "partnership": pl.Int32,
    "locality": pl.Int32,
    "quarter": pl.Int16,
    "kind": pl.Int8,
    "start": pl.Int64,
    "end": pl.Int64,
    "destination": pl.Int8,
    "deficits": pl.Int16,
    "age": pl.Float64,
}
AE_ATTENDANCES: dict[str, Any] = {
    "pid": pl.Int64,
    "partnership": pl.Int32,
    "locality": pl.Int32,
    "quarter": pl.Int16,
    "day": pl.Int64,
    "admitted": pl.Boolean,
    "kind": pl.Int8,
}
SOCIAL_CARE: dict[str, Any] = {
    "pid": pl.Int64,
    "partnership": pl.Int32,
    "locality": pl.Int32,
    "quarter": pl.Int16,
    "kind": pl.Int8,
    "start": pl.Int64,
    "hours": pl.Int64,
    "outcome_91": pl.Int8,
    "deficits": pl.Int16,
}
PERSON_YEARS: dict[str, Any] = {
    "pid": pl.Int64,
    "year": pl.Int16,
    "locality": pl.Int32,
    "age": pl.Int16,
    "imd": pl.Int8,
    "deficits": pl.Int16,
    "ltc": pl.Int16,
    "lives_alone": pl.Boolean,
    "care_home": pl.Boolean,
    "expected_emergency_admissions": pl.Float64,
    "true_risk": pl.Float64,
    "emergency_admissions": pl.Int32,
    "died": pl.Boolean,
}
REACHED: dict[str, Any] = {
    "initiative": pl.Int16,
    "pid": pl.Int64,
    "locality": pl.Int32,
    "quarter": pl.Int16,
    "units": pl.Int64,
    "observed": pl.Float64,
    "counterfactual": pl.Float64,
    "expected_observed": pl.Float64,
    "expected_counterfactual": pl.Float64,
}
