"""Writing a nation: each partnership's extracts in the existing source formats (the columns
in `onestory.sources.domain.extract_columns`, so `onestory import` reads them), Parquet
tables for large runs, and the truth.

    out/partnerships/P01/acute_ae_attendances.csv      ← onestory import out/partnerships/P01
    out/partnerships/P01/acute_admissions.csv
    out/partnerships/P01/adult_social_care_cld.csv
    out/partnerships/P01/gp_<ODS>.json                 (one bundle per practice)
    out/parquet/<table>/part-00000.parquet             (--format parquet or both)
    out/truth/people.parquet  reached.parquet  effects.csv
    out/places/*.csv  unit_costs.csv  manifest.json

Chunks append to the same files, so memory stays flat. Nation extracts have no deliberately
broken rows (the single borough exercises quarantine).
"""

from __future__ import annotations

from pathlib import Path
from typing import IO

import numpy as np
import polars as pl
import pyarrow.parquet as pq

from onestory.casework.domain import efi
from onestory.sources.domain import extract_columns as cols
from onestory.synthetic import reference as ref

from . import course
from .places import Places
from .simulate import ChunkResult

EPOCH = pl.date(1970, 1, 1)
KIND_NAMES = ("other", "acsc", "falls")
DIAGNOSES = {
    0: ("pneumonia", "uti", "chest_pain", "dyspnoea", "syncope", "cellulitis", "delirium"),
    1: ("copd_exacerbation", "heart_failure", "asthma_exacerbation"),
    2: ("fall", "fall", "fracture_nof", "head_injury"),
}
DESTINATIONS = ("usual place of residence", "died", "care home", "usual place of residence")
ASC_ROUTE = {1: "Discharge from hospital", 2: "Community / other route"}
OUTCOME_91 = (
    "No services provided - no identified needs",
    "Service user died",
    "Long term support",
    "Long term support",
)
# Deficits with a SNOMED code in the eFI code lists: the k-th deficit a person accrues is
# one of these, in an order of their own.
_STEPS = tuple(s for s in range(1, 34) if np.gcd(s, 34) == 1)


def _deficit_codes() -> list[tuple[str, str]]:
    codes: dict[str, tuple[str, str]] = {}
    for entry_deficit, source, code in efi.load_codelists().rows():
        if source == "snomed" and entry_deficit not in codes:
            codes[entry_deficit] = (code, entry_deficit.replace("_", " ").capitalize())
    return [codes[k] for k in sorted(codes)][:34]


def _date(col: str) -> pl.Expr:
    return EPOCH + pl.duration(days=pl.col(col))


def _dmy(col: str) -> pl.Expr:
    return _date(col).dt.strftime("%d/%m/%Y")


def _iso(col: str) -> pl.Expr:
    return _date(col).dt.strftime("%Y-%m-%d")


