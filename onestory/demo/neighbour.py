"""A second partnership on the demo installation (ADR 0026): Brookvale, next to Ashbridge,
with its own GP practice, council and commissioner, three staff logins and a few people of
its own (a small GP extract in `<out>/neighbour/`, imported with the borough's extracts so
that one linkage run covers both: `import_neighbour`). Ashbridge's
organisations are put in Ashbridge's partnership. One Brookvale person is cared for across
the boundary: Ashbridge's district nurse is in her care team, so nurse.demo sees her record
and nobody else in Ashbridge does. Demo only; safe to repeat (the extract is rewritten only
when it would change, and every step is idempotent)."""

import json
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from onestory.demo.common import DEMO_PASSWORD, DemoLogin, _require_demo_environment

PARTNERSHIP = ("BRK", "Brookvale Health and Care Partnership")
LOCALITY = ("BRK-C", "Brookvale Central")
PRACTICE = ("N85001", "Brookvale Green Surgery")
COUNCIL = ("E08000998", "Brookvale Metropolitan Borough Council")
COMMISSIONER = ("BRK-ICB", "Brookvale Health and Care Partnership (commissioner)")
# Brookvale's organisations: never Ashbridge's demo logins' (onestory.demo.staff).
ORGANISATION_CODES = (PRACTICE[0], COUNCIL[0], COMMISSIONER[0])

# (username, role, organisation code, job title, first name, last name)
STAFF = (
    ("gp.brookvale", "gp", PRACTICE[0], "GP partner", "Imran", "Siddiqui"),
    ("socialworker.brookvale", "social_worker", COUNCIL[0], "Social worker", "Erin", "Doyle"),
    ("commissioner.brookvale", "commissioner", COMMISSIONER[0], "Commissioning manager",
     "Lucy", "Barnes"),
)  # fmt: skip

# Synthetic Brookvale residents: (given, family, sex, date of birth, postcode). The first is
# cared for across the boundary by Ashbridge's district nursing team.
PEOPLE = (
    ("Winifred", "Ashworth", "female", date(1938, 2, 11), "BV1 4QT"),
    ("Harold", "Pemberton", "male", date(1944, 9, 23), "BV2 7LN"),
    ("Sunita", "Varma", "female", date(1961, 5, 2), "BV1 2HD"),
    ("Kieran", "Molloy", "male", date(1979, 12, 30), "BV3 9AX"),
)
ACROSS_THE_BOUNDARY = ("nurse.demo", "District nursing after discharge from Ashbridge hospital")


@dataclass(frozen=True)
class Neighbour:
    partnership: str
    people: int
    logins: list[DemoLogin]
    across_the_boundary: str  # the Ashbridge login in a Brookvale person's care team, or ""


def _nhs_numbers(count: int) -> list[str]:
    """Synthetic NHS numbers (999 range, Modulus 11) from the top of the range, skipping any
    another source system already holds, so Brookvale's people never link to Ashbridge's."""
    from onestory.people.domain.nhs_number import check_digit
    from onestory.sources.models import SourceRecord

    out: list[str] = []
    n = 999_999
    while len(out) < count:
        first_nine = f"999{n:06d}"
        n -= 1
        digit = check_digit(first_nine)
        if digit is None:
            continue
        number = f"{first_nine}{digit}"
        taken = (
            SourceRecord.objects.filter(nhs_number=number)
            .exclude(system__org_code=PRACTICE[0])
            .exists()
        )
        if not taken:
            out.append(number)
    return out


def gp_bundle(numbers: list[str]) -> dict:
    """The Brookvale practice's GP extract: the practice, its people, one consultation each."""
    from onestory.sources.domain.adapters.fhir_gp import ODS_SYSTEM
    from onestory.synthetic.common import ACT_CODE, NHS_SYSTEM

    ods, name = PRACTICE
    entries = [
        {
            "resourceType": "Organization",
            "id": ods,
            "identifier": [{"system": ODS_SYSTEM, "value": ods}],
            "name": name,
        }
    ]
    for i, ((given, family, sex, born, postcode), nhs) in enumerate(
        zip(PEOPLE, numbers, strict=True), 1
    ):
        pid = f"{ods.lower()}-p{i}"
        entries.append(
            {
                "resourceType": "Patient",
                "id": pid,
                "identifier": [{"system": NHS_SYSTEM, "value": nhs}],
                "name": [{"use": "official", "family": family, "given": [given]}],
                "gender": sex,
                "birthDate": born.isoformat(),
                "address": [
                    {"use": "home", "line": [f"{i} Green Lane"], "city": "Brookvale",
                     "postalCode": postcode}
                ],
                "generalPractitioner": [{"reference": f"Organization/{ods}"}],
            }
        )  # fmt: skip
        entries.append(
            {
                "resourceType": "Encounter",
                "id": f"{pid}-e1",
                "status": "finished",
                "class": {"system": ACT_CODE, "code": "AMB"},
                "type": [{"text": "GP consultation"}],
                "subject": {"reference": f"Patient/{pid}"},
                "period": {"start": date(2025, 10, 6 + i).isoformat()},
            }
        )
    return {
        "resourceType": "Bundle",
        "id": f"gp-{ods.lower()}",
        "type": "transaction",
        "entry": [
            {"resource": r, "request": {"method": "PUT", "url": f"{r['resourceType']}/{r['id']}"}}
            for r in entries
        ],
    }


