"""The borough's children's services, housing and voluntary sector."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from . import reference as ref
from .common import (
    CIN_NEEDS,
    CPP_CATEGORIES,
    EHCP_NEEDS,
    REF,
    SEX_LETTER,
    W0,
    Parts,
)
from .output import (
    fmt_uk,
)
from .population import Household, Person, add_years, random_day


class LocalServices(Parts):
    # --- children's services -------------------------------------------------------------
    def childrens_services(self, p: Person) -> None:
        rng = self.rng
        c = p.conditions
        hh = p.household
        lone = sum(1 for m in hh.members if m.age >= 18) == 1
        cin_chance = 0.035 + (0.03 if lone else 0) + (0.02 if hh.tenure == "council" else 0)
        ehcp_chance = (
            0.025
            + 0.4 * ("autism" in c)
            + 0.6 * ("learning_disability" in c)
            + (0.15 * ("adhd" in c))
        )
        if p.age < 3:
            ehcp_chance = 0.0
        records: list[dict[str, Any]] = []
        earliest = max(W0, p.dob)
        if rng.random() < cin_chance and earliest < REF:
            start = random_day(rng, earliest, REF - timedelta(14))
            stop = start + timedelta(days=rng.randint(60, 600))
            need = rng.choices([n for n, _ in CIN_NEEDS], [w for _, w in CIN_NEEDS])[0]
            records.append(
                {
                    "record_type": "CIN",
                    "start": start,
                    "end": stop if stop <= REF else None,
                    "category": need,
                }
            )
            if need.startswith("N1") and rng.random() < 0.3 or rng.random() < 0.08:
                cstart = start + timedelta(days=rng.randint(10, 45))
                if cstart < REF:
                    cstop = cstart + timedelta(days=rng.randint(90, 500))
                    records.append(
                        {
                            "record_type": "CPP",
                            "start": cstart,
                            "end": cstop if cstop <= REF else None,
                            "category": rng.choice(CPP_CATEGORIES),
                        }
                    )
        if rng.random() < ehcp_chance:
            first = add_years(p.dob, 3)
            start = random_day(rng, max(first, add_years(REF, -8)), REF)
            if "autism" in c:
                need = "Autistic Spectrum Disorder"
            elif "learning_disability" in c:
                need = rng.choice(("Severe Learning Difficulty", "Moderate Learning Difficulty"))
            else:
                need = rng.choice(EHCP_NEEDS)
            records.append({"record_type": "EHCP", "start": start, "end": None, "category": need})
        if not records:
            return
        system = f"childrens_services:{ref.COUNCIL[0]}"
        school = "" if p.age < 4 else ref.SCHOOLS[(hh.hid * 7 + p.index) % len(ref.SCHOOLS)]
        if "learning_disability" in c and p.age >= 4:
            school = "Rowan Tree Special School"
        adults = [m for m in p.parents if m.household is hh] or [
            m for m in hh.members if m.age >= 18
        ]
        parent = adults[0] if adults else None
        for r in records:
            v = self.view(system, "childrens_services", "C", 7, p)
            rel = ""
            if parent is not None:
                if parent in p.parents:
                    rel = "Mother" if parent.sex == "female" else "Father"
                else:
                    rel = "Grandmother" if parent.sex == "female" else "Grandfather"
                    if parent.age < 60:
                        rel = "Other relative"
            self.f_cs.write(
                {
                    "child_id": v.local_id,
                    "nhs_number": v.nhs_number,
                    "forename": v.given,
                    "surname": v.family,
                    "dob": fmt_uk(v.dob_shown),
                    "sex": SEX_LETTER[v.sex],
                    "postcode": v.address.postcode,
                    "address": v.address.full,
                    "record_id": self.ids.next("cs:record", "CS", 8),
                    "record_type": r["record_type"],
                    "start_date": fmt_uk(r["start"]),
                    "end_date": fmt_uk(r["end"]),
                    "category": r["category"],
                    "school": school,
                    "parent_carer_name": f"{parent.given} {parent.family}" if parent else "",
                    "parent_carer_relationship": rel,
                }
            )

    # --- housing -----------------------------------------------------------------------------
    def title(self, p: Person) -> str:
        rng = self.rng
        if p.age < 16:
            return ""
        if rng.random() < 0.01:
            return "Dr"
        if p.sex == "male":
            return "Mr"
        if p.partner is not None or p.age >= 70:
            return "Mrs" if rng.random() < 0.75 else "Ms"
        return "Miss" if p.age < 30 else "Ms"

    def relationship_to_lead(self, p: Person, lead: Person) -> str:
        if p is lead:
            return "Lead tenant"
        if p.partner is lead:
            return "Joint tenant" if self.rng.random() < 0.6 else "Partner"
        if lead in p.parents or (lead.partner is not None and lead.partner in p.parents):
            return "Child"
        return "Other household member"

    def housing(self, p: Person) -> None:
        hh = p.household
        if hh.tenure in ("council", "housing_association"):
            self.tenancy(p, hh)
        case = self.homelessness_case(hh)
        if case is not None:
            case_ref, hh_ref, start, stop, duty = case
            lead = self.lead(hh)
            org = ref.COUNCIL
            address = hh.previous_address or hh.address
            v = self.view(f"housing:{org[0]}", "housing", "T", 6, p)
            self.f_housing.write(
                {
                    "tenant_ref": v.local_id,
                    "household_ref": hh_ref,
                    "title": self.title(p),
                    "first_name": v.given,
                    "surname": v.family,
                    "date_of_birth": fmt_uk(v.dob_shown),
                    "address": address.full,
                    "postcode": address.postcode,
                    "relationship_to_lead": self.relationship_to_lead(p, lead),
                    "record_id": f"{case_ref}-{hh.members.index(p) + 1}",
                    "record_type": "homelessness",
                    "start_date": fmt_uk(start),
                    "end_date": fmt_uk(stop),
                    "detail": duty,
                    "status": "open" if stop is None else "closed",
                }
            )

    @staticmethod
    def lead(hh: Household) -> Person:
        adults = [m for m in hh.members if m.age >= 18]
        return max(adults, key=lambda m: m.age) if adults else hh.members[0]

    def tenancy(self, p: Person, hh: Household) -> None:
        rng = self.rng
        org = ref.COUNCIL if hh.tenure == "council" else ref.HOUSING_ASSOCIATION
        code = "council" if hh.tenure == "council" else "ha"
        if hh.hid not in self.tenancies:
            lead = self.lead(hh)
            start = hh.moved_on or random_day(
                rng, max(add_years(lead.dob, 18), add_years(REF, -35)), REF
            )
            recent = (REF - start).days < 365
            if code == "council":
                detail = "Introductory tenancy" if recent else "Secure tenancy"
            else:
                detail = "Starter tenancy" if recent else "Assured tenancy"
            self.tenancies[hh.hid] = (
                self.ids.next(f"housing:{code}:ten", "TEN", 7),
                self.ids.next(f"housing:{code}:hh", "HH", 6),
                start,
                detail,
                lead,
                "",
            )
        ten_ref, hh_ref, start, detail, lead, _ = self.tenancies[hh.hid]
        if p.died_on and p.died_on < start:
            # The household moved after this member died: they are not on the new tenancy.
            return
        prefix = "T" if code == "council" else "PV"
        v = self.view(f"housing:{org[0]}", "housing", prefix, 6, p)
        base = {
            "tenant_ref": v.local_id,
            "household_ref": hh_ref,
            "title": self.title(p),
            "first_name": v.given,
            "surname": v.family,
            "date_of_birth": fmt_uk(v.dob_shown),
            "address": hh.address.full,
            "postcode": hh.address.postcode,
            "relationship_to_lead": self.relationship_to_lead(p, lead),
        }
        # Everyone in the household is on the tenancy (as in a housing management system).
        ended = lead.died_on if lead.died_on and lead is p else None
        self.f_housing.write(
            dict(
                base,
                record_id=f"{ten_ref}-{hh.members.index(p) + 1}",
                record_type="tenancy",
                start_date=fmt_uk(start),
                end_date=fmt_uk(ended),
                detail=detail,
                status="ended" if ended else "active",
            ),
            org=org,
        )
        if p.age >= 50 and p.frailty >= 0.25 and rng.random() < 0.5:
            options = ["Level-access shower", "Grab rails", "Key safe", "Ramp"]
            if not hh.address.line.startswith("Flat"):
                options += ["Stairlift", "Stairlift", "Through-floor lift"]
            astart = random_day(rng, W0, self.end_of(p))
            done = astart + timedelta(days=rng.randint(14, 120))
            status = "completed" if done <= REF else "approved"
            self.f_housing.write(
                dict(
                    base,
                    record_id=self.ids.next(f"housing:{code}:adapt", "AD", 7),
                    record_type="adaptation",
                    start_date=fmt_uk(astart),
                    end_date=fmt_uk(done if done <= REF else None),
                    detail=rng.choice(options),
                    status=status,
                ),
                org=org,
            )

    def homelessness_case(self, hh: Household) -> tuple[str, str, date, date | None, str] | None:
        if hh.hid in self.homeless:
            return self.homeless[hh.hid]
        rng = self.rng
        case = None
        chance = 0.004
        if hh.moved_on is not None:
            chance = 0.3 if hh.tenure in ("council", "housing_association") else 0.05
        elif hh.tenure == "private":
            chance = 0.012
        if rng.random() < chance:
            if hh.moved_on is not None:
                stop: date | None = hh.moved_on
                start = max(W0 - timedelta(60), hh.moved_on - timedelta(rng.randint(30, 200)))
            else:
                start = random_day(rng, W0, REF - timedelta(7))
                stop = start + timedelta(days=rng.randint(56, 300))
                if stop > REF:
                    stop = None
            duty = rng.choices(("Prevention duty", "Relief duty", "Main duty"), (45, 40, 15))[0]
            case = (
                self.ids.next("housing:hl", "HL", 7),
                self.ids.next("housing:hlhh", "HA", 6),
                start,
                stop,
                duty,
            )
        self.homeless[hh.hid] = case
        return case

    # --- voluntary sector ----------------------------------------------------------------------
    def voluntary(self, p: Person) -> None:
        rng = self.rng
        end = self.end_of(p)
        if end < W0 or p.age < 18:
            return
        alone = len(p.household.members) == 1
        c = p.conditions
        plans: list[tuple[tuple[str, str], str, str]] = []  # org, reason, activity
        if p.age >= 65 and (
            alone
            and p.age >= 70
            and rng.random() < 0.3
            or (p.frailty >= 0.25 and rng.random() < 0.15)
        ):
            reason = rng.choice(
                (
                    "Loneliness and isolation",
                    "Loneliness and isolation",
                    "Benefits advice",
                    "Help at home",
                    "Falls prevention",
                )
            )
            activity = (
                "Memory café"
                if "dementia" in c
                else rng.choice(
                    (
                        "Lunch club",
                        "Lunch club",
                        "Chair-based exercise",
                        "Walking group",
                        "Digital skills",
                    )
                )
            )
            plans.append((ref.AGE_CHARITY, reason, activity))
        if p.age >= 70 and alone and rng.random() < 0.12:
            plans.append(
                (
                    ref.BEFRIENDING_SCHEME,
                    "Loneliness and isolation",
                    rng.choice(("Befriending (home visits)", "Telephone befriending")),
                )
            )
        if 18 <= p.age < 65 and ("depression" in c or "anxiety" in c) and rng.random() < 0.04:
            plans.append(
                (
                    ref.BEFRIENDING_SCHEME,
                    "Low mood",
                    rng.choice(("Walking group", "Gardening group")),
                )
            )
        if p.cares_for and rng.random() < 0.35:
            plans.append(
                (
                    ref.CARERS_CENTRE,
                    rng.choice(
                        ("Carer support", "Carer's break", "Emotional support", "Benefits advice")
                    ),
                    rng.choice(("Carers' peer support group", "Carers' walking group")),
                )
            )
        for org, reason, activity in plans:
            system = f"voluntary:{org[0]}"
            prefix = {"VS0101": "AC", "VS0102": "CC", "VS0103": "GN"}[org[0]]
            v = self.view(system, "voluntary", prefix, 5, p)
            common = {
                "organisation_code": org[0],
                "organisation": org[1],
                "client_id": v.local_id,
                "client_name": f"{v.given} {v.family}",
                "birth_month": v.birth_month,
                "postcode": v.address.postcode,
            }
            day = random_day(rng, W0, end)
            outcome = rng.choices(
                ("Accepted", "Signposted", "Declined", "Completed"), (55, 15, 10, 20)
            )[0]
            self.vol.write(
                "Referrals",
                dict(
                    common,
                    ref=self.ids.next(f"{system}:ref", f"{prefix}R", 6),
                    referral_date=day,
                    referred_by=rng.choice(
                        (
                            "GP social prescriber",
                            "Adult social care",
                            "Self",
                            "Family",
                            "Hospital discharge team",
                            "Housing officer",
                        )
                    ),
                    reason=reason,
                    outcome=outcome,
                ),
            )
            if outcome in ("Accepted", "Completed"):
                start = day + timedelta(days=rng.randint(7, 40))
                if start <= end:
                    weeks = max(0, (end - start).days // 7)
                    self.vol.write(
                        "Social prescribing",
                        dict(
                            common,
                            ref=self.ids.next(f"{system}:sp", f"{prefix}S", 6),
                            start_date=start,
                            link_worker=f"{rng.choice(ref.GP_STAFF_FIRST)} "
                            f"{rng.choice(ref.CLINICIAN_SURNAMES)}",
                            activity=activity,
                            sessions_attended=rng.randint(0, min(60, weeks)),
                        ),
                    )
