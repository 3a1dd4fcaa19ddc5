"""NHS numbers: ten digits, the last a Modulus 11 check digit."""

WEIGHTS = (10, 9, 8, 7, 6, 5, 4, 3, 2)


def check_digit(first_nine: str) -> int | None:
    """The Modulus 11 check digit for nine digits, or None when no valid digit exists
    (a remainder giving 10)."""
    if len(first_nine) != 9 or not first_nine.isdigit():
        raise ValueError("need exactly nine digits")
    total = sum(int(d) * w for d, w in zip(first_nine, WEIGHTS, strict=True))
    check = 11 - (total % 11)
    if check == 11:
        return 0
    if check == 10:
        return None
    return check


def normalise(value: str) -> str:
    """Strip the spaces and hyphens people write NHS numbers with ("999 123 4561")."""
    return "".join(ch for ch in (value or "") if ch not in " -")


def is_valid(value: str) -> bool:
    """True for ten digits whose last digit is the Modulus 11 check of the first nine."""
    digits = normalise(value)
    if len(digits) != 10 or not digits.isdigit():
        return False
    return check_digit(digits[:9]) == int(digits[9])


def is_synthetic(value: str) -> bool:
    """Synthetic (test) NHS numbers are issued from the 999 range."""
    return is_valid(value) and normalise(value).startswith("999")


def format_nhs_number(value: str) -> str:
    """The 3-3-4 grouping used on screen: 999 123 4561."""
    d = normalise(value)
    return f"{d[:3]} {d[3:6]} {d[6:]}" if len(d) == 10 else value