def write_extract(folder: Path) -> Path:
    """Write the GP extract into `folder` unless it already holds the same one."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"gp_{PRACTICE[0]}.json"
    text = json.dumps(gp_bundle(_nhs_numbers(len(PEOPLE))), indent=1) + "\n"
    if not path.is_file() or path.read_text(encoding="utf-8") != text:
        path.write_text(text, encoding="utf-8")
    return path


def import_neighbour(out: Path, *, by):
    """Write and import Brookvale's GP extract (before the borough is linked, or linked at
    once into the current run)."""
    from onestory.sources.actions import import_path

    return import_path(write_extract(out / "neighbour"), by=by)


def _places(*, by):
    from onestory.places.actions import load_catalogue
    from onestory.places.domain.catalogue import (
        Catalogue,
        LocalityRow,
        PartnershipRow,
        PracticeRow,
    )
    from onestory.places.models import Partnership

    code, name = PARTNERSHIP
    load_catalogue(
        Catalogue(
            partnerships=[PartnershipRow(code, name, COUNCIL[0], COUNCIL[1])],
            localities=[LocalityRow(LOCALITY[0], LOCALITY[1], code)],
            practices=[PracticeRow(PRACTICE[0], LOCALITY[0])],
        ),
        source="demo",
        by=by,
    )
    return Partnership.objects.get(code=code)


def _assign_home_organisations(*, by) -> None:
    """Ashbridge's organisations (every one without a partnership) join Ashbridge's."""
    from onestory.access.actions import create_organisation
    from onestory.access.models import Organisation
    from onestory.places.demo import PARTNERSHIP as HOME
    from onestory.places.models import Partnership

    home = Partnership.objects.filter(code=HOME).first()
    if home is None:
        return
    for org in Organisation.objects.filter(partnership__isnull=True):
        create_organisation(code=org.code, name=org.name, kind=org.kind, partnership=home, by=by)


def create_neighbour(out: Path, *, by, password: str = DEMO_PASSWORD) -> Neighbour:
    """The rest, in order, once the borough (with `import_neighbour`'s people) is linked and
    its places and logins made."""
    _require_demo_environment()
    from onestory.access.actions import create_organisation, create_staff_member, join_care_team
    from onestory.access.models import OrganisationKind, StaffMember
    from onestory.people.models import PersonLink

    _assign_home_organisations(by=by)
    brookvale = _places(by=by)
    kinds = {
        PRACTICE[0]: OrganisationKind.GP_PRACTICE,
        COUNCIL[0]: OrganisationKind.ADULT_SOCIAL_CARE,
        COMMISSIONER[0]: OrganisationKind.COMMISSIONER,
    }
    orgs = {
        code: create_organisation(
            code=code, name=name, kind=kinds[code], partnership=brookvale, by=by
        )
        for code, name in (PRACTICE, COUNCIL, COMMISSIONER)
    }
    logins = []
    for username, role, org_code, title, first, last in STAFF:
        create_staff_member(
            username=username,
            password=password,
            organisation=orgs[org_code],
            role=role,
            job_title=title,
            first_name=first,
            last_name=last,
            by=by,
        )
        logins.append(DemoLogin(username, password, role, orgs[org_code].name))
    people = list(
        PersonLink.objects.filter(run__is_current=True, record__system__org_code=PRACTICE[0])
        .order_by("record__local_id")
        .values_list("person", flat=True)
    )
    across = ""
    nurse = StaffMember.objects.filter(user__username=ACROSS_THE_BOUNDARY[0]).first()
    if people and nurse is not None:
        from onestory.people.models import Person

        person = Person.objects.get(pk=people[0])
        join_care_team(person=person, staff=nurse, reason=ACROSS_THE_BOUNDARY[1], by=by)
        across = ACROSS_THE_BOUNDARY[0]
    return Neighbour(PARTNERSHIP[0], len(people), logins, across)
