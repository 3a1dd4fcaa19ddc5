"""Finding and masking NHS numbers, dates and postcodes typed into reasons."""

import pytest

from onestory.audit.domain.redact import (
    mask_personal_details,
    personal_details_in,
    reason_problem,
)

CASES = [
    # text, kinds found
    ("Stephen Clarke NHS 9998910714 DOB 17/09/1951", ("NHS number", "date")),
    ("nhs no 999 891 0714", ("NHS number",)),
    ("number 999-891-0714 on the letter", ("NHS number",)),
    ("born 17-9-51", ("date",)),
    ("born 1951-09-17", ("date",)),
    ("born 17 September 1951", ("date",)),
    ("born 17th Sept 1951", ("date",)),
    ("born September 17, 1951", ("date",)),
    ("lives at LS1 4AB", ("postcode",)),
    ("lives at sw1a1aa now", ("postcode",)),
    ("postcode M1 1AE and NHS 9998910714", ("postcode", "NHS number")),
    # Not personal details:
    ("Admitted via A&E after a fall, needs OT assessment", ()),
    ("Referred by the district nurse team", ()),
    ("Crash on the M6 2nd junction", ()),
    ("Seen 2 May, follow-up in 6 weeks", ()),
    ("Phone 01632 960123 for the ward", ()),  # 11 digits: not an NHS number
    ("Allocated by team lead, case 12345", ()),
    ("", ()),
]


@pytest.mark.parametrize(("text", "kinds"), CASES)
def test_personal_details_in_finds_each_kind(text, kinds):
    assert personal_details_in(text) == kinds


@pytest.mark.parametrize(("text", "kinds"), CASES)
def test_mask_personal_details_leaves_nothing_to_find(text, kinds):
    masked = mask_personal_details(text)
    assert personal_details_in(masked) == ()
    assert (masked == text) == (kinds == ())


def test_mask_personal_details_replaces_with_markers():
    assert mask_personal_details("Stephen Clarke NHS 9998910714 DOB 17/09/1951") == (
        "Stephen Clarke NHS [NHS number removed] DOB [date removed]"
    )


def test_reason_problem_names_what_to_remove():
    assert reason_problem("NHS 999 891 0714").startswith("Remove the NHS number from the reason")
    assert reason_problem("9998910714 born 1/2/1950").startswith(
        "Remove the NHS number and the date from the reason"
    )
    assert reason_problem("Unconscious in A&E, no history available") == ""
