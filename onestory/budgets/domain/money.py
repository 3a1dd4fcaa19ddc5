"""Money as integer pence: parsing pounds, formatting, and the rounding the rules use."""

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

PENCE_PER_POUND = 100


def pounds_to_pence(value: str | int | Decimal) -> int:
    """Pounds (e.g. "1234.5", 1234, Decimal("0.01")) to integer pence, rounding half a penny
    up. ValueError when the text is not a number."""
    try:
        amount = Decimal(str(value).replace(",", "").replace("£", "").strip())
    except InvalidOperation:
        raise ValueError(f"not an amount of money: {value!r}") from None
    if not amount.is_finite():
        raise ValueError(f"not an amount of money: {value!r}")
    return int((amount * PENCE_PER_POUND).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def pence_to_pounds(pence: int) -> Decimal:
    """Integer pence to a Decimal number of pounds with exactly two decimal places."""
    return (Decimal(pence) / PENCE_PER_POUND).quantize(Decimal("0.01"))


def format_pounds(pence: int) -> str:
    """£1,234.56 (and -£5.00 for a negative amount)."""
    sign = "-" if pence < 0 else ""
    return f"{sign}£{pence_to_pounds(abs(pence)):,}"


def ceil_div(numerator: int, denominator: int) -> int:
    """Whole steps needed to cover `numerator`, for "every £250 or part of £250"."""
    return -(-numerator // denominator)


def clamp(value: int, low: int, high: int) -> int:
    return max(low, min(value, high))


def times_rate(pence: int, rate: Decimal) -> int:
    """`pence` × `rate`, rounded half up to a whole penny."""
    return int((Decimal(pence) * rate).quantize(Decimal(1), rounding=ROUND_HALF_UP))
