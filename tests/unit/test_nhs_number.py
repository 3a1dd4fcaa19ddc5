import pytest

from onestory.people.domain import nhs_number


@pytest.mark.parametrize(
    "value, valid",
    [
        ("9434765919", True),  # the worked example in NHS Digital's documentation
        ("943 476 5919", True),
        ("943-476-5919", True),
        ("9434765918", False),  # wrong check digit
        ("943476591", False),  # nine digits
        ("94347659190", False),  # eleven digits
        ("94347659a9", False),
        ("", False),
        ("9990000018", True),
        ("9990000026", True),
    ],
)
def test_is_valid_published_and_constructed_cases(value, valid):
    assert nhs_number.is_valid(value) is valid


def test_check_digit_remainder_eleven_gives_zero():
    # 10*9+9*9+8*9+7*0+6*0+5*0+4*0+3*0+2*5 = 253 = 23*11: check 11 -> 0
    assert nhs_number.check_digit("999000005") == 0
    assert nhs_number.is_valid("9990000050")


def test_check_digit_remainder_ten_has_no_valid_number():
    # 10*9+9*9+8*9+7*0+6*0+5*0+4*0+3*0+2*1 = 245; 245 mod 11 = 3 -> check 8
    assert nhs_number.check_digit("999000001") == 8
    # a stem whose check is 10 can never be valid: no final digit passes
    stem = next(
        f"999{n:06d}" for n in range(10_000) if nhs_number.check_digit(f"999{n:06d}") is None
    )
    assert not any(nhs_number.is_valid(stem + str(d)) for d in range(10))


def test_check_digit_rejects_wrong_length():
    with pytest.raises(ValueError):
        nhs_number.check_digit("12345")


def test_is_synthetic_only_for_valid_999_range():
    assert nhs_number.is_synthetic("9990000018")
    assert not nhs_number.is_synthetic("9434765919")  # valid but not in the test range
    assert not nhs_number.is_synthetic("9990000019")  # 999 but fails Modulus 11


def test_format_groups_three_three_four():
    assert nhs_number.format_nhs_number("9990000018") == "999 000 0018"
    assert nhs_number.format_nhs_number("123") == "123"
