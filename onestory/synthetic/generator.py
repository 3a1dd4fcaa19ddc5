"""The synthetic borough's source extracts, person by person.

For each person the generator decides, in one place, what happened to them in the three
years before the reference date (GP care, A&E, admissions, referrals, social care, housing,
voluntary support), so the sources agree with each other: a care-home placement that starts
on discharge day makes the admission's discharge destination "care home", a death in
hospital ends the spell with "died", a carer's assessment names the person cared for.
Rows are streamed to the extracts as soon as each person is done.
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

from . import reference as ref
from .acute import AcuteCare
from .common import (
    ADMISSION_COLUMNS,
    AE_COLUMNS,
    ASC_COLUMNS,
    CHILDREN_COLUMNS,
    CONTACT_COLUMNS,
    GENERATOR_VERSION,
    HOUSING_COLUMNS,
    ODS_SYSTEM,
    REF,
    REFERRAL_COLUMNS,
    W0,
    Summary,
)
from .gp import GPRecords
from .local import LocalServices
from .output import (
    CsvExtract,
    FhirBundle,
    FileSpec,
    Progress,
    VoluntaryWorkbook,
    noop_progress,
    write_json,
)
from .population import Borough, Person, build_borough
from .social_care import AdultSocialCare
from .trusts import TrustServices


class Generator(GPRecords, AcuteCare, AdultSocialCare, TrustServices, LocalServices):
    """The borough, person by person: each part writes its own extracts."""

    # --- the run -------------------------------------------------------------------------
    def run(self) -> Summary:
        self.progress("Building the borough", 0, self.n)
        borough = build_borough(self.rng, self.n)
        self.borough = borough
        self.out.mkdir(parents=True, exist_ok=True)
        self.open_files(borough)
        self.index_practitioners(borough)
        step = max(1, self.n // 200)
        for i, p in enumerate(borough.people, 1):
            self.person(p)
            if i % step == 0 or i == self.n:
                self.progress("Writing extracts", i, self.n)
        return self.close_files(borough)

    def open_files(self, borough: Borough) -> None:
        b, out = self.breaker, self.out
        acute, mh, com = ref.ACUTE_TRUST, ref.MENTAL_HEALTH_TRUST, ref.COMMUNITY_PROVIDER
        nhs = "nhs_number"
        self.f_ae = CsvExtract(
            out,
            "acute_ae_attendances.csv",
            "acute",
            acute,
            AE_COLUMNS,
            FileSpec("hospital_number", "uk", "dob", ("arrival_date",), nhs),
            b,
        )
        self.f_adm = CsvExtract(
            out,
            "acute_admissions.csv",
            "acute",
            acute,
            ADMISSION_COLUMNS,
            FileSpec("hospital_number", "uk", "dob", ("admission_date", "discharge_date"), nhs),
            b,
        )
        ref_spec = FileSpec(
            "patient_id", "iso", "date_of_birth", ("referral_date", "closed_date"), nhs
        )
        con_spec = FileSpec(
            "patient_id", "iso", "date_of_birth", ("contact_date",), nhs, reference="referral_id"
        )
        self.f_mh_ref = CsvExtract(
            out, "mental_health_referrals.csv", "mental_health", mh, REFERRAL_COLUMNS, ref_spec, b
        )
        self.f_mh_con = CsvExtract(
            out, "mental_health_contacts.csv", "mental_health", mh, CONTACT_COLUMNS, con_spec, b
        )
        self.f_com_ref = CsvExtract(
            out, "community_referrals.csv", "community", com, REFERRAL_COLUMNS, ref_spec, b
        )
        self.f_com_con = CsvExtract(
            out, "community_contacts.csv", "community", com, CONTACT_COLUMNS, con_spec, b
        )
        self.f_asc = CsvExtract(
            out,
            "adult_social_care_cld.csv",
            "adult_social_care",
            ref.COUNCIL,
            ASC_COLUMNS,
            FileSpec(
                "la_person_id",
                "iso",
                "date_of_birth",
                ("event_start_date", "event_end_date"),
                nhs,
                "event_type",
                ("Visit", "Enquiry", "Contact"),
                "unit_cost_weekly_pounds",
            ),
            b,
        )
        self.f_cs = CsvExtract(
            out,
            "childrens_services.csv",
            "childrens_services",
            ref.COUNCIL,
            CHILDREN_COLUMNS,
            FileSpec(
                "child_id",
                "uk",
                "dob",
                ("start_date", "end_date"),
                nhs,
                "record_type",
                ("CLA", "Early help", "XX"),
            ),
            b,
        )
        self.f_housing = CsvExtract(
            out,
            "housing.csv",
            "housing",
            ref.COUNCIL,
            HOUSING_COLUMNS,
            FileSpec(
                "tenant_ref",
                "uk",
                "date_of_birth",
                ("start_date", "end_date"),
                "",
                "record_type",
                ("repairs", "rent arrears", "garden"),
            ),
            b,
        )
        self.gp = [FhirBundle(out, ods, name, b) for ods, name in borough.practices]
        self.vol = VoluntaryWorkbook(out, b)
        self.csvs = [
            self.f_ae,
            self.f_adm,
            self.f_mh_ref,
            self.f_mh_con,
            self.f_com_ref,
            self.f_com_con,
            self.f_asc,
            self.f_cs,
            self.f_housing,
        ]

    def index_practitioners(self, borough: Borough) -> None:
        """Each practice's Organization and its GPs and nurses go first in its bundle."""
        rng = self.rng
        counts = [0] * len(borough.practices)
        for p in borough.people:
            counts[p.household.practice] += 1
        self.staff = []
        for i, bundle in enumerate(self.gp):
            bundle.add(
                {
                    "resourceType": "Organization",
                    "id": bundle.ods,
                    "identifier": [{"system": ODS_SYSTEM, "value": bundle.ods}],
                    "name": bundle.org_name,
                }
            )
            staff = []
            n_gps = min(12, 3 + counts[i] // 1800)
            for j in range(n_gps + rng.randint(2, 4)):
                role = "GP" if j < n_gps else "Practice nurse"
                given = rng.choice(ref.GP_STAFF_FIRST)
                family = rng.choice(ref.CLINICIAN_SURNAMES)
                pid = f"{bundle.ods.lower()}-{'gp' if role == 'GP' else 'pn'}{j + 1}"
                name: dict[str, Any] = {"family": family, "given": [given]}
                if role == "GP":
                    name["prefix"] = ["Dr"]
                bundle.add({"resourceType": "Practitioner", "id": pid, "name": [name]})
                staff.append((pid, role))
            self.staff.append(staff)

    def close_files(self, borough: Borough) -> Summary:
        summary = Summary(self.seed, len(borough.people), len(borough.households))
        for f in self.csvs:
            f.close()
        for g in self.gp:
            g.close()
        self.vol.close()

        def entry(
            name: str, kind: str, org: tuple[str, str] | None, rows: int, **extra: Any
        ) -> None:
            invalid = self.errors.by_file.get(name)
            summary.files[name] = {
                "kind": kind,
                "org_code": org[0] if org else "",
                "org_name": org[1] if org else "",
                "rows": rows,
                **extra,
                "invalid_rows": sum(invalid.values()) if invalid else 0,
                "invalid_by_kind": dict(sorted(invalid.items())) if invalid else {},
            }

        for g in self.gp:
            entry(g.name, "gp", (g.ods, g.org_name), g.rows)
        for f in self.csvs:
            if f is self.f_housing:
                entry(
                    f.name,
                    f.kind,
                    None,
                    f.rows,
                    orgs=[list(ref.COUNCIL), list(ref.HOUSING_ASSOCIATION)],
                )
            else:
                entry(f.name, f.kind, f.org, f.rows)
        vol_orgs = [ref.AGE_CHARITY, ref.CARERS_CENTRE, ref.BEFRIENDING_SCHEME]
        entry(
            self.vol.name,
            "voluntary",
            None,
            sum(self.vol.rows.values()),
            orgs=[list(o) for o in vol_orgs],
            sheets=dict(self.vol.rows),
        )
        truth_rows = sorted(
            (system, v.local_id, v.person.pid)
            for (system, _i), views in self.views.items()
            for v in views
            if v.used
        )
        with open(self.out / "truth.csv", "w", newline="", encoding="utf-8") as fh:
            w = csv.writer(fh, lineterminator="\n")
            w.writerow(["system", "local_id", "person_id"])
            w.writerows(truth_rows)
        summary.files["truth.csv"] = {
            "kind": "truth",
            "org_code": "",
            "org_name": "",
            "rows": len(truth_rows),
        }
        write_json(
            self.out / "manifest.json",
            {
                "generator": "onestory synth",
                "generator_version": GENERATOR_VERSION,
                "seed": self.seed,
                "people": summary.people,
                "households": summary.households,
                "reference_date": REF.isoformat(),
                "window_start": W0.isoformat(),
                "error_rate": self.error_rate,
                "files": summary.files,
            },
        )
        return summary

    # --- one person ----------------------------------------------------------------------
    def person(self, p: Person) -> None:
        asc_involved = self.asc_involvement(p)
        spells, attendances = self.acute_events(p, force=asc_involved and p.age >= 75)
        asc_rows = self.adult_social_care(p, spells) if asc_involved else []
        if p.registered:
            self.gp_record(p)
        self.write_acute(p, spells, attendances)
        for row in asc_rows:
            self.f_asc.write(row)
        self.mental_health(p, attendances)
        self.community(p, spells, asc_involved)
        if p.age < 18:
            self.childrens_services(p)
        self.housing(p)
        self.voluntary(p)


def generate(
    n_people: int, seed: int, out: Path, error_rate: float = 0.0, progress: Progress | None = None
) -> Summary:
    """Write a synthetic borough of `n_people` to `out`: the extracts described in
    docs/EXTRACTS.md, truth.csv and manifest.json. The same seed gives the same bytes."""
    if not 0.0 <= error_rate <= 1.0:
        raise ValueError("error rate must be between 0 and 1")
    return Generator(n_people, seed, Path(out), error_rate, progress or noop_progress).run()
