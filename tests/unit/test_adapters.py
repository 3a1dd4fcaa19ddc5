"""The CSV and XLSX adapters: good rows become facts, each kind of bad row is quarantined
with the exact field named. Fixtures are small hand-made extracts (docs/EXTRACTS.md)."""

import csv
from datetime import date
from pathlib import Path

import pytest
from openpyxl import Workbook

from onestory.sources.domain.adapters import ExtractError, adapter_for, import_order
from onestory.sources.domain.adapters.validation import (
    DMY,
    ISO,
    SHEET,
    RowCheck,
    parse_date,
    pounds_to_pence,
    split_name,
)

TODAY = date(2025, 6, 1)
GOOD_NHS = "9434765919"  # passes Modulus 11
BAD_NHS = "9991234567"  # fails Modulus 11


def write_csv(directory: Path, name: str, rows: list[dict[str, str]]) -> Path:
    path = directory / name
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return path


def read(path: Path):
    return list(adapter_for(path).read(path, today=TODAY))


def fields(parsed) -> list[str]:
    return [p.field for p in parsed.problems]


# -- the shared toolkit ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "fmt", "expected"),
    [
        ("01/02/1950", DMY, date(1950, 2, 1)),
        ("31/13/1950", DMY, None),
        ("1950-02-01", DMY, None),
        ("1950-02-01", ISO, date(1950, 2, 1)),
        ("1950-02-30", ISO, None),
        ("1/2/50", DMY, None),
        ("2024-03-05", SHEET, date(2024, 3, 5)),
        ("05/03/2024", SHEET, date(2024, 3, 5)),
    ],
)
def test_parse_date_accepts_only_the_source_format(text, fmt, expected):
    assert parse_date(text, fmt) == expected


@pytest.mark.parametrize(
    ("text", "pence"),
    [("123.45", 12345), ("£1,200", 120000), ("0.005", 1), ("10", 1000), ("abc", None)],
)
def test_pounds_to_pence_is_integer_pence(text, pence):
    assert pounds_to_pence(text) == pence


def test_row_check_reasons_quote_the_bad_value():
    check = RowCheck(
        {"dob": "31/13/1950", "nhs_number": BAD_NHS, "postcode": "NOT A PC", "cost": "-3"},
        today=TODAY,
    )
    check.birth_date("dob", DMY)
    check.nhs_number("nhs_number")
    check.postcode("postcode")
    check.pence("cost")
    assert [(p.field, p.reason) for p in check.problems] == [
        ("dob", "date '31/13/1950' is not a valid DD/MM/YYYY date"),
        ("nhs_number", f"NHS number {BAD_NHS} fails the Modulus 11 check"),
        ("postcode", "postcode 'NOT A PC' is not a UK postcode"),
        ("cost", "cost '-3' is negative"),
    ]


def test_row_check_future_date_of_birth_is_a_problem():
    check = RowCheck({"dob": "2030-01-01"}, today=TODAY)
    assert check.birth_date("dob", ISO) is None
    assert check.problems[0].reason == "date of birth '2030-01-01' is in the future"


def test_row_check_blank_nhs_number_is_allowed():
    check = RowCheck({"nhs_number": ""})
    assert check.nhs_number() == ""
    assert check.problems == []


def test_row_check_birth_month_accepts_month_year_and_year():
    assert RowCheck({"b": "03/1950"}, today=TODAY).birth_month("b") == (1950, 3)
    assert RowCheck({"b": "1950"}, today=TODAY).birth_month("b") == (1950, None)
    check = RowCheck({"b": "13/1950"}, today=TODAY)
    assert check.birth_month("b") == (None, None)
    assert check.problems[0].field == "b"


def test_split_name_takes_last_word_as_family_name():
    assert split_name("Bill Smith") == ("Bill", "Smith")
    assert split_name("Mary Ann O'Neil") == ("Mary Ann", "O'Neil")
    assert split_name("  ") == ("", "")


# -- registry -------------------------------------------------------------------------------


def test_adapter_for_unknown_file_names_the_file():
    with pytest.raises(ExtractError, match="notes.csv: not a recognised extract"):
        adapter_for(Path("notes.csv"))


