"""The borough's mental health trust and community health provider: referrals and contacts."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from . import reference as ref
from .common import (
    REF,
    SEX_WORD,
    W0,
    Parts,
    Spell,
)
from .noise import View
from .output import (
    CsvExtract,
    fmt_iso,
)
from .population import Person, random_day


class TrustServices(Parts):
    # --- mental health and community health --------------------------------------------------
    def trust_referrals(
        self,
        p: Person,
        kind: str,
        org: tuple[str, str],
        prefix: str,
        referrals: list[tuple[date, str, str, str, int, str]],
        f_ref: CsvExtract,
        f_con: CsvExtract,
    ) -> None:
        """Write referrals (date, source, team, reason, contacts, contact style) and their
        contacts for one trust."""
        rng = self.rng
        system = f"{kind}:{org[0]}"
        end = self.end_of(p)
        for day, source, team, reason, n_contacts, style in sorted(referrals):
            if day > end:
                continue
            v = self.view(system, kind, prefix, 6, p, any_record=True)
            person = self.trust_person(v)
            closed = day + timedelta(days=rng.randint(20, 240))
            if p.died_on and p.died_on < closed:
                closed = p.died_on
            open_ = closed > REF or rng.random() < 0.15
            ref_id = self.ids.next(f"{system}:ref", "RF", 8)
            contact_end = REF if open_ else closed
            days = sorted(random_day(rng, day, min(contact_end, end)) for _ in range(n_contacts))
            row = dict(
                person,
                referral_id=ref_id,
                referral_date=fmt_iso(day),
                referral_source=source,
                team=team,
                reason=reason,
                status="open" if open_ else "closed",
                closed_date="" if open_ else fmt_iso(closed),
            )
            f_ref.write(row, protect=bool(days))
            for cday in days:
                ctype = (
                    style
                    if rng.random() < 0.7
                    else rng.choice(("face to face", "telephone", "home visit"))
                )
                outcome = rng.choices(
                    (
                        "Seen and treated",
                        "Further contact arranged",
                        "Did not attend",
                        "Cancelled by patient",
                    ),
                    (45, 40, 10, 5),
                )[0]
                f_con.write(
                    dict(
                        person,
                        contact_id=self.ids.next(f"{system}:con", "CT", 9),
                        referral_id=ref_id,
                        contact_date=fmt_iso(cday),
                        contact_type=ctype,
                        clinician=self.clinician(team),
                        outcome=outcome,
                    )
                )

    def clinician(self, team: str) -> str:
        rng = self.rng
        role = (
            "District nurse"
            if "nursing" in team.lower()
            else "Physiotherapist"
            if "alls" in team or "rehab" in team.lower()
            else "Therapist"
            if "Talking" in team
            else "Care coordinator"
        )
        return f"{rng.choice(ref.GP_STAFF_FIRST)} {rng.choice(ref.CLINICIAN_SURNAMES)} ({role})"

    @staticmethod
    def trust_person(v: View) -> dict[str, Any]:
        return {
            "patient_id": v.local_id,
            "nhs_number": v.nhs_number,
            "given_name": v.given,
            "family_name": v.family,
            "date_of_birth": fmt_iso(v.dob_shown),
            "gender": SEX_WORD[v.sex],
            "postcode": v.address.postcode,
            "address": v.address.full,
        }

    def mental_health(self, p: Person, attendances: list[dict[str, Any]]) -> None:
        rng = self.rng
        end = self.end_of(p)
        if end < W0:
            return
        c, age = p.conditions, p.age
        refs: list[tuple[date, str, str, str, int, str]] = []

        def when(key: str) -> date:
            onset = c.get(key, W0)
            return onset if onset >= W0 else random_day(rng, W0, end)

        smi = next((k for k in ref.SMI_KINDS if k in c), None)
        if smi and rng.random() < 0.85:
            team = (
                "Early intervention in psychosis"
                if age < 35
                else "Adult community mental health team"
                if age < 65
                else "Older adults CMHT"
            )
            refs.append(
                (when(smi), "GP", team, ref.CONDITIONS[smi][1], rng.randint(6, 30), "face to face")
            )
            if rng.random() < 0.15:
                refs.append(
                    (
                        random_day(rng, W0, end),
                        "A&E",
                        "Crisis resolution and home treatment",
                        "Mental health crisis",
                        rng.randint(3, 12),
                        "home visit",
                    )
                )
        if "dementia" in c and rng.random() < 0.6:
            onset = c["dementia"]
            day = (
                onset - timedelta(days=rng.randint(30, 120))
                if onset >= W0 + timedelta(120)
                else random_day(rng, W0, end)
            )
            team = "Memory assessment service" if onset >= W0 else "Older adults CMHT"
            refs.append((day, "GP", team, "Memory problems", rng.randint(1, 6), "face to face"))
        if age >= 18 and ("depression" in c or "anxiety" in c) and rng.random() < 0.16:
            key = "depression" if "depression" in c else "anxiety"
            team = "Older adults CMHT" if age >= 65 and rng.random() < 0.5 else "Talking therapies"
            source = "self" if team == "Talking therapies" and rng.random() < 0.5 else "GP"
            refs.append(
                (
                    when(key),
                    source,
                    team,
                    ref.CONDITIONS[key][1],
                    rng.randint(2, 12),
                    "telephone" if team == "Talking therapies" else "face to face",
                )
            )
        if (
            age < 18
            and any(k in c for k in ("anxiety", "adhd", "autism", "depression"))
            and (rng.random() < 0.35)
        ):
            key = next(k for k in ("anxiety", "adhd", "autism", "depression") if k in c)
            refs.append(
                (
                    when(key),
                    rng.choice(("GP", "School", "social care")),
                    "CAMHS",
                    ref.CONDITIONS[key][1],
                    rng.randint(1, 10),
                    "face to face",
                )
            )
        for a in attendances:
            if a["diagnosis"] == "overdose":
                refs.append(
                    (
                        a["day"],
                        "A&E",
                        "Liaison psychiatry",
                        "Self-harm",
                        rng.randint(1, 2),
                        "face to face",
                    )
                )
        if refs:
            self.trust_referrals(
                p,
                "mental_health",
                ref.MENTAL_HEALTH_TRUST,
                "MH",
                refs,
                self.f_mh_ref,
                self.f_mh_con,
            )

    def community(self, p: Person, spells: list[Spell], asc: bool) -> None:
        rng = self.rng
        end = self.end_of(p)
        if end < W0:
            return
        c, f, age = p.conditions, p.frailty, p.age
        refs: list[tuple[date, str, str, str, int, str]] = []
        discharges = [
            s
            for s in spells
            if s.discharged and s.destination not in ("died",) and s.method == "emergency"
        ]

        def any_day() -> date:
            return random_day(rng, W0, end)

        if age >= 65 and (f >= 0.2 or asc) and rng.random() < (0.85 if asc else 0.2 + f):
            refs.append(
                (
                    any_day(),
                    rng.choice(("GP", "GP", "social care", "Hospital ward")),
                    "District nursing",
                    rng.choice(
                        (
                            "Wound care",
                            "Medication support",
                            "Catheter care",
                            "Pressure area care",
                            "Palliative care",
                        )
                    ),
                    rng.randint(3, 25),
                    "home visit",
                )
            )
        if "falls" in c and rng.random() < 0.55:
            refs.append(
                (
                    max(c["falls"], W0),
                    rng.choice(("GP", "A&E", "self")),
                    "Falls service",
                    "Falls risk assessment",
                    rng.randint(2, 6),
                    "home visit",
                )
            )
        if discharges and f >= 0.2 and rng.random() < 0.5:
            s = discharges[0]
            assert s.discharged is not None
            refs.append(
                (
                    s.discharged,
                    "Hospital ward",
                    "Community rehabilitation",
                    "Rehabilitation after discharge",
                    rng.randint(3, 10),
                    "home visit",
                )
            )
        for key, team, reason, chance, style in (
            (
                "heart_failure",
                "Heart failure nursing",
                "Heart failure management",
                0.5,
                "home visit",
            ),
            ("copd", "Respiratory team", "COPD management", 0.3, "face to face"),
            ("t2dm", "Diabetes specialist nursing", "Diabetes control", 0.08, "face to face"),
            ("incontinence", "Continence service", "Continence assessment", 0.3, "face to face"),
            ("osteoarthritis", "Community physiotherapy", "Joint pain", 0.1, "face to face"),
            ("autism", "Speech and language therapy", "Communication needs", 0.3, "face to face"),
        ):
            if key in c and rng.random() < chance:
                refs.append((any_day(), "GP", team, reason, rng.randint(1, 8), style))
        if refs:
            self.trust_referrals(
                p, "community", ref.COMMUNITY_PROVIDER, "CH", refs, self.f_com_ref, self.f_com_con
            )
