"""The borough's GP records: each registered person's FHIR resources in their practice's bundle."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from . import reference as ref
from .common import (
    ACT_CODE,
    CLINICAL,
    FHIR_GENDER,
    NHS_SYSTEM,
    RESOLVES,
    UCUM,
    V2_0131,
    W0,
    Parts,
    poisson,
)
from .population import Person, random_day


class GPRecords(Parts):
    # --- GP --------------------------------------------------------------------------------
    def gp_record(self, p: Person) -> None:
        rng = self.rng
        bundle = self.gp[p.household.practice]
        staff = self.staff[p.household.practice]
        v = self.view(f"gp:{bundle.ods}", "gp", "", 7, p)
        pat_id = f"{bundle.ods.lower()}-p{v.local_id}"
        subject = {"reference": f"Patient/{pat_id}"}
        identifiers = []
        if v.nhs_number:
            identifiers.append({"system": NHS_SYSTEM, "value": v.nhs_number})
        identifiers.append(
            {"system": f"https://onestory.example/Id/gp-patient/{bundle.ods}", "value": v.local_id}
        )
        addr = v.address
        patient: dict[str, Any] = {
            "resourceType": "Patient",
            "id": pat_id,
            "identifier": identifiers,
            "name": [{"use": "official", "family": v.family, "given": [v.given]}],
            "gender": FHIR_GENDER[v.sex],
            "birthDate": v.dob_shown.isoformat(),
            "address": [
                {"use": "home", "line": [addr.line], "city": addr.town, "postalCode": addr.postcode}
            ],
            "generalPractitioner": [{"reference": f"Organization/{bundle.ods}"}],
        }
        if p.phone:
            patient["telecom"] = [
                {
                    "system": "phone",
                    "value": p.phone,
                    "use": "mobile" if p.phone.startswith("07") else "home",
                }
            ]
        if p.died_on:
            patient["deceasedDateTime"] = p.died_on.isoformat()
        contacts = self.gp_contacts(p)
        if contacts:
            patient["contact"] = contacts
        bundle.add(patient)
        end = self.end_of(p)

        for n, (key, onset) in enumerate(sorted(p.conditions.items(), key=lambda kv: kv[1])):
            code, display = ref.CONDITIONS[key]
            status = "resolved" if key in RESOLVES and rng.random() < 0.3 else "active"
            bundle.add(
                {
                    "resourceType": "Condition",
                    "id": f"{pat_id}-c{n + 1}",
                    "clinicalStatus": {"coding": [{"system": CLINICAL, "code": status}]},
                    "code": {
                        "coding": [{"system": ref.SNOMED, "code": code, "display": display}],
                        "text": display,
                    },
                    "subject": subject,
                    "onsetDateTime": onset.isoformat(),
                },
                breakable=True,
            )

        if end >= W0:
            chronic = sum(
                1 for c in p.conditions if c in ref.FRAILTY_DEFICITS or c in ref.MH_CONDITIONS
            )
            rate = (3.0 if p.age < 5 else 1.1) + 0.35 * chronic + 7.0 * p.frailty
            years = (end - W0).days / 365.25
            dates = sorted(random_day(rng, W0, end) for _ in range(poisson(rng, rate * years)))
            housebound = p.frailty >= 0.3
            for n, day in enumerate(dates):
                roll = rng.random()
                if housebound and roll < 0.35:
                    cls, kind, who = "HH", "Home visit", "GP"
                elif roll < 0.6:
                    cls, kind, who = "AMB", "GP consultation", "GP"
                elif roll < 0.8:
                    cls, kind, who = "VR", "Telephone consultation", "GP"
                elif chronic and roll < 0.92:
                    cls, kind, who = "AMB", "Annual review", "Practice nurse"
                else:
                    cls, kind, who = "AMB", "Nurse appointment", "Practice nurse"
                prac = rng.choice([s for s in staff if s[1] == who])[0]
                bundle.add(
                    {
                        "resourceType": "Encounter",
                        "id": f"{pat_id}-e{n + 1}",
                        "status": "finished",
                        "class": {"system": ACT_CODE, "code": cls},
                        "type": [{"text": kind}],
                        "subject": subject,
                        "participant": [{"individual": {"reference": f"Practitioner/{prac}"}}],
                        "period": {"start": day.isoformat()},
                    },
                    breakable=True,
                )

            meds: list[str] = []
            for key in p.conditions:
                options = ref.CONDITION_MEDICATIONS.get(key, ())
                for med in options[: rng.randint(1, len(options))] if options else ():
                    if med not in meds:
                        meds.append(med)
            if p.frailty >= 0.25 and rng.random() < 0.6:
                meds += [m for m in ("paracetamol", "omeprazole") if m not in meds]
            for n, med in enumerate(meds):
                code, display = ref.MEDICATIONS[med]
                bundle.add(
                    {
                        "resourceType": "MedicationRequest",
                        "id": f"{pat_id}-m{n + 1}",
                        "status": "stopped" if p.died_on else "active",
                        "intent": "order",
                        "medicationCodeableConcept": {
                            "coding": [{"system": ref.SNOMED, "code": code, "display": display}],
                            "text": display,
                        },
                        "subject": subject,
                        "authoredOn": random_day(
                            rng, max(W0, end - timedelta(90)), end
                        ).isoformat(),
                    },
                    breakable=True,
                )

            if p.age >= 18:
                n_obs = 0
                bp_times = 3 if "hypertension" in p.conditions else int(rng.random() < 0.45)
                for _ in range(bp_times):
                    taken = random_day(rng, W0, end).isoformat()
                    sys_bp = int(rng.gauss(128 + 0.2 * p.age, 14))
                    dia_bp = int(rng.gauss(79, 9))
                    for key, value in (("systolic", sys_bp), ("diastolic", dia_bp)):
                        n_obs += 1
                        bundle.add(
                            self.observation(pat_id, n_obs, key, value, taken), breakable=True
                        )
                if rng.random() < 0.55:
                    n_obs += 1
                    bmi = round(min(50.0, max(15.5, rng.gauss(27.4, 5.0))), 1)
                    bundle.add(
                        self.observation(
                            pat_id, n_obs, "bmi", bmi, random_day(rng, W0, end).isoformat()
                        ),
                        breakable=True,
                    )

    @staticmethod
    def observation(pat_id: str, n: int, key: str, value: float, day: str) -> dict[str, Any]:
        code, display, unit = ref.OBSERVATIONS[key]
        return {
            "resourceType": "Observation",
            "id": f"{pat_id}-o{n}",
            "status": "final",
            "code": {"coding": [{"system": ref.SNOMED, "code": code, "display": display}]},
            "subject": {"reference": f"Patient/{pat_id}"},
            "effectiveDateTime": day,
            "valueQuantity": {"value": value, "unit": unit, "system": UCUM, "code": unit},
        }

    def gp_contacts(self, p: Person) -> list[dict[str, Any]]:
        contacts = []

        def add(other: Person, code: str, text: str) -> None:
            c: dict[str, Any] = {
                "relationship": [{"coding": [{"system": V2_0131, "code": code}], "text": text}],
                "name": {"text": f"{other.given} {other.family}"},
            }
            if other.phone:
                c["telecom"] = [{"system": "phone", "value": other.phone}]
            contacts.append(c)

        if p.carer is not None:
            add(p.carer, "C", "Unpaid carer")
        if p.partner is not None and p.partner is not p.carer:
            add(p.partner, "N", "Partner")
        if p.age < 18:
            for parent in p.parents[:2]:
                add(parent, "N", "Parent")
        elif p.partner is None and p.carer is None and p.age >= 65:
            adult = [c for c in p.children if c.age >= 18]
            if adult:
                add(adult[0], "N", "Daughter" if adult[0].sex == "female" else "Son")
        return contacts