def test_adapter_for_chooses_by_name():
    assert adapter_for(Path("gp_A81001.json")).kind == "gp"
    assert adapter_for(Path("acute_admissions.csv")).kind == "acute"
    assert adapter_for(Path("community_contacts.csv")).kind == "community"
    assert adapter_for(Path("voluntary_sector.xlsx")).kind == "voluntary"


def test_import_order_puts_referrals_before_contacts():
    names = ["mental_health_contacts.csv", "housing.csv", "mental_health_referrals.csv"]
    ordered = sorted((Path(n) for n in names), key=import_order)
    assert [p.name for p in ordered][:2] == [
        "mental_health_referrals.csv",
        "mental_health_contacts.csv",
    ]


def test_csv_missing_column_is_an_extract_error(tmp_path):
    path = write_csv(tmp_path, "housing.csv", [{"tenant_ref": "T1"}])
    with pytest.raises(ExtractError, match="housing.csv: missing column"):
        read(path)


# -- acute ----------------------------------------------------------------------------------

ACUTE_PERSON = {
    "hospital_number": "H1",
    "nhs_number": GOOD_NHS,
    "surname": "Smith",
    "forename": "Ann",
    "dob": "03/04/1941",
    "sex": "F",
    "postcode": "ls1 4ap",
    "address_line": "1 High Street",
    "org_code": "RR8",
    "org_name": "Leeds Teaching Hospitals",
}


def admission(**overrides):
    row = ACUTE_PERSON | {
        "spell_id": "S1",
        "admission_method": "emergency",
        "admission_date": "01/02/2024",
        "discharge_date": "05/02/2024",
        "specialty": "Respiratory medicine",
        "primary_diagnosis_snomed": "195951007",
        "primary_diagnosis_text": "COPD exacerbation",
        "discharge_destination": "usual place of residence",
        "consultant": "Dr Patel",
    }
    return row | overrides


def test_acute_admission_good_row_becomes_person_and_event(tmp_path):
    [parsed] = read(write_csv(tmp_path, "acute_admissions.csv", [admission()]))
    assert parsed.ok and parsed.row == 2
    assert parsed.system.code == "acute:RR8"
    person = parsed.person
    assert (person.local_id, person.nhs_number, person.sex) == ("H1", GOOD_NHS, "female")
    assert person.date_of_birth == date(1941, 4, 3)
    assert person.postcode == "LS1 4AP"
    [event] = parsed.events
    assert event.title == "Emergency admission — Respiratory medicine (COPD exacerbation)"
    assert (event.kind, event.category, event.start, event.end) == (
        "admission",
        "clinical",
        date(2024, 2, 1),
        date(2024, 2, 5),
    )
    assert (event.code, event.code_system) == ("195951007", "http://snomed.info/sct")
    assert event.practitioner == "Dr Patel"
    assert event.details["discharge_destination"] == "usual place of residence"


def test_acute_admission_still_in_hospital_has_no_end(tmp_path):
    [parsed] = read(
        write_csv(
            tmp_path,
            "acute_admissions.csv",
            [admission(discharge_date="", discharge_destination="")],
        )
    )
    assert parsed.ok
    assert parsed.events[0].end is None
    assert parsed.events[0].status == "in hospital"


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"dob": "31/13/1950"}, "dob"),
        ({"dob": "01/01/2030"}, "dob"),
        ({"nhs_number": BAD_NHS}, "nhs_number"),
        ({"sex": "X"}, "sex"),
        ({"hospital_number": ""}, "hospital_number"),
        ({"spell_id": ""}, "spell_id"),
        ({"admission_date": "2024-02-01"}, "admission_date"),
        ({"discharge_date": "01/01/2024"}, "discharge_date"),
        ({"admission_method": "by helicopter"}, "admission_method"),
        ({"postcode": "12345"}, "postcode"),
        ({"org_code": ""}, "org_code"),
    ],
)
def test_acute_admission_bad_row_names_the_field(tmp_path, overrides, field):
    [parsed] = read(write_csv(tmp_path, "acute_admissions.csv", [admission(**overrides)]))
    assert not parsed.ok
    assert fields(parsed) == [field]


