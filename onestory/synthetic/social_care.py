"""The borough's adult social care: requests, assessments, services, reviews and carers."""

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
    pounds,
)
from .noise import View, nickname
from .output import (
    fmt_iso,
)
from .population import Person, add_years, random_day


class AdultSocialCare(Parts):
    # --- adult social care ---------------------------------------------------------------
    def asc_involvement(self, p: Person) -> bool:
        if p.age < 18 or (p.died_on is not None and p.died_on < W0 + timedelta(30)):
            return False
        chance = 0.0
        if p.age >= 65:
            chance = max(0.0, min(0.92, (p.frailty - 0.16) * 2.6))
        if p.frailty >= 0.28:
            chance = max(chance, 0.35)
        c = p.conditions
        if "dementia" in c:
            chance = max(chance, 0.55)
        if "learning_disability" in c:
            chance = max(chance, 0.7)
        if any(k in c for k in ref.SMI_KINDS):
            chance = max(chance, 0.25)
        return self.rng.random() < chance

    def support_reason(self, p: Person) -> str:
        c = p.conditions
        if "learning_disability" in c:
            return "Learning Disability Support"
        if "dementia" in c:
            return "Memory and Cognition"
        if any(k in c for k in ref.SMI_KINDS):
            return "Mental Health Support"
        if p.frailty < 0.2 and len(p.household.members) == 1:
            return "Support with Social Isolation"
        if self.rng.random() < 0.75:
            return "Physical Support: Personal care support"
        return "Physical Support: Access & mobility only"

    def adult_social_care(self, p: Person, spells: list[Spell]) -> list[dict[str, Any]]:
        rng = self.rng
        system = f"adult_social_care:{ref.COUNCIL[0]}"
        end = self.end_of(p)
        reason = self.support_reason(p)
        ld = "learning_disability" in p.conditions
        long_standing = rng.random() < (0.55 if ld else 0.3)
        trigger = next(
            (
                s
                for s in spells
                if s.method == "emergency"
                and s.discharged
                and s.destination not in ("died",)
                and s.discharged < end
            ),
            None,
        )
        if long_standing:
            earliest = max(add_years(p.dob, 18), add_years(W0, -8))
            request = random_day(rng, earliest, W0 - timedelta(1))
            route = "Planned entry (transition)" if ld and p.age < 30 else "Community / other route"
            trigger = None
        elif trigger is not None and rng.random() < 0.8:
            assert trigger.discharged is not None
            request = max(trigger.admitted, trigger.discharged - timedelta(rng.randint(0, 3)))
            route = "Discharge from hospital"
        else:
            trigger = None
            request = random_day(rng, W0, end - timedelta(14))
            route = rng.choice(
                (
                    "Community / other route",
                    "Community / other route",
                    "Self-funder with depleted funds",
                    "Diversion from hospital services",
                )
            )
        rows: list[dict[str, Any]] = []
        carer = p.carer if p.carer is not None and p.carer.alive_on(request) else None
        carer_name = ""
        if carer is not None:
            known_as = nickname(rng, carer.given) if rng.random() < 0.2 else carer.given
            carer_name = f"{known_as} {carer.family}"

        def event(etype: str, start: date, stop: date | None, outcome: str, **extra: str) -> None:
            if (stop or REF) < W0 or start > end:
                return  # outside the extract's period
            v = self.view(system, "adult_social_care", "", 7, p, any_record=True)
            row = self.asc_person(v)
            row.update(
                {
                    "event_reference": self.ids.next("asc:event", "ASC", 8),
                    "event_type": etype,
                    "event_start_date": fmt_iso(start),
                    "event_end_date": fmt_iso(stop),
                    "event_outcome": outcome,
                    "client_type": "Service User",
                    "primary_support_reason": reason,
                    "unpaid_carer_name": carer_name,
                    "unpaid_carer_relationship": p.carer_relationship if carer else "",
                }
            )
            row.update(extra)
            rows.append(row)

        def close(stop: date | None) -> date | None:
            """The end of a service planned to stop on `stop` (None: open): death ends it,
            and a stop after the reference date is not known yet."""
            if p.died_on is not None and (stop is None or p.died_on < stop):
                return p.died_on
            return stop if stop is not None and stop <= REF else None

        if rng.random() < 0.07 and not ld:
            event(
                "Request",
                request,
                request,
                "Universal services / signposting",
                route_of_access=route,
            )
            return rows
        reablement = route == "Discharge from hospital" and rng.random() < 0.6
        frailest = p.frailty >= 0.36 or ("dementia" in p.conditions and p.frailty >= 0.28)
        placement = frailest and rng.random() < 0.5 and not ld
        if placement and trigger is not None and rng.random() < 0.6:
            # Straight from hospital to a care home.
            assert trigger.discharged is not None
            event("Request", request, request, "Assessment", route_of_access=route)
            assess = request
            event(
                "Assessment",
                assess,
                trigger.discharged,
                "Long term support",
                assessment_type="Care Act assessment",
            )
            trigger.destination = "care home"
            self.placement(p, trigger.discharged, event, close)
            self.reviews(trigger.discharged, end, event)
            self.carer_rows(p, carer, trigger.discharged, end, rows)
            return rows
        if reablement:
            assert trigger is not None and trigger.discharged is not None
            event(
                "Request",
                request,
                request,
                "Short term support to maximise independence",
                route_of_access=route,
            )
            start = trigger.discharged
            hours = rng.randint(7, 14)
            stop = start + timedelta(days=rng.randint(21, 42))
            ongoing = rng.random() < 0.55
            event(
                "Service",
                start,
                close(stop),
                "Long term support" if ongoing else "No services provided - no identified needs",
                service_type="Short Term Support: Reablement",
                service_component="Reablement",
                delivery_mechanism="CASSR Commissioned Support only",
                planned_hours_per_week=str(hours),
                unit_cost_weekly_pounds=pounds(hours * 2850),
            )
            if not ongoing or (p.died_on and p.died_on <= stop):
                return rows
            assess = stop
        else:
            event("Request", request, request, "Assessment", route_of_access=route)
            assess = request + timedelta(days=rng.randint(3, 28))
        if assess > end:
            return rows
        eligible = rng.random() < 0.88 or ld
        event(
            "Assessment",
            assess,
            min(assess + timedelta(rng.randint(0, 10)), REF),
            "Long term support" if eligible else "No services provided - needs not eligible",
            assessment_type="Care Act assessment",
        )
        if not eligible:
            return rows
        start = assess + timedelta(days=rng.randint(3, 21))
        if start > end:
            return rows
        if placement:
            self.placement(p, start, event, close)
        else:
            later = None
            if frailest and rng.random() < 0.3:
                later = start + timedelta(days=rng.randint(90, 700))
                if later >= end:
                    later = None
            self.community_services(p, start, close(later), event, ld)
            if later is not None:
                self.placement(p, later, event, close)
        self.reviews(start, end, event)
        self.carer_rows(p, carer, start, end, rows)
        return rows

    def placement(self, p: Person, start: date, event: Any, close: Any) -> None:
        rng = self.rng
        nursing = p.frailty >= 0.45 or rng.random() < 0.3
        weekly = rng.randint(110_000, 145_000) if nursing else rng.randint(82_000, 115_000)
        weekly -= weekly % 50
        event(
            "Service",
            start,
            close(None),
            "Long term support",
            service_type="Long Term Support: Nursing"
            if nursing
            else "Long Term Support: Residential",
            service_component="Nursing care" if nursing else "Residential care",
            delivery_mechanism="CASSR Commissioned Support only",
            unit_cost_weekly_pounds=pounds(weekly),
        )

    def community_services(
        self, p: Person, start: date, stop: date | None, event: Any, ld: bool
    ) -> None:
        rng = self.rng
        roll = rng.random()
        delivery = (
            "Direct Payment"
            if roll < 0.25
            else "CASSR Managed Personal Budget"
            if roll < 0.45
            else "CASSR Commissioned Support only"
        )
        if ld:
            hours = rng.randint(15, 50)
            component, rate = rng.choice((("Supported living", 2350), ("Day care", 1900)))
        elif any(k in p.conditions for k in ref.SMI_KINDS) and rng.random() < 0.5:
            hours, component, rate = rng.randint(4, 12), "Supported living", 2300
        else:
            hours = rng.randint(3, 8) + int(30 * p.frailty)
            component, rate = "Home care", rng.choice((2450, 2580, 2690, 2780))
        if delivery == "Direct Payment" and component == "Home care":
            component = "Direct payment"
        event(
            "Service",
            start,
            stop,
            "Long term support",
            service_type="Long Term Support: Community",
            service_component=component,
            delivery_mechanism=delivery,
            planned_hours_per_week=str(hours),
            unit_cost_weekly_pounds=pounds(hours * rate),
        )
        if rng.random() < 0.25:
            days = rng.randint(1, 3)
            event(
                "Service",
                start + timedelta(rng.randint(7, 60)),
                stop,
                "Long term support",
                service_type="Long Term Support: Community",
                service_component="Day care",
                delivery_mechanism="CASSR Commissioned Support only",
                unit_cost_weekly_pounds=pounds(days * 6800),
            )
        if p.frailty >= 0.25 and rng.random() < 0.35:
            day = start + timedelta(rng.randint(0, 30))
            event(
                "Service",
                day,
                day,
                "Long term support",
                service_type="Long Term Support: Community",
                service_component="Equipment",
                delivery_mechanism="CASSR Commissioned Support only",
                unit_cost_weekly_pounds=pounds(rng.randint(40, 600) * 100),
            )

    def reviews(self, start: date, end: date, event: Any) -> None:
        rng = self.rng
        day = add_years(start, 1)
        while day <= end:
            event(
                "Review",
                day,
                day,
                rng.choice(
                    (
                        "No change in long term support",
                        "No change in long term support",
                        "Change in long term support",
                    )
                ),
            )
            day = add_years(day, 1)

    def carer_rows(
        self, p: Person, carer: Person | None, start: date, end: date, rows: list[dict[str, Any]]
    ) -> None:
        """The unpaid carer's own assessment and support, naming the person cared for."""
        rng = self.rng
        if carer is None or rng.random() > 0.55:
            return
        day = start + timedelta(days=rng.randint(7, 90))
        if day > end or day > REF or not carer.alive_on(day):
            return
        system = f"adult_social_care:{ref.COUNCIL[0]}"
        cared_for = self.view(system, "adult_social_care", "", 7, p).local_id
        v = self.view(system, "adult_social_care", "", 7, carer)
        base = self.asc_person(v)
        base.update({"client_type": "Carer", "cared_for_la_person_id": cared_for})
        row = dict(
            base,
            event_reference=self.ids.next("asc:event", "ASC", 8),
            event_type="Assessment",
            event_start_date=fmt_iso(day),
            event_end_date=fmt_iso(day),
            event_outcome="Carer support",
            assessment_type="Carer's assessment",
        )
        rows.append(row)
        if rng.random() < 0.7:
            component, delivery, weekly = rng.choice(
                (
                    ("Direct payment", "Direct Payment", rng.randint(15, 45) * 100),
                    (
                        "Carer's break",
                        "CASSR Commissioned Support only",
                        rng.randint(60, 180) * 100,
                    ),
                    ("Information and advice", "CASSR Commissioned Support only", 0),
                )
            )
            sday = day + timedelta(days=rng.randint(7, 45))
            if sday <= REF:
                stop = p.died_on if p.died_on and p.died_on >= sday else None
                rows.append(
                    dict(
                        base,
                        event_reference=self.ids.next("asc:event", "ASC", 8),
                        event_type="Service",
                        event_start_date=fmt_iso(sday),
                        event_end_date=fmt_iso(stop),
                        event_outcome="Carer support",
                        service_type="Carer Support",
                        service_component=component,
                        delivery_mechanism=delivery,
                        unit_cost_weekly_pounds=pounds(weekly),
                    )
                )

    @staticmethod
    def asc_person(v: View) -> dict[str, Any]:
        return {
            "la_person_id": v.local_id,
            "nhs_number": v.nhs_number,
            "first_name": v.given,
            "last_name": v.family,
            "date_of_birth": fmt_iso(v.dob_shown),
            "gender": SEX_WORD[v.sex],
            "postcode": v.address.postcode,
            "address": v.address.full,
        }
