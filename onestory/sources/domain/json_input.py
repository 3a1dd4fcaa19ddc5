"""JSON from outside (a GP bundle file, a POST to /fhir) read without letting it crash the
reader: nesting is measured before parsing (`limits.json_depth`), and a NUL character,
which JSON allows but the database cannot store in text, can be found and shown."""

import json
import re
from typing import Any

from onestory.sources.domain.limits import json_depth


class JsonTooDeep(ValueError):
    """The JSON nests arrays and objects deeper than the limit."""


def load_json(data: bytes, max_depth: int) -> Any:
    """Parse JSON bytes (UTF-8, -16 or -32, as `json.loads` detects them) after checking
    their nesting. Raises JsonTooDeep, or json.JSONDecodeError / UnicodeDecodeError."""
    encoding = json.detect_encoding(data)
    utf8 = data if encoding in ("utf-8", "utf-8-sig") else data.decode(encoding).encode()
    depth = json_depth(utf8)
    if depth > max_depth:
        raise JsonTooDeep(
            f"JSON nested {depth:,} levels deep, over the limit of {max_depth:,}; "
            "not read (a FHIR resource never needs that many)"
        )
    return json.loads(utf8)


# A NUL as `json.dumps` writes it: "\u0000" after an even number of backslashes.
_NUL = re.compile(r"(?<!\\)(?:\\\\)*\\u0000")
NUL_SHOWN_AS = "\u2400"


def may_hold_nul(data: bytes) -> bool:
    """False when JSON bytes certainly hold no NUL (the usual case: no need to look)."""
    return b"\\u0000" in data or json.detect_encoding(data) not in ("utf-8", "utf-8-sig")


def has_nul(value: Any) -> bool:
    """Whether any key or string in `value` holds a NUL character."""
    return bool(_NUL.search(json.dumps(value)))


def strip_nul(value: Any) -> Any:
    """`value` with every NUL shown as ␀, so a quarantined copy can be stored."""
    if isinstance(value, str):
        return value.replace("\x00", NUL_SHOWN_AS)
    if isinstance(value, dict):
        return {strip_nul(k): strip_nul(v) for k, v in value.items()}
    if isinstance(value, list):
        return [strip_nul(v) for v in value]
    return value