def test_acute_value_longer_than_store_names_the_column(tmp_path):
    rows = [admission(forename="A" * 101), admission(forename="A" * 101, spell_id="S2")]
    parsed = read(write_csv(tmp_path, "acute_admissions.csv", rows))
    assert [fields(p) for p in parsed] == [["forename"], ["forename"]]


def test_acute_ae_attendance_good_row(tmp_path):
    row = ACUTE_PERSON | {
        "attendance_id": "AE1",
        "arrival_date": "10/03/2024",
        "arrival_mode": "ambulance",
        "chief_complaint": "Fall",
        "diagnosis_snomed": "",
        "diagnosis_text": "Head injury",
        "disposal": "admitted",
        "nhs_number": "",
    }
    [parsed] = read(write_csv(tmp_path, "acute_ae_attendances.csv", [row]))
    assert parsed.ok
    assert parsed.person.nhs_number == ""
    [event] = parsed.events
    assert event.title == "A&E attendance — Fall (Head injury)"
    assert event.code_system == ""
    assert event.details == {
        "arrival_mode": "ambulance",
        "chief_complaint": "Fall",
        "disposal": "admitted",
    }


def test_csv_row_with_extra_cells_is_quarantined(tmp_path):
    path = write_csv(tmp_path, "acute_admissions.csv", [admission()])
    with path.open("a", encoding="utf-8") as fh:
        fh.write(",".join(admission(spell_id="S2").values()) + ",surplus\n")
    rows = read(path)
    assert rows[0].ok
    assert rows[1].row == 3
    assert fields(rows[1]) == ["_extra"]


# -- mental health and community ---------------------------------------------------------

TRUST_PERSON = {
    "patient_id": "MH1",
    "nhs_number": GOOD_NHS,
    "given_name": "Ann",
    "family_name": "Smith",
    "date_of_birth": "1941-04-03",
    "gender": "Female",
    "postcode": "LS1 4AP",
    "address": "1 High Street",
    "org_code": "RGD",
    "org_name": "Leeds and York Partnership",
}


def test_mental_health_referral_and_contact(tmp_path):
    referral = TRUST_PERSON | {
        "referral_id": "R1",
        "referral_date": "2024-01-10",
        "referral_source": "GP",
        "team": "Older adults CMHT",
        "reason": "Low mood",
        "status": "closed",
        "closed_date": "2024-04-01",
    }
    contact = TRUST_PERSON | {
        "contact_id": "C1",
        "referral_id": "R1",
        "contact_date": "2024-01-20",
        "contact_type": "home visit",
        "clinician": "J Jones CPN",
        "outcome": "Care plan agreed",
    }
    [ref] = read(write_csv(tmp_path, "mental_health_referrals.csv", [referral]))
    [con] = read(write_csv(tmp_path, "mental_health_contacts.csv", [contact]))
    assert ref.ok and con.ok
    assert ref.system.code == "mental_health:RGD"
    assert ref.events[0].title == "Referral to Older adults CMHT — Low mood"
    assert ref.events[0].category == "mental_health"
    assert (ref.events[0].status, ref.events[0].end) == ("closed", date(2024, 4, 1))
    assert con.events[0].title == "Home visit contact — Care plan agreed"
    assert con.events[0].details["referral_id"] == "R1"
    assert con.events[0].practitioner == "J Jones CPN"


def test_community_referral_is_community_health(tmp_path):
    row = TRUST_PERSON | {
        "org_code": "RY6",
        "referral_id": "R9",
        "referral_date": "2024-01-10",
        "referral_source": "A&E",
        "team": "Falls service",
        "reason": "Falls",
        "status": "open",
        "closed_date": "",
    }
    [parsed] = read(write_csv(tmp_path, "community_referrals.csv", [row]))
    assert parsed.system.code == "community:RY6"
    assert parsed.events[0].category == "community_health"


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"gender": "F"}, "gender"),
        ({"date_of_birth": "03/04/1941"}, "date_of_birth"),
        ({"contact_date": ""}, "contact_date"),
        ({"referral_id": ""}, "referral_id"),
    ],
)
def test_mental_health_contact_bad_row_names_the_field(tmp_path, overrides, field):
    row = TRUST_PERSON | {
        "contact_id": "C1",
        "referral_id": "R1",
        "contact_date": "2024-01-20",
        "contact_type": "telephone",
        "clinician": "",
        "outcome": "",
    }
    [parsed] = read(write_csv(tmp_path, "mental_health_contacts.csv", [row | overrides]))
    assert fields(parsed) == [field]


