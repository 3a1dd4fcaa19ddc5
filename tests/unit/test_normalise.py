import pytest

from onestory.people.domain.normalise import (
    format_postcode,
    is_valid_postcode,
    name_key,
    postcode_key,
)


@pytest.mark.parametrize(
    "raw, key",
    [
        ("O'Brien-Smith", "obriensmith"),
        ("  Zoë ", "zoe"),
        ("MACDONALD", "macdonald"),
        ("", ""),
    ],
)
def test_name_key_folds_case_accents_and_punctuation(raw, key):
    assert name_key(raw) == key


@pytest.mark.parametrize(
    "raw, key, written",
    [
        (" sw1a 1aa ", "SW1A1AA", "SW1A 1AA"),
        ("m11ae", "M11AE", "M1 1AE"),
        ("B33 8TH", "B338TH", "B33 8TH"),
        ("not a postcode", "NOTAPOSTCODE", "NOTAPOSTCODE"),
    ],
)
def test_postcode_key_and_written_form(raw, key, written):
    assert postcode_key(raw) == key
    assert format_postcode(raw) == written


@pytest.mark.parametrize(
    "value, valid",
    [("SW1A 1AA", True), ("M1 1AE", True), ("CR2 6XH", True), ("SW1A", False), ("12345", False)],
)
def test_is_valid_postcode_shape(value, valid):
    assert is_valid_postcode(value) is valid
