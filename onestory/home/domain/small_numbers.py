"""Small-number suppression for aggregate figures shown to commissioners and analysts: a
count from 1 to 7 could single a person out, so it is shown as "fewer than 8". Zero is shown
(it identifies nobody), and so is every count of 8 or more. Pure."""

from dataclasses import dataclass

THRESHOLD = 8  # counts below this (and above zero) are suppressed


@dataclass(frozen=True)
class Count:
    """A count as it may be shown: `value` is None when suppressed."""

    value: int | None

    @property
    def suppressed(self) -> bool:
        return self.value is None

    def __str__(self) -> str:
        return f"fewer than {THRESHOLD}" if self.value is None else f"{self.value:,}"


def suppress(n: int) -> Count:
    if n < 0:
        raise ValueError(f"a count cannot be negative: {n}")
    return Count(None if 0 < n < THRESHOLD else n)