# -- adult social care ----------------------------------------------------------------------

ASC = {
    "la_person_id": "LA1",
    "nhs_number": "",
    "first_name": "Ann",
    "last_name": "Smith",
    "date_of_birth": "1941-04-03",
    "gender": "Female",
    "postcode": "LS1 4AP",
    "address": "1 High Street",
    "org_code": "E08000035",
    "org_name": "Leeds City Council",
    "event_reference": "E1",
    "event_type": "Service",
    "event_start_date": "2024-02-01",
    "event_end_date": "",
    "event_outcome": "",
    "client_type": "Service User",
    "primary_support_reason": "Physical Support: Personal care support",
    "route_of_access": "",
    "assessment_type": "",
    "service_type": "Long Term Support: Community",
    "service_component": "Home care",
    "delivery_mechanism": "CASSR Commissioned Support only",
    "planned_hours_per_week": "10.5",
    "unit_cost_weekly_pounds": "245.70",
    "unpaid_carer_name": "Bob Smith",
    "unpaid_carer_relationship": "Husband",
    "cared_for_la_person_id": "",
}


def test_adult_social_care_service_money_in_pence_and_carer(tmp_path):
    [parsed] = read(write_csv(tmp_path, "adult_social_care_cld.csv", [ASC]))
    assert parsed.ok
    [event] = parsed.events
    assert event.kind == "service" and event.category == "social_care"
    assert event.details["weekly_cost_pence"] == 24570
    assert event.details["planned_hours_per_week"] == 10.5
    assert event.title == "Home care — Long Term Support: Community (£245.70 a week)"
    assert event.status == "open"
    [rel] = parsed.relationships
    assert (rel.relationship, rel.related_name, rel.details) == (
        "carer",
        "Bob Smith",
        {"relationship": "Husband"},
    )


def test_adult_social_care_carer_row_names_cared_for(tmp_path):
    row = ASC | {
        "la_person_id": "LA2",
        "event_type": "Assessment",
        "client_type": "Carer",
        "assessment_type": "Carer assessment",
        "service_type": "",
        "service_component": "",
        "unit_cost_weekly_pounds": "",
        "planned_hours_per_week": "",
        "unpaid_carer_name": "",
        "cared_for_la_person_id": "LA1",
    }
    [parsed] = read(write_csv(tmp_path, "adult_social_care_cld.csv", [row]))
    assert parsed.ok
    assert parsed.events[0].title.startswith("Assessment — Carer assessment")
    assert "weekly_cost_pence" not in parsed.events[0].details
    [rel] = parsed.relationships
    assert (rel.relationship, rel.related_local_id) == ("cared_for", "LA1")


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"unit_cost_weekly_pounds": "-10"}, "unit_cost_weekly_pounds"),
        ({"unit_cost_weekly_pounds": "lots"}, "unit_cost_weekly_pounds"),
        ({"planned_hours_per_week": "-1"}, "planned_hours_per_week"),
        ({"event_type": "Visit"}, "event_type"),
        ({"event_start_date": "01/02/2024"}, "event_start_date"),
        ({"nhs_number": BAD_NHS}, "nhs_number"),
        ({"client_type": "Relative"}, "client_type"),
    ],
)
def test_adult_social_care_bad_row_names_the_field(tmp_path, overrides, field):
    [parsed] = read(write_csv(tmp_path, "adult_social_care_cld.csv", [ASC | overrides]))
    assert fields(parsed) == [field]


# -- children's services --------------------------------------------------------------------

