"""Which records live at one address: a household key from an address and a postcode."""

import re

from onestory.people.domain.comparisons import address_tokens, postcode_levels
from onestory.people.domain.normalise import name_key

_NUMBER = re.compile(r"\d+[a-z]?")


def household_key(address: str, postcode: str) -> str:
    """ "LS27 2JE|5/124" for "Flat 5, 124 Poplar Walk, Kirkholme" at LS27 2JE.

    Within one full postcode (about fifteen addresses) the house and flat numbers pick out
    the address, and they survive the ways systems write the rest differently (with or
    without the locality, "Rd" or "Road"). A named house with no number keys on its first
    line's words. Empty when there is no full postcode or no address."""
    unit = postcode_levels(postcode).unit
    if not unit or not (address or "").strip():
        return ""
    numbers = _NUMBER.findall(address.lower())
    if numbers:
        return f"{unit}|{'/'.join(numbers)}"
    first_line = address.split(",")[0]
    words = address_tokens(first_line)
    return f"{unit}|{' '.join(words)}" if words else ""


def same_name(a_given: str, a_family: str, full_name: str) -> bool:
    """True when a free-text name ("Ann Example", "Mrs Ann Example") is this given and
    family name."""
    words = [name_key(w) for w in (full_name or "").split()]
    return bool(words) and name_key(a_family) == words[-1] and name_key(a_given) in words[:-1]
