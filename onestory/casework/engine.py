"""Case finding for a whole population on DuckDB: the eFI, the features of the risk model,
the outcome it is trained on and the LACE index at the last discharge, as SQL over five
tables. No Django here, so the benchmark feeds it generated data directly and the command
feeds it the linked record (`casework.extract`).

Input tables (Polars frames or anything DuckDB can scan), one row per:
- people: person_id BIGINT, birth_date DATE, sex, practice, neighbourhood, lives_alone
  BOOLEAN, has_unpaid_carer BOOLEAN;
- evidence: person_id, source, code, start DATE, "end" DATE — a coded fact (a SNOMED CT
  condition or diagnosis, a social care reason or service, a housing or voluntary record);
- medications: person_id, code, start DATE;
- hospital: person_id, kind ('admission' | 'ae'), start DATE, "end" DATE, emergency
  BOOLEAN, destination, diagnosis.
"""

from dataclasses import dataclass
from datetime import date, timedelta

import duckdb
import numpy as np
import polars as pl

from onestory.casework.domain import charlson, efi, risk

PACKAGE_SERVICES = (
    "Long Term Support: Community",
    "Long Term Support: Residential",
    "Long Term Support: Nursing",
    "Short Term Support: Reablement",
)
CARE_HOME_SERVICES = ("Long Term Support: Residential", "Long Term Support: Nursing")


def _frame(con: duckdb.DuckDBPyConnection, sql: str, params=None) -> pl.DataFrame:
    """A query's result as a Polars frame."""
    return con.sql(sql, params=params).pl()


def connect(threads: int | None = None) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    if threads:
        con.execute(f"SET threads = {int(threads)}")
    return con


def load(
    con: duckdb.DuckDBPyConnection,
    *,
    people: pl.DataFrame,
    evidence: pl.DataFrame,
    medications: pl.DataFrame,
    hospital: pl.DataFrame,
    codelists: efi.CodeLists | None = None,
) -> None:
    """Copy the inputs and the reference tables into DuckDB tables."""
    codelists = codelists or efi.load_codelists()
    for name, frame in (
        ("people", people),
        ("evidence", evidence),
        ("medications", medications),
        ("hospital", hospital),
    ):
        con.register(f"{name}_in", frame)
        con.execute(f"CREATE OR REPLACE TABLE {name} AS SELECT * FROM {name}_in")
        con.unregister(f"{name}_in")
    con.execute("CREATE OR REPLACE TABLE codelist (deficit VARCHAR, source VARCHAR, code VARCHAR)")
    con.executemany("INSERT INTO codelist VALUES (?, ?, ?)", codelists.rows())
    con.execute("CREATE OR REPLACE TABLE charlson (condition VARCHAR, weight INT, code VARCHAR)")
    con.executemany("INSERT INTO charlson VALUES (?, ?, ?)", charlson.rows())
    # Death as the sources know it: a hospital spell that ended in death.
    con.execute(
        """CREATE OR REPLACE TABLE deaths AS
           SELECT person_id, min("end") AS died FROM hospital
           WHERE destination = 'died' AND "end" IS NOT NULL GROUP BY person_id"""
    )


def _features_sql(as_of: date) -> tuple[str, list]:
    """Per person alive and born by `as_of`: deficits, eFI, the model's features."""
    a = as_of.isoformat()
    year_ago = (as_of - timedelta(days=365)).isoformat()
    services = ", ".join(f"'{s}'" for s in PACKAGE_SERVICES)
    sql = f"""
    WITH coded AS (
        SELECT DISTINCT e.person_id, c.deficit
        FROM evidence e JOIN codelist c ON c.source = e.source AND c.code = e.code
        WHERE e.start <= DATE '{a}'
          AND (c.source = 'snomed' OR e."end" IS NULL OR e."end" >= DATE '{year_ago}')
    ),
    poly AS (
        SELECT person_id, '{efi.POLYPHARMACY}' AS deficit FROM medications
        WHERE start > DATE '{year_ago}' AND start <= DATE '{a}'
        GROUP BY person_id HAVING count(DISTINCT code) >= {efi.POLYPHARMACY_MIN_MEDICINES}
    ),
    deficits AS (
        SELECT person_id, count(*) AS n, list_sort(list(deficit)) AS deficits
        FROM (SELECT * FROM coded UNION SELECT * FROM poly) GROUP BY person_id
    ),
    use AS (
        SELECT person_id,
               count(*) FILTER (WHERE kind = 'admission' AND emergency) AS em,
               count(*) FILTER (WHERE kind = 'ae') AS ae
        FROM hospital WHERE start > DATE '{year_ago}' AND start <= DATE '{a}'
        GROUP BY person_id
    ),
    package AS (
        SELECT DISTINCT person_id FROM evidence
        WHERE source = 'social_care_service' AND code IN ({services})
          AND start <= DATE '{a}' AND ("end" IS NULL OR "end" >= DATE '{a}')
    )
    SELECT p.person_id, p.sex, p.practice, p.neighbourhood,
           ({as_of.year} - year(p.birth_date)
             - CASE WHEN month(p.birth_date) * 100 + day(p.birth_date) > {as_of.month * 100 + as_of.day}
                    THEN 1 ELSE 0 END)::BIGINT AS age,
           coalesce(d.n, 0)::INT AS efi_deficits,
           coalesce(d.deficits, []::VARCHAR[]) AS deficits,
           coalesce(u.em, 0)::INT AS emergency_admissions_12m,
           coalesce(u.ae, 0)::INT AS ae_attendances_12m,
           (k.person_id IS NOT NULL)::INT AS social_care_package,
           coalesce(p.lives_alone, false)::INT AS lives_alone,
           coalesce(p.has_unpaid_carer, false)::INT AS has_unpaid_carer
    FROM people p
    LEFT JOIN deficits d USING (person_id)
    LEFT JOIN use u USING (person_id)
    LEFT JOIN package k USING (person_id)
    LEFT JOIN deaths x USING (person_id)
    WHERE p.birth_date <= DATE '{a}' AND (x.died IS NULL OR x.died > DATE '{a}')
    """
    return sql, []