CHILD = {
    "child_id": "C1",
    "nhs_number": "",
    "forename": "Lily",
    "surname": "Smith",
    "dob": "12/05/2015",
    "sex": "F",
    "postcode": "LS1 4AP",
    "address": "1 High Street",
    "org_code": "E08000035",
    "org_name": "Leeds City Council",
    "record_id": "CIN1",
    "record_type": "CIN",
    "start_date": "01/09/2023",
    "end_date": "",
    "category": "N1 Abuse or neglect",
    "school": "Park Primary",
    "parent_carer_name": "Jo Smith",
    "parent_carer_relationship": "Mother",
}


def test_childrens_services_row_with_parent(tmp_path):
    [parsed] = read(write_csv(tmp_path, "childrens_services.csv", [CHILD]))
    assert parsed.ok
    [event] = parsed.events
    assert (event.kind, event.category) == ("child_in_need", "children")
    assert event.title == "Child in need episode — N1 Abuse or neglect"
    [rel] = parsed.relationships
    assert (rel.relationship, rel.related_name) == ("parent", "Jo Smith")


def test_childrens_services_kinship_carer_is_carer(tmp_path):
    row = CHILD | {"parent_carer_relationship": "Grandmother (kinship carer)"}
    [parsed] = read(write_csv(tmp_path, "childrens_services.csv", [row]))
    assert parsed.relationships[0].relationship == "carer"


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"record_type": "XYZ"}, "record_type"),
        ({"dob": "2015-05-12"}, "dob"),
        ({"end_date": "01/01/2020"}, "end_date"),
        ({"child_id": ""}, "child_id"),
    ],
)
def test_childrens_services_bad_row_names_the_field(tmp_path, overrides, field):
    [parsed] = read(write_csv(tmp_path, "childrens_services.csv", [CHILD | overrides]))
    assert fields(parsed) == [field]


# -- housing --------------------------------------------------------------------------------

HOUSING = {
    "tenant_ref": "T1",
    "household_ref": "HH1",
    "title": "Mrs",
    "first_name": "Ann",
    "surname": "Smith",
    "date_of_birth": "03/04/1941",
    "address": "1 High Street",
    "postcode": "LS1 4AP",
    "relationship_to_lead": "Lead tenant",
    "org_code": "E08000035",
    "org_name": "Leeds City Council Housing",
    "record_id": "H1",
    "record_type": "adaptation",
    "start_date": "01/06/2022",
    "end_date": "",
    "detail": "Stairlift",
    "status": "completed",
}


def test_housing_household_members_relate_to_each_other(tmp_path):
    rows = [
        HOUSING,
        HOUSING
        | {
            "tenant_ref": "T2",
            "first_name": "Bob",
            "relationship_to_lead": "Partner",
            "record_id": "H2",
            "record_type": "tenancy",
            "detail": "Secure tenancy",
        },
        HOUSING | {"tenant_ref": "T3", "household_ref": "HH2", "record_id": "H3"},
    ]
    parsed = read(write_csv(tmp_path, "housing.csv", rows))
    assert all(p.ok for p in parsed)
    assert parsed[0].events[0].title == "Home adaptation — Stairlift"
    assert parsed[0].person.nhs_number == ""
    assert [(r.relationship, r.related_local_id) for r in parsed[0].relationships] == [
        ("household_member", "T2")
    ]
    assert parsed[0].relationships[0].details["relationship_to_lead"] == "Partner"
    assert [r.related_local_id for r in parsed[1].relationships] == ["T1"]
    assert parsed[2].relationships == []


def test_housing_households_are_per_landlord(tmp_path):
    rows = [
        HOUSING,
        HOUSING | {"tenant_ref": "T9", "record_id": "H9", "org_code": "HA1", "org_name": "HA"},
    ]
    parsed = read(write_csv(tmp_path, "housing.csv", rows))
    assert [p.system.code for p in parsed] == ["housing:E08000035", "housing:HA1"]
    assert parsed[0].relationships == [] and parsed[1].relationships == []


def test_housing_bad_record_type_names_the_field(tmp_path):
    [parsed] = read(write_csv(tmp_path, "housing.csv", [HOUSING | {"record_type": "repair"}]))
    assert fields(parsed) == ["record_type"]


