"""Normalised forms of names and postcodes, shared by search and linkage."""

import re
import unicodedata

_NON_ALPHA = re.compile(r"[^a-z]")
_POSTCODE = re.compile(r"^([A-Z]{1,2}[0-9][A-Z0-9]?)([0-9][A-Z]{2})$")


def name_key(value: str) -> str:
    """Lower-case letters only, accents folded: "O'Brien-Smith" -> "obriensmith"."""
    folded = unicodedata.normalize("NFKD", value or "").encode("ascii", "ignore").decode()
    return _NON_ALPHA.sub("", folded.lower())


def postcode_key(value: str) -> str:
    """Upper-case, no spaces: " sw1a 1aa " -> "SW1A1AA"."""
    return re.sub(r"\s+", "", (value or "").upper())


def format_postcode(value: str) -> str:
    """The written form with one space before the inward code, when the value is a full UK
    postcode; otherwise the upper-cased input."""
    key = postcode_key(value)
    m = _POSTCODE.match(key)
    return f"{m.group(1)} {m.group(2)}" if m else key


def is_valid_postcode(value: str) -> bool:
    """True when the value has the shape of a full UK postcode (outward + inward code)."""
    return bool(_POSTCODE.match(postcode_key(value)))