def features(con: duckdb.DuckDBPyConnection, as_of: date) -> pl.DataFrame:
    sql, params = _features_sql(as_of)
    # in person order, so the model's fit does not depend on the engine's row order
    return _frame(con, sql, params).sort("person_id")


def outcomes(con: duckdb.DuckDBPyConnection, start: date, end: date) -> pl.DataFrame:
    """person_id of everyone with an emergency admission in (start, end]."""
    return _frame(
        con,
        """SELECT DISTINCT person_id, 1 AS admitted FROM hospital
           WHERE kind = 'admission' AND emergency AND start > ? AND start <= ?""",
        [start, end],
    )


def recent_admissions(con: duckdb.DuckDBPyConnection, as_of: date) -> pl.DataFrame:
    """The emergency admissions of the last 12 months per person, as reasons."""
    return _frame(
        con,
        """SELECT person_id,
                  -- newest first (sorting the pairs, not ORDER BY in the aggregate, which
                  -- Spark SQL lacks; the same day's admissions by diagnosis)
                  list_sort(list(struct_pack(start := strftime(start, '%Y-%m-%d'),
                                             diagnosis := diagnosis)), 'DESC') AS admissions
           FROM hospital
           WHERE kind = 'admission' AND emergency AND start > ? AND start <= ?
           GROUP BY person_id""",
        [as_of - timedelta(days=365), as_of],
    )


def lace(con: duckdb.DuckDBPyConnection, as_of: date) -> pl.DataFrame:
    """The LACE index (van Walraven 2010 points; Charlson from coded conditions) at each
    person's most recent discharge in the 12 months before `as_of`."""
    return _frame(
        con,
        """
        WITH last AS (
            SELECT person_id, start, "end", emergency FROM hospital
            WHERE kind = 'admission' AND "end" IS NOT NULL AND "end" <= $as_of
              AND "end" > $year_ago AND coalesce(destination, '') <> 'died'
            -- the same dates twice: the emergency one, whatever order the engine reads them in
            QUALIFY row_number() OVER (PARTITION BY person_id
                                       ORDER BY "end" DESC, start DESC, emergency DESC) = 1
        ),
        cci AS (
            SELECT person_id, sum(weight) AS cci FROM (
                SELECT DISTINCT l.person_id, c.condition, c.weight
                FROM last l JOIN evidence e ON e.person_id = l.person_id
                JOIN charlson c ON e.source = 'snomed' AND c.code = e.code
                WHERE e.start <= l.start
            ) GROUP BY person_id
        ),
        ed AS (
            SELECT l.person_id, count(*) AS visits FROM last l
            JOIN hospital h ON h.person_id = l.person_id AND h.kind = 'ae'
            WHERE h.start >= l.start - INTERVAL 182 DAY AND h.start < l.start
            GROUP BY l.person_id
        )
        SELECT l.person_id, l."end" AS lace_discharge,
            ((CASE WHEN date_diff('day', l.start, l."end") < 1 THEN 0
                  WHEN date_diff('day', l.start, l."end") <= 3 THEN date_diff('day', l.start, l."end")
                  WHEN date_diff('day', l.start, l."end") <= 6 THEN 4
                  WHEN date_diff('day', l.start, l."end") <= 13 THEN 5 ELSE 7 END)
          + (CASE WHEN l.emergency THEN 3 ELSE 0 END)
          + (CASE WHEN coalesce(c.cci, 0) >= 4 THEN 5 ELSE coalesce(c.cci, 0) END)
          + least(coalesce(e.visits, 0), 4))::INT AS lace
        FROM last l LEFT JOIN cci c USING (person_id) LEFT JOIN ed e USING (person_id)
        """,
        {"as_of": as_of, "year_ago": as_of - timedelta(days=365)},
    )


