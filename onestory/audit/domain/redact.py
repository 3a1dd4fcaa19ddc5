"""Personal details typed into free text (reasons, notes): NHS numbers, dates and postcodes.

Reasons for joining a care team, breaking glass, merging or unmerging are stored and copied
into the audit log, which must hold no identifiers. Forms refuse text where
`personal_details_in` finds any (`reason_problem` says what to remove); whatever still
arrives by another channel is masked by `mask_personal_details` before it is stored.
Pure functions, no Django. Names cannot be found this way and are not attempted."""

import re
from dataclasses import dataclass

NHS_NUMBER = "NHS number"
DATE = "date"
POSTCODE = "postcode"

_MONTHS = (
    r"jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?"
)
_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    # Ten digits, with or without spaces or dashes between the 3-3-4 groups.
    (NHS_NUMBER, re.compile(r"(?<![\d])\d{3}[ -]?\d{3}[ -]?\d{4}(?![\d])")),
    (
        DATE,
        re.compile(
            r"(?<![\d])(?:"
            r"\d{1,2}[/.\-]\d{1,2}[/.\-](?:\d{4}|\d{2})"  # 17/09/1951, 17-9-51
            r"|\d{4}-\d{1,2}-\d{1,2}"  # 1951-09-17
            rf"|\d{{1,2}}(?:st|nd|rd|th)?\s+(?:of\s+)?(?:{_MONTHS})\.?,?\s+\d{{4}}"  # 17 Sep 1951
            rf"|(?:{_MONTHS})\.?\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+\d{{4}}"  # September 17, 1951
            r")(?![\d])",
            re.IGNORECASE,
        ),
    ),
    (
        POSTCODE,
        re.compile(r"\b[A-Z]{1,2}\d[A-Z\d]?\s?\d[A-Z]{2}\b", re.IGNORECASE),
    ),
)
# "M6 2nd", "A1 3rd": ordinals typed in lower case are not postcodes.
_ORDINAL_END = re.compile(r"\d(?:st|nd|rd|th)$")
_MASKS = {
    NHS_NUMBER: "[NHS number removed]",
    DATE: "[date removed]",
    POSTCODE: "[postcode removed]",
}


@dataclass(frozen=True)
class Found:
    kind: str
    start: int
    end: int


def _find(text: str) -> list[Found]:
    found: list[Found] = []
    taken: list[tuple[int, int]] = []
    for kind, pattern in _PATTERNS:
        for m in pattern.finditer(text):
            if any(m.start() < end and start < m.end() for start, end in taken):
                continue
            if kind == POSTCODE and _ORDINAL_END.search(m.group()):
                continue
            found.append(Found(kind, m.start(), m.end()))
            taken.append((m.start(), m.end()))
    return sorted(found, key=lambda f: f.start)


def personal_details_in(text: str) -> tuple[str, ...]:
    """The kinds of personal detail in `text` (NHS number, date, postcode), each once, in
    the order they first appear; empty when none."""
    kinds: list[str] = []
    for f in _find(text or ""):
        if f.kind not in kinds:
            kinds.append(f.kind)
    return tuple(kinds)


def reason_problem(text: str, what: str = "the reason") -> str:
    """An error message for a form ("Remove the NHS number and the date from the reason
    ..."), or "" when the text holds none of the details looked for."""
    kinds = personal_details_in(text)
    if not kinds:
        return ""
    named = [f"the {k}" for k in kinds]
    listed = named[0] if len(named) == 1 else ", ".join(named[:-1]) + " and " + named[-1]
    return (
        f"Remove {listed} from {what}: it is kept in the audit log, which must not hold "
        "anything that identifies the person"
    )


def mask_personal_details(text: str) -> str:
    """`text` with every NHS number, date and postcode replaced by a marker."""
    if not text:
        return text
    out, last = [], 0
    for f in _find(text):
        out.append(text[last : f.start])
        out.append(_MASKS[f.kind])
        last = f.end
    out.append(text[last:])
    return "".join(out)
