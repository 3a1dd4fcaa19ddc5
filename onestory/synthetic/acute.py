"""The borough's acute hospital: A&E attendances and admitted spells."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from . import reference as ref
from .common import (
    REF,
    SEX_LETTER,
    W0,
    Parts,
    Spell,
    poisson,
)
from .noise import View
from .output import (
    fmt_uk,
)
from .population import Person, random_day


class AcuteCare(Parts):
    # --- acute ---------------------------------------------------------------------------
    def acute_events(self, p: Person, force: bool) -> tuple[list[Spell], list[dict[str, Any]]]:
        rng = self.rng
        end = self.end_of(p)
        if end < W0:
            return [], []
        f, age = p.frailty, p.age
        years = (end - W0).days / 365.25
        mh = any(c in ref.MH_CONDITIONS for c in p.conditions)
        ae_rate = (0.35 if age < 5 else 0.18 if age < 65 else 0.24) + 1.3 * f + (0.12 * mh)
        em_rate = (0.03 if age < 5 else 0.012) + (0.03 if age >= 65 else 0) + 1.7 * f**1.4
        el_rate = 0.012 + (0.04 if age >= 50 else 0)
        plans: list[tuple[date, str]] = []
        plans += [
            (random_day(rng, W0, end), "emergency") for _ in range(poisson(rng, em_rate * years))
        ]
        plans += [
            (random_day(rng, W0, end), "elective") for _ in range(poisson(rng, el_rate * years))
        ]
        if force and not any(m == "emergency" for _, m in plans) and rng.random() < 0.85:
            plans.append((random_day(rng, W0, end - timedelta(30)), "emergency"))
        dies_in_hospital = p.died_on is not None and p.died_on >= W0 and rng.random() < 0.45
        plans.sort()
        spells: list[Spell] = []
        last_out = W0 - timedelta(1)
        for admitted, method in plans:
            if admitted <= last_out:
                continue
            if method == "emergency":
                stay = 1 + int(rng.expovariate(1 / (2 + 18 * f)))
                diag = self.emergency_diagnosis(p)
            else:
                stay = rng.choice((0, 0, 1, 1, 2, 3))
                diag = rng.choice(("cataract", "hip_oa", "knee_oa", "gallstones", "hernia"))
            discharged: date | None = admitted + timedelta(stay)
            destination = "usual place of residence"
            if p.died_on and discharged and discharged >= p.died_on:
                discharged, destination = p.died_on, "died"
            elif rng.random() < 0.03:
                destination = "other hospital"
            if discharged and discharged > REF:
                discharged, destination = None, ""
            spells.append(
                Spell(method, admitted, discharged, diag, self.specialty(p, diag), destination)
            )
            last_out = discharged or REF
            if destination == "died":
                break
        if dies_in_hospital and (not spells or spells[-1].destination != "died"):
            died = p.died_on
            assert died is not None
            admitted = died - timedelta(rng.randint(1, 12))
            if admitted > last_out and admitted >= W0:
                diag = self.emergency_diagnosis(p)
                spells.append(
                    Spell("emergency", admitted, died, diag, self.specialty(p, diag), "died")
                )
        attendances: list[dict[str, Any]] = []
        for s in spells:
            if s.method == "emergency":
                code, text = ref.DIAGNOSES[s.diagnosis]
                attendances.append(
                    {
                        "day": s.admitted,
                        "disposal": "admitted",
                        "mode": "ambulance" if rng.random() < 0.7 else "walk-in",
                        "diagnosis": s.diagnosis,
                    }
                )
        for _ in range(poisson(rng, ae_rate * years)):
            day = random_day(rng, W0, end)
            if any(s.admitted <= day <= (s.discharged or REF) for s in spells):
                continue
            diag = self.minor_diagnosis(p)
            roll = rng.random()
            disposal = (
                "discharged"
                if roll < 0.68
                else "referred to GP"
                if roll < 0.92
                else "left before treatment"
            )
            mode = "ambulance" if rng.random() < 0.15 + f else "walk-in"
            attendances.append({"day": day, "disposal": disposal, "mode": mode, "diagnosis": diag})
        attendances.sort(key=lambda a: a["day"])
        return spells, attendances

    def emergency_diagnosis(self, p: Person) -> str:
        rng = self.rng
        options = ["pneumonia", "uti", "chest_pain", "cellulitis", "dyspnoea", "abdominal_pain"]
        c = p.conditions
        if "falls" in c or p.frailty > 0.3:
            options += ["fracture_nof", "fall", "fall", "head_injury"]
        if "copd" in c:
            options += ["copd_exacerbation"] * 3
        if "asthma" in c:
            options += ["asthma_exacerbation"]
        if "heart_failure" in c:
            options += ["heart_failure"] * 3
        if "dementia" in c:
            options += ["delirium", "uti"]
        if "ihd" in c or "af" in c:
            options += ["mi", "stroke", "syncope"]
        return rng.choice(options)

    def minor_diagnosis(self, p: Person) -> str:
        options = [
            "sprain_ankle",
            "laceration",
            "head_injury",
            "abdominal_pain",
            "chest_pain",
            "fracture",
            "cellulitis",
        ]
        if p.age >= 65:
            options += ["fall", "fall", "syncope", "uti"]
        if any(c in ref.MH_CONDITIONS for c in p.conditions) and p.age >= 14:
            options += ["overdose"]
        return self.rng.choice(options)

    def specialty(self, p: Person, diag: str) -> str:
        if p.age < 16:
            return "Paediatrics"
        table = {
            "fracture_nof": "Trauma and orthopaedics",
            "hip_oa": "Trauma and orthopaedics",
            "knee_oa": "Trauma and orthopaedics",
            "cataract": "Ophthalmology",
            "gallstones": "General surgery",
            "hernia": "General surgery",
            "abdominal_pain": "General surgery",
            "mi": "Cardiology",
            "heart_failure": "Cardiology",
            "stroke": "Stroke medicine",
            "copd_exacerbation": "Respiratory medicine",
        }
        if diag in table:
            return table[diag]
        return "Geriatric medicine" if p.age >= 75 else "General medicine"

    def write_acute(
        self, p: Person, spells: list[Spell], attendances: list[dict[str, Any]]
    ) -> None:
        rng = self.rng
        system = f"acute:{ref.ACUTE_TRUST[0]}"
        complaint = {
            "fracture_nof": "Fall",
            "fall": "Fall",
            "head_injury": "Head injury",
            "pneumonia": "Shortness of breath",
            "dyspnoea": "Shortness of breath",
            "copd_exacerbation": "Shortness of breath",
            "asthma_exacerbation": "Wheeze",
            "heart_failure": "Shortness of breath",
            "uti": "Confusion",
            "delirium": "Confusion",
            "chest_pain": "Chest pain",
            "mi": "Chest pain",
            "stroke": "Weakness",
            "syncope": "Collapse",
            "cellulitis": "Swollen leg",
            "abdominal_pain": "Abdominal pain",
            "sprain_ankle": "Injury to ankle",
            "laceration": "Cut to hand",
            "fracture": "Injury to wrist",
            "overdose": "Overdose",
        }
        for a in attendances:
            v = self.view(system, "acute", "H", 7, p, any_record=True)
            code, text = ref.DIAGNOSES[a["diagnosis"]]
            row = self.acute_person(v)
            row.update(
                {
                    "attendance_id": self.ids.next("acute:ae", "AE", 8),
                    "arrival_date": fmt_uk(a["day"]),
                    "arrival_mode": a["mode"],
                    "chief_complaint": complaint.get(a["diagnosis"], "Unwell"),
                    "diagnosis_snomed": code,
                    "diagnosis_text": text,
                    "disposal": a["disposal"],
                }
            )
            self.f_ae.write(row)
        for s in spells:
            v = self.view(system, "acute", "H", 7, p, any_record=True)
            code, text = ref.DIAGNOSES[s.diagnosis]
            row = self.acute_person(v)
            row.update(
                {
                    "spell_id": self.ids.next("acute:spell", "SP", 8),
                    "admission_method": s.method,
                    "admission_date": fmt_uk(s.admitted),
                    "discharge_date": fmt_uk(s.discharged),
                    "specialty": s.specialty,
                    "primary_diagnosis_snomed": code,
                    "primary_diagnosis_text": text,
                    "discharge_destination": s.destination,
                    "consultant": f"Dr {rng.choice(ref.GP_STAFF_FIRST)[0]} "
                    f"{rng.choice(ref.CLINICIAN_SURNAMES)}",
                }
            )
            self.f_adm.write(row)

    @staticmethod
    def acute_person(v: View) -> dict[str, Any]:
        return {
            "hospital_number": v.local_id,
            "nhs_number": v.nhs_number,
            "surname": v.family,
            "forename": v.given,
            "dob": fmt_uk(v.dob_shown),
            "sex": SEX_LETTER[v.sex],
            "postcode": v.address.postcode,
            "address_line": v.address.line,
        }