@dataclass(frozen=True)
class Validation:
    trained_on: int
    held_out: int
    admitted_rate: float
    # None when too few people to hold any out with both outcomes.
    auc: float | None
    auc_age_only: float | None
    brier: float | None
    calibration: tuple[risk.CalibrationBin, ...]
    model: risk.LogisticModel
    age_model: risk.LogisticModel


def _columns(frame: pl.DataFrame) -> dict[str, np.ndarray]:
    return {name: frame[name].to_numpy() for name in risk.FEATURE_NAMES}


def train(con: duckdb.DuckDBPyConnection, as_of: date) -> Validation:
    """Fit the model on features one year before `as_of` and admissions in the year to
    `as_of`; validate on held-out people against a model of age alone."""
    index = as_of - timedelta(days=365)
    cohort = features(con, index).join(outcomes(con, index, as_of), on="person_id", how="left")
    y = cohort["admitted"].fill_null(0).to_numpy().astype(np.float64)
    if len(y) == 0 or y.min() == y.max():
        raise ValueError(
            "Cannot train the risk model: the year before the date needs people both with and "
            "without an emergency admission."
        )
    x = risk.design(_columns(cohort))
    test = risk.held_out(cohort["person_id"].to_numpy())
    train_rows = ~test
    if y[train_rows].min() == y[train_rows].max():
        # Too few people to hold any out and still see both outcomes: train on everyone
        # and report no held-out figures rather than misleading ones.
        train_rows = np.ones(len(y), dtype=bool)
    model = risk.fit_logistic(x[train_rows], y[train_rows], risk.FEATURE_NAMES)
    x_age = x[:, :2]
    age_model = risk.fit_logistic(x_age[train_rows], y[train_rows], ("age",))
    validated = bool(test.any()) and y[test].min() != y[test].max() and not train_rows.all()
    p = model.predict(x[test]) if validated else np.array([])
    return Validation(
        trained_on=int(train_rows.sum()),
        held_out=int(test.sum()) if validated else 0,
        admitted_rate=float(y.mean()),
        auc=risk.auc(y[test], p) if validated else None,
        auc_age_only=risk.auc(y[test], age_model.predict(x_age[test])) if validated else None,
        brier=risk.brier(y[test], p) if validated else None,
        calibration=risk.calibration(y[test], p) if validated else (),
        model=model,
        age_model=age_model,
    )


def score(con: duckdb.DuckDBPyConnection, as_of: date, model: risk.LogisticModel) -> pl.DataFrame:
    """Everyone alive at `as_of` with eFI, category, risk, LACE and reasons."""
    current = features(con, as_of)
    x = risk.design(_columns(current))
    p = model.predict(x)
    contributions = model.contributions(x)
    # The two features adding most to this person's risk, as readable reasons.
    top = np.argsort(-contributions, axis=1)[:, :2]
    labels = np.array([f[1] for f in risk.FEATURES], dtype=object)
    chosen = np.take_along_axis(contributions, top, axis=1)
    first = np.where(chosen[:, 0] > 0, labels[top[:, 0]], None)
    second = np.where(chosen[:, 1] > 0, labels[top[:, 1]], None)
    drivers = pl.DataFrame(
        {"a": first.tolist(), "b": second.tolist()}, schema={"a": pl.String, "b": pl.String}
    ).select(pl.concat_list("a", "b").list.drop_nulls().alias("risk_drivers"))["risk_drivers"]
    efi_scores = current["efi_deficits"].to_numpy() / efi.DEFICIT_COUNT
    categories = np.select(
        [efi_scores <= b for b, _ in efi.CATEGORY_BOUNDS],
        [c for _, c in efi.CATEGORY_BOUNDS],
        default=efi.SEVERE,
    )
    scored = current.with_columns(
        pl.Series("efi_score", efi_scores),
        pl.Series("efi_category", categories),
        pl.Series("risk", p),
        drivers,
    )
    return scored.join(recent_admissions(con, as_of), on="person_id", how="left").join(
        lace(con, as_of), on="person_id", how="left"
    )