# -- voluntary sector (XLSX) ----------------------------------------------------------------

REFERRAL_HEADER = [
    "ref",
    "organisation_code",
    "organisation",
    "client_id",
    "client_name",
    "birth_month",
    "postcode",
    "referral_date",
    "referred_by",
    "reason",
    "outcome",
]
SP_HEADER = REFERRAL_HEADER[:7] + ["start_date", "link_worker", "activity", "sessions_attended"]


def write_workbook(directory: Path, referrals: list[list], prescribing: list[list]) -> Path:
    book = Workbook()
    sheet = book.active
    sheet.title = "Referrals"
    sheet.append(REFERRAL_HEADER)
    for row in referrals:
        sheet.append(row)
    sp = book.create_sheet("Social prescribing")
    sp.append(SP_HEADER)
    for row in prescribing:
        sp.append(row)
    path = directory / "voluntary_sector.xlsx"
    book.save(path)
    return path


def test_voluntary_workbook_both_sheets(tmp_path):
    path = write_workbook(
        tmp_path,
        [
            [
                "VR1",
                "VAGE1",
                "Age UK Leeds",
                "AUK1",
                "Bill Smith",
                "03/1941",
                "LS1 4AP",
                date(2024, 1, 5),
                "GP",
                "Loneliness",
                "Befriending",
            ]
        ],
        [
            [
                "SP1",
                "VCAR1",
                "Carers Leeds",
                "CL7",
                "Mary Ann Jones",
                "1950",
                "ls2 7ab",
                "2024-02-01",
                "Sam Link",
                "walking group",
                6,
            ]
        ],
    )
    referral, prescribing = read(path)
    assert referral.ok and prescribing.ok
    assert referral.system.code == "voluntary:VAGE1"
    assert referral.system.org_name == "Age UK Leeds"
    person = referral.person
    assert (person.given_name, person.family_name) == ("Bill", "Smith")
    assert (person.birth_year, person.birth_month, person.date_of_birth) == (1941, 3, None)
    assert referral.events[0].start == date(2024, 1, 5)
    assert referral.events[0].title == "Referral to Age UK Leeds — Loneliness"
    assert prescribing.system.code == "voluntary:VCAR1"
    assert prescribing.person.birth_year == 1950 and prescribing.person.birth_month is None
    assert prescribing.person.postcode == "LS2 7AB"
    assert prescribing.events[0].title == "Social prescribing — walking group (Carers Leeds)"
    assert prescribing.events[0].details["sessions_attended"] == 6
    assert prescribing.events[0].practitioner == "Sam Link"


def test_voluntary_bad_cell_names_the_field_and_sheet_row(tmp_path):
    path = write_workbook(
        tmp_path,
        [
            [
                "VR1",
                "VAGE1",
                "Age UK Leeds",
                "AUK1",
                "Bill Smith",
                "13/1941",
                "LS1 4AP",
                "2024-01-05",
                "GP",
                "Loneliness",
                "",
            ]
        ],
        [
            [
                "SP1",
                "VCAR1",
                "Carers Leeds",
                "CL7",
                "Mary Jones",
                "",
                "",
                "2024-02-01",
                "",
                "lunch club",
                2,
            ],
            [
                "SP2",
                "VCAR1",
                "Carers Leeds",
                "CL8",
                "Jim Jones",
                "",
                "",
                "2024-02-01",
                "",
                "lunch club",
                "many",
            ],
        ],
    )
    referral, good, bad = read(path)
    assert (referral.row, fields(referral)) == (2, ["birth_month"])
    assert referral.raw["_sheet"] == "Referrals"
    assert good.ok
    assert (bad.row, fields(bad)) == (3, ["sessions_attended"])
    assert bad.raw["_sheet"] == "Social prescribing"


def test_voluntary_missing_sheet_is_an_extract_error(tmp_path):
    book = Workbook()
    book.active.title = "Referrals"
    path = tmp_path / "voluntary_sector.xlsx"
    book.save(path)
    with pytest.raises(ExtractError, match="missing sheet"):
        read(path)