class NationWriter:
    def __init__(self, out: Path, places: Places, formats: set[str], ref_day: int) -> None:
        self.out = out
        self.places = places
        self.formats = formats
        self.ref_day = ref_day
        self.counters: dict[str, int] = {}
        self.rows: dict[str, int] = {}
        self.files: dict[str, IO[str]] = {}
        self.bundles: dict[str, IO[str]] = {}
        self.bundle_key: dict[str, str] = {}
        self.start_day = 0
        self.parquet: dict[str, pq.ParquetWriter] = {}
        self.codes = _deficit_codes()
        self.chunk = 0
        self.localities = places.localities
        self.partnerships = places.partnerships
        (out / "truth").mkdir(parents=True, exist_ok=True)
        if "extracts" in formats:
            for code in self.partnerships["code"]:
                (out / "partnerships" / code).mkdir(parents=True, exist_ok=True)

    # --- helpers ---------------------------------------------------------------------
    def _ids(self, key: str, n: int) -> np.ndarray:
        start = self.counters.get(key, 0)
        self.counters[key] = start + n
        return np.arange(start + 1, start + n + 1)

    def _csv(self, partnership: str, name: str, header: tuple[str, ...], frame: pl.DataFrame):
        key = f"{partnership}/{name}"
        fh = self.files.get(key)
        if fh is None:
            fh = open(self.out / "partnerships" / partnership / name, "w", encoding="utf-8")  # noqa: SIM115
            fh.write(",".join(header) + "\n")
            self.files[key] = fh
        frame.select(header).write_csv(fh, include_header=False)
        self.rows[key] = self.rows.get(key, 0) + frame.height

    def _stream(self, name: str, frame: pl.DataFrame, folder: str = "parquet") -> None:
        table = frame.to_arrow()
        key = f"{folder}/{name}"
        writer = self.parquet.get(key)
        if writer is None:
            path = self.out / folder / f"{name}.parquet"
            path.parent.mkdir(parents=True, exist_ok=True)
            writer = pq.ParquetWriter(path, table.schema, compression="zstd")
            self.parquet[key] = writer
        writer.write_table(table)
        self.rows[f"{folder}/{name}"] = self.rows.get(f"{folder}/{name}", 0) + frame.height

    # --- one chunk ---------------------------------------------------------------------
    def write(self, r: ChunkResult) -> None:
        self.chunk += 1
        people = r.people.join(
            self.partnerships.select(
                pl.col("partnership").cast(pl.Int32), pl.col("code").alias("partnership_code")
            ),
            on="partnership",
            how="left",
        )
        self._stream("people", r.person_years.rename({"pid": "person_id"}), "truth")
        self._stream("reached", r.reached.rename({"pid": "person_id"}), "truth")
        self._stream("moves", r.moves.rename({"pid": "person_id"}), "truth")
        if "parquet" in self.formats:
            self._stream("people", people.rename({"pid": "person_id"}))
            costs = {k: v[0] for k, v in course.UNIT_COSTS.items()}
            adm = r.admissions.with_columns(
                cost_pounds=costs["emergency_admission"]
                + costs["bed_day"] * (pl.col("end") - pl.col("start"))
            )
            self._stream("admissions", adm.rename({"pid": "person_id"}))
            ae = r.ae.with_columns(cost_pounds=pl.lit(costs["ae_attendance"]))
            self._stream("ae_attendances", ae.rename({"pid": "person_id"}))
            prices = self.localities.select(
                pl.col("locality").cast(pl.Int32),
                "care_home_weekly_pounds",
                "home_care_hourly_pounds",
            )
            care = (
                r.social_care.join(prices, on="locality", how="left")
                .with_columns(
                    weekly_cost_pounds=pl.when(pl.col("kind") <= 2)
                    .then(pl.col("care_home_weekly_pounds"))
                    .when(pl.col("kind") == 3)
                    .then(pl.col("hours") * pl.col("home_care_hourly_pounds"))
                    .otherwise(pl.lit(costs["reablement_week"]))
                )
                .drop("care_home_weekly_pounds", "home_care_hourly_pounds")
            )
            self._stream("social_care", care.rename({"pid": "person_id"}))
            self._stream("deficits", r.deficits.rename({"pid": "person_id"}))
        if "extracts" in self.formats:
            self._extracts(r, people)

    def _identity(self, people: pl.DataFrame) -> pl.DataFrame:
        return people.select(
            "pid",
            "nhs_number",
            pl.col("given_name"),
            pl.col("family_name"),
            _dmy("dob_day").alias("dob_uk"),
            _iso("dob_day").alias("dob_iso"),
            pl.when(pl.col("female")).then(pl.lit("F")).otherwise(pl.lit("M")).alias("sex"),
            pl.when(pl.col("female"))
            .then(pl.lit("Female"))
            .otherwise(pl.lit("Male"))
            .alias("gender"),
            "postcode",
            "address",
            "died_day",
        )

    def _extracts(self, r: ChunkResult, people: pl.DataFrame) -> None:
        who = self._identity(people)
        trusts = self.partnerships.select(
            pl.col("partnership").cast(pl.Int32),
            pl.col("code").alias("pcode"),
            pl.col("trust_code").alias("org_code"),
            pl.col("trust_name").alias("org_name"),
            pl.col("council_code"),
            pl.col("council_name"),
        )
        diag_keys = [(k, d) for k, ds in DIAGNOSES.items() for d in ds]
        codes = pl.DataFrame(
            {
                "kind": [k for k, _ in diag_keys],
                "pick": [
                    sum(1 for kk, _ in diag_keys[:i] if kk == k)
                    for i, (k, _) in enumerate(diag_keys)
                ],
                "primary_diagnosis_snomed": [ref.DIAGNOSES[d][0] for _, d in diag_keys],
                "primary_diagnosis_text": [ref.DIAGNOSES[d][1] for _, d in diag_keys],
            },
            schema_overrides={"kind": pl.Int8, "pick": pl.Int64},
        )
        n_diag = {k: len(ds) for k, ds in DIAGNOSES.items()}
        adm = (
            r.admissions.with_columns(
                spell_id=pl.Series(self._ids("spell", r.admissions.height)),
                pick=(pl.col("pid") + pl.col("start"))
                % pl.col("kind").replace_strict(n_diag, return_dtype=pl.Int64),
            )
            .join(who, on="pid", how="left")
            .join(trusts, on="partnership", how="left")
            .join(codes, on=["kind", "pick"], how="left")
            .with_columns(
                hospital_number=pl.format("H{}", pl.col("pid").cast(pl.String).str.zfill(9)),
                surname="family_name",
                forename="given_name",
                dob="dob_uk",
                address_line="address",
                spell_id=pl.format("SP{}", pl.col("spell_id").cast(pl.String).str.zfill(9)),
                admission_method=pl.lit("emergency"),
                admission_date=_dmy("start"),
                discharge_date=pl.when(pl.col("end") <= self.ref_day)
                .then(_dmy("end"))
                .otherwise(pl.lit("")),
                specialty=pl.when(pl.col("kind") == 2)
                .then(pl.lit("Trauma and Orthopaedics"))
                .when(pl.col("age") >= 75)
                .then(pl.lit("Geriatric Medicine"))
                .otherwise(pl.lit("General Medicine")),
                discharge_destination=pl.when(pl.col("end") <= self.ref_day)
                .then(pl.col("destination").replace_strict(dict(enumerate(DESTINATIONS))))
                .otherwise(pl.lit("")),
                consultant=pl.lit(""),
            )
        )
        ae = (
            r.ae.with_columns(attendance_id=pl.Series(self._ids("ae", r.ae.height)))
            .join(who, on="pid", how="left")
            .join(trusts, on="partnership", how="left")
            .with_columns(
                hospital_number=pl.format("H{}", pl.col("pid").cast(pl.String).str.zfill(9)),
                surname="family_name",
                forename="given_name",
                dob="dob_uk",
                address_line="address",
                attendance_id=pl.format(
                    "AE{}", pl.col("attendance_id").cast(pl.String).str.zfill(9)
                ),
                arrival_date=_dmy("day"),
                arrival_mode=pl.when(pl.col("admitted") | (pl.col("kind") == 2))
                .then(pl.lit("Ambulance"))
                .otherwise(pl.lit("Walk-in")),
                chief_complaint=pl.col("kind").replace_strict(
                    {0: "Unwell", 1: "Shortness of breath", 2: "Fall", 9: "Minor injury"},
                    return_dtype=pl.String,
                ),
                diagnosis_snomed=pl.lit(""),
                diagnosis_text=pl.lit(""),
                disposal=pl.when(pl.col("admitted"))
                .then(pl.lit("Admitted"))
                .otherwise(pl.lit("Discharged")),
            )
        )
        asc = self._social_care(r, who, trusts)
        for p, code in zip(
            self.partnerships["partnership"], self.partnerships["code"], strict=True
        ):
            self._csv(
                code,
                "acute_admissions.csv",
                cols.ACUTE_ADMISSIONS,
                adm.filter(pl.col("partnership") == p),
            )
            self._csv(
                code,
                "acute_ae_attendances.csv",
                cols.ACUTE_AE_ATTENDANCES,
                ae.filter(pl.col("partnership") == p),
            )
            self._csv(
                code,
                "adult_social_care_cld.csv",
                cols.ADULT_SOCIAL_CARE_CLD,
                asc.filter(pl.col("partnership") == p),
            )
        self._gp(r, people)

    def _social_care(self, r: ChunkResult, who: pl.DataFrame, trusts: pl.DataFrame) -> pl.DataFrame:
        price = self.localities.select(
            pl.col("locality").cast(pl.Int32),
            "care_home_weekly_pounds",
            "home_care_hourly_pounds",
        )
        base = (
            r.social_care.join(who, on="pid", how="left")
            .join(trusts, on="partnership", how="left")
            .join(price, on="locality", how="left")
            .with_columns(
                org_code="council_code",
                org_name="council_name",
                la_person_id=pl.format("LA{}", pl.col("pid").cast(pl.String).str.zfill(9)),
                first_name="given_name",
                last_name="family_name",
                date_of_birth="dob_iso",
                client_type=pl.lit("Service User"),
                primary_support_reason=pl.lit("Physical Support: Personal Care Support"),
                died_end=pl.when(
                    (pl.col("died_day") >= pl.col("start")) & (pl.col("died_day") <= self.ref_day)
                )
                .then(_iso("died_day"))
                .otherwise(pl.lit("")),
            )
        )
        care_home = base.filter(pl.col("kind").is_in([1, 2]))
        package = base.filter(pl.col("kind") == 3)
        reab = base.filter(pl.col("kind") == 4)
        start = _iso("start")
        parts = [
            care_home.with_columns(
                event_type=pl.lit("Request"),
                event_start_date=start,
                event_end_date=start,
                event_outcome=pl.lit("Assessment"),
                route_of_access=pl.col("kind").replace_strict(ASC_ROUTE, return_dtype=pl.String),
            ),
            care_home.with_columns(
                event_type=pl.lit("Service"),
                event_start_date=start,
                event_end_date="died_end",
                event_outcome=pl.lit("Long term support"),
                service_type=pl.when(pl.col("deficits") >= 14)
                .then(pl.lit("Long Term Support: Nursing"))
                .otherwise(pl.lit("Long Term Support: Residential")),
                service_component=pl.when(pl.col("deficits") >= 14)
                .then(pl.lit("Nursing care"))
                .otherwise(pl.lit("Residential care")),
                delivery_mechanism=pl.lit("CASSR Commissioned Support only"),
                unit_cost_weekly_pounds=pl.col("care_home_weekly_pounds").round(2).cast(pl.String),
            ),
            package.with_columns(
                event_type=pl.lit("Assessment"),
                event_start_date=start,
                event_end_date=start,
                event_outcome=pl.lit("Long term support"),
                assessment_type=pl.lit("Care Act assessment"),
            ),
            package.with_columns(
                event_type=pl.lit("Service"),
                event_start_date=start,
                event_end_date="died_end",
                event_outcome=pl.lit("Long term support"),
                service_type=pl.lit("Long Term Support: Community"),
                service_component=pl.lit("Home care"),
                delivery_mechanism=pl.lit("CASSR Commissioned Support only"),
                planned_hours_per_week=pl.col("hours").cast(pl.String),
                unit_cost_weekly_pounds=(pl.col("hours") * pl.col("home_care_hourly_pounds"))
                .round(2)
                .cast(pl.String),
            ),
            reab.with_columns(start_42=pl.col("start") + 42).with_columns(
                event_type=pl.lit("Service"),
                event_start_date=start,
                event_end_date=pl.when(pl.col("start_42") <= self.ref_day)
                .then(_iso("start_42"))
                .otherwise(pl.lit("")),
                event_outcome=pl.col("outcome_91").replace_strict(
                    dict(enumerate(OUTCOME_91)), return_dtype=pl.String
                ),
                service_type=pl.lit("Short Term Support: Reablement"),
                service_component=pl.lit("Reablement"),
                delivery_mechanism=pl.lit("CASSR Commissioned Support only"),
                planned_hours_per_week=pl.lit("14"),
                unit_cost_weekly_pounds=pl.lit("400.00"),
            ),
        ]
        frame = pl.concat(parts, how="diagonal_relaxed")
        frame = frame.filter(pl.col("start") <= self.ref_day)
        frame = frame.with_columns(
            event_reference=pl.Series(self._ids("asc", frame.height)).cast(pl.String)
        ).with_columns(event_reference=pl.format("ASC{}", pl.col("event_reference").str.zfill(9)))
        missing = [c for c in cols.ADULT_SOCIAL_CARE_CLD if c not in frame.columns]
        return frame.with_columns([pl.lit("").alias(c) for c in missing]).with_columns(
            [pl.col(c).fill_null("") for c in cols.ADULT_SOCIAL_CARE_CLD if c != "partnership"]
        )

    # --- GP bundles ------------------------------------------------------------------
    def _gp(self, r: ChunkResult, people: pl.DataFrame) -> None:
        """Each person's Patient and their deficits as Conditions, in their practice's
        bundle. The JSON is built column-wise (the values are plain names, codes and
        dates, escaped for JSON); each fullUrl is a fixed-shape UUID from the resource's
        type, the person's number and the resource's number, unique in the nation."""
        ods = self.places.practices.select(pl.col("practice").cast(pl.Int64), "ods")
        patients = (
            people.with_columns(pl.col("practice").cast(pl.Int64))
            .join(ods, on="practice", how="left")
            .with_columns(
                pat_id=pl.format("{}-p{}", pl.col("ods").str.to_lowercase(), pl.col("pid")),
                deceased=pl.when((pl.col("died_day") >= 0) & (pl.col("died_day") <= self.ref_day))
                .then(pl.format(',"deceasedDateTime":"{}"', _iso("died_day")))
                .otherwise(pl.lit("")),
            )
        )
        patient_json = patients.select(
            "ods",
            "pid",
            pl.lit(0).cast(pl.Int64).alias("seq"),
            _template(
                '{"fullUrl":"urn:uuid:{}","resource":{"resourceType":"Patient","id":"{}",'
                '"identifier":[{"system":"https://fhir.nhs.uk/Id/nhs-number","value":"{}"}],'
                '"name":[{"use":"official","family":"{}","given":["{}"]}],"gender":"{}",'
                '"birthDate":"{}","address":[{"use":"home","line":["{}"],"postalCode":"{}"}],'
                '"generalPractitioner":[{"reference":"Organization/{}"}]{}},'
                '"request":{"method":"PUT","url":"Patient/{}"}}',
                _uuid(1, pl.col("pid"), pl.lit(0)),
                "pat_id",
                "nhs_number",
                _json_text("family_name"),
                _json_text("given_name"),
                pl.when(pl.col("female")).then(pl.lit("female")).otherwise(pl.lit("male")),
                _iso("dob_day"),
                _json_text("address"),
                _json_text("postcode"),
                "ods",
                "deceased",
                "pat_id",
            ).alias("json"),
        )
        t0 = int(self.start_day)
        initial = (
            patients.select("pid", "deficits_at_start", "dob_day")
            .filter(pl.col("deficits_at_start") > 0)
            .with_columns(ordinal=pl.int_ranges(0, pl.col("deficits_at_start")))
            .explode("ordinal")
            .with_columns(
                day=pl.max_horizontal(
                    pl.col("dob_day"),
                    t0 - 1 - (pl.col("pid") * 7919 + pl.col("ordinal") * 104729) % 3650,
                )
            )
            .select("pid", pl.col("ordinal").cast(pl.Int64), "day")
        )
        accrued = r.deficits.select("pid", pl.col("ordinal").cast(pl.Int64), "day")
        steps = dict(enumerate(_STEPS))
        codes = pl.DataFrame(
            {
                "slot": np.arange(len(self.codes), dtype=np.int64),
                "code": [c for c, _ in self.codes],
                "display": [d for _, d in self.codes],
            }
        )
        conditions = (
            pl.concat([initial, accrued])
            .filter(pl.col("ordinal") < 34)
            .with_columns(
                slot=(
                    pl.col("pid") % 34
                    + pl.col("ordinal")
                    * (pl.col("pid") % len(_STEPS)).replace_strict(steps, return_dtype=pl.Int64)
                )
                % 34
            )
            .join(codes, on="slot")
            .join(patients.select("pid", "ods", "pat_id"), on="pid")
            .select(
                "ods",
                "pid",
                (pl.col("ordinal") + 1).alias("seq"),
                _template(
                    '{"fullUrl":"urn:uuid:{}","resource":{"resourceType":"Condition",'
                    '"id":"{}-d{}","clinicalStatus":{"coding":[{"system":'
                    '"http://terminology.hl7.org/CodeSystem/condition-clinical",'
                    '"code":"active"}]},"code":{"coding":[{"system":"{}","code":"{}",'
                    '"display":"{}"}],"text":"{}"},"subject":{"reference":"Patient/{}"},'
                    '"onsetDateTime":"{}"},"request":{"method":"PUT","url":"Condition/{}-d{}"}}',
                    _uuid(2, pl.col("pid"), pl.col("ordinal") + 1),
                    "pat_id",
                    pl.col("ordinal") + 1,
                    pl.lit(ref.SNOMED),
                    "code",
                    "display",
                    "display",
                    "pat_id",
                    _iso("day"),
                    "pat_id",
                    pl.col("ordinal") + 1,
                ).alias("json"),
            )
        )
        entries = pl.concat([patient_json, conditions]).sort("ods", "pid", "seq")
        partnership_of = dict(
            zip(
                self.places.practices["ods"].to_list(),
                self.places.practices["partnership"].to_list(),
                strict=True,
            )
        )
        pcode = self.partnerships["code"].to_list()
        for (practice_ods,), group in entries.group_by("ods", maintain_order=True):
            fh = self._bundle(pcode[partnership_of[practice_ods]], str(practice_ods))
            key = self.bundle_key[str(practice_ods)]
            lines = group["json"].to_list()
            if self.rows[key]:
                fh.write(",\n")
            fh.write(",\n".join(lines))
            self.rows[key] += len(lines)

    def _bundle(self, partnership: str, ods: str) -> IO[str]:
        fh = self.bundles.get(ods)
        if fh is None:
            name = f"gp_{ods}.json"
            path = self.out / "partnerships" / partnership / name
            fh = open(path, "w", encoding="utf-8")  # noqa: SIM115
            fh.write(
                '{"resourceType":"Bundle","id":"gp-'
                + ods.lower()
                + '","type":"transaction","entry":[\n'
            )
            self.bundles[ods] = fh
            self.bundle_key[ods] = f"{partnership}/{name}"
            self.rows[self.bundle_key[ods]] = 0
        return fh

    def close(self) -> None:
        for fh in self.files.values():
            fh.close()
        for fh in self.bundles.values():
            fh.write("\n]}\n")
            fh.close()
        for writer in self.parquet.values():
            writer.close()


