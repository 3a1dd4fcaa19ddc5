"""A small world for the initiative register's tests: one partnership of six localities,
each with one GP practice and ten people, and emergency admissions over eight quarters
(2024Q1-2025Q4). Locality L1 runs an MDT scheme from 2025Q1 and has two fewer admissions a
quarter from then on; the others carry on as before. Small and fast: about 200 events."""

from datetime import date

from onestory.initiatives import actions
from onestory.places.models import Locality, Partnership, PracticePlace
from tests import factories as f

CODES = ("L1", "L2", "L3", "L4", "L5", "L6")
BASE = {"L1": 6, "L2": 5, "L3": 7, "L4": 6, "L5": 5, "L6": 7}
QUARTERS = [(2024, 1), (2024, 2), (2024, 3), (2024, 4), (2025, 1), (2025, 2), (2025, 3), (2025, 4)]
PEOPLE = 10


def emergency(record, on: date):
    return f.source_event(
        record,
        kind="admission",
        title="Emergency admission",
        start=on,
        end=on,
        details={"admission_method": "emergency"},
    )


def build_world(*, with_admissions: bool = True) -> dict:
    partnership = Partnership.objects.create(code="P1", name="Test Partnership")
    acute = f.source_system("acute", "RTA", "Test Hospital")
    people: dict[str, list] = {}
    gp_records: dict[str, list] = {}
    for n, code in enumerate(CODES):
        loc = Locality.objects.create(code=code, name=f"Locality {code}", partnership=partnership)
        ods = f"Y9{n:03d}"
        PracticePlace.objects.create(ods=ods, locality=loc)
        gp = f.source_system("gp", ods, f"Practice {ods}")
        people[code], gp_records[code] = [], []
        acute_records = []
        for i in range(PEOPLE):
            nhs = f.nhs_number()
            g = f.source_record(gp, nhs_number=nhs, given_name=f"P{code}{i}")
            a = f.source_record(acute, nhs_number=nhs, given_name=f"P{code}{i}")
            people[code].append(f.linked_person(g, a))
            gp_records[code].append(g)
            acute_records.append(a)
        if not with_admissions:
            continue
        k = 0
        for t, (year, q) in enumerate(QUARTERS):
            count = BASE[code] + (t * 7 + n * 5 + t * n) % 3 - 1  # a little wobble, fixed
            if code == "L1" and (year, q) >= (2025, 1):
                count -= 2
            for _ in range(count):
                emergency(acute_records[k % PEOPLE], date(year, 3 * (q - 1) + 1, 10 + k % 15))
                k += 1
    return {"partnership": partnership, "people": people, "gp_records": gp_records}


def mdt_scheme(by, **changes):
    data = actions.InitiativeInput(
        name="MDT case management in L1",
        kind="mdt_case_management",
        aims="Fewer emergency admissions of people living with frailty",
        starts_on=date(2025, 1, 6),
        people_reached=120,
        cost_pence=25_000_000,
        indicators=["emergency_admissions"],
        status="running",
        places=[("L1", "2025Q1")],
    )
    for k, v in changes.items():
        setattr(data, k, v)
    return actions.create_initiative(data, by=by)
