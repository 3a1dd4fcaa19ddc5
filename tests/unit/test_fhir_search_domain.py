"""The pure rules behind FHIR search, formats and serving (issue 19): dates with prefixes
and partial dates, search parameters, tokens, formats refused, server meta."""

from datetime import UTC, date, datetime

import pytest

from onestory.interop.domain.formats import format_refused
from onestory.interop.domain.index import search_tokens, served, without_server_meta
from onestory.interop.domain.search import SearchError, parse_date, parse_search


@pytest.mark.parametrize(
    ("value", "op", "low", "high"),
    [
        ("2024", "eq", date(2024, 1, 1), date(2024, 12, 31)),
        ("ge2024-02", "ge", date(2024, 2, 1), date(2024, 2, 29)),
        ("lt2023-12", "lt", date(2023, 12, 1), date(2023, 12, 31)),
        ("sa2024-03-01", "sa", date(2024, 3, 1), date(2024, 3, 1)),
        ("eb2024-03-01T10:00", "eb", date(2024, 3, 1), date(2024, 3, 1)),
    ],
)
def test_parse_date_prefixes_and_partial_dates(value, op, low, high):
    bound = parse_date(value)
    assert (bound.op, bound.low, bound.high) == (op, low, high)


def test_parse_date_ap_widens_by_a_tenth_of_the_gap_to_today():
    bound = parse_date("ap2016-01-01", today=date(2026, 1, 1))
    assert bound.start < datetime(2015, 1, 1, tzinfo=UTC) < bound.end
    assert bound.end < datetime(2017, 3, 1, tzinfo=UTC)


@pytest.mark.parametrize("value", ["2024-13", "24", "zz2024", "2024-02-30"])
def test_parse_date_refuses_what_is_not_a_date(value):
    with pytest.raises(SearchError):
        parse_date(value)


def test_parse_search_reads_result_parameters():
    search = parse_search(
        "Observation",
        {
            "_count": ["0"],
            "_sort": ["-date,_id"],
            "_elements": ["code,status"],
            "_total": ["none"],
            "code": ["http://snomed.info/sct|1,2"],
            "subject:Patient.identifier": ["https://fhir.nhs.uk/Id/nhs-number|9990000018"],
        },
    )
    assert search.count == 0 and not search.wants_entries and not search.total
    assert search.sort == [("date", True), ("_id", False)]
    assert search.elements == ["code", "status"]
    assert [(t.system, t.code) for t in search.tokens["code"][0]] == [
        ("http://snomed.info/sct", "1"),
        (None, "2"),
    ]
    assert search.chained[0].code == "9990000018"
    for bad in ({"_sort": ["colour"]}, {"_summary": ["true"]}, {"_revinclude": ["X:y"]}):
        with pytest.raises(SearchError):
            parse_search("Observation", bad)


@pytest.mark.parametrize(
    ("fmt", "accept", "refused"),
    [
        ("xml", "", True),
        ("json", "application/fhir+xml", False),
        ("", "application/fhir+xml", True),
        ("", "application/xml, application/fhir+json;q=0", True),
        ("", "text/html, */*;q=0.8", False),
        ("", "", False),
    ],
)
def test_format_refused_only_when_nothing_served_is_asked_for(fmt, accept, refused):
    assert bool(format_refused(fmt, accept)) is refused


def test_search_tokens_and_server_meta():
    observation = {
        "resourceType": "Observation",
        "identifier": [{"system": "s", "value": "v"}],
        "code": {"coding": [{"system": "http://loinc.org", "code": "29463-7"}]},
        "category": [{"coding": [{"code": "vital-signs"}]}],
        "meta": {"versionId": "3", "lastUpdated": "2024-01-01T00:00:00Z", "profile": ["p"]},
    }
    assert set(search_tokens(observation)) == {
        ("identifier", "s", "v"),
        ("code", "http://loinc.org", "29463-7"),
        ("category", "", "vital-signs"),
    }
    assert without_server_meta(observation)["meta"] == {"profile": ["p"]}
    out = served(
        {"resourceType": "Observation", "id": "o", "subject": {"reference": "Patient/r"}},
        4,
        datetime(2025, 1, 2, tzinfo=UTC),
        own_refs={"Patient/r"},
        person_ref="Patient/p",
    )
    assert out["subject"]["reference"] == "Patient/p" and out["meta"]["versionId"] == "4"