def _template(text: str, *values: pl.Expr | str) -> pl.Expr:
    """`text` with each `{}` replaced by the next value, row by row (`pl.format` would read
    the JSON's own braces as column names)."""
    pieces = text.split("{}")
    assert len(pieces) == len(values) + 1, "one value per {}"
    parts: list[pl.Expr] = [pl.lit(pieces[0])]
    for value, piece in zip(values, pieces[1:], strict=True):
        parts.append((pl.col(value) if isinstance(value, str) else value).cast(pl.String))
        parts.append(pl.lit(piece))
    return pl.concat_str(parts)


def _json_text(col: str) -> pl.Expr:
    """A text column escaped for a JSON string."""
    return (
        pl.col(col)
        .str.replace_all("\\", "\\\\", literal=True)
        .str.replace_all('"', '\\"', literal=True)
    )


def _uuid(kind: int, pid: pl.Expr, seq: pl.Expr) -> pl.Expr:
    """A fixed-shape UUID (version 5 and RFC 4122 variant digits in place) from a resource
    type number, a person number (up to 12 digits) and a resource number (up to 3)."""
    return pl.format(
        "6f1c2c55-{}-5000-8{}-{}",
        pl.lit(f"{kind:04d}"),
        seq.cast(pl.String).str.zfill(3),
        pid.cast(pl.String).str.zfill(12),
    )
