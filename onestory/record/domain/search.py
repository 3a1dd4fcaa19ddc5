"""What a person search asks for, parsed and checked without touching the database.

A search form or API call hands in free text; `parse_search` turns it into a `SearchQuery`
of normalised keys (the same keys linkage stores on `SourceRecord`), or raises
`SearchQueryError` naming each field that could not be understood."""

import re
from dataclasses import dataclass, field
from datetime import date, datetime

from onestory.people.domain import nhs_number as nhs
from onestory.people.domain.comparisons import are_name_variants
from onestory.people.domain.normalise import is_valid_postcode, name_key, postcode_key

# A name matches when every part starts the same as the record's (as typed so far), is a
# listed nickname of it, or is this close to it by Jaro–Winkler ("Joyse" for "Joyce").
NAME_MATCH_THRESHOLD = 0.85

# An outward code on its own ("LS2", "SW1A"): matches every postcode in that district.
_DISTRICT = re.compile(r"^[A-Z]{1,2}[0-9][A-Z0-9]?$")
_DOB_FORMATS = ("%d/%m/%Y", "%Y-%m-%d")


class SearchQueryError(ValueError):
    """One or more search fields could not be understood; `errors` maps field to message."""

    def __init__(self, errors: dict[str, str]):
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


@dataclass(frozen=True)
class PostcodeCriterion:
    """`exact`: a full postcode; `district`: an outward code ("LS2"); `sector`: an outward
    code and the start of the inward code ("LS2 5"); `prefix`: anything else."""

    key: str
    mode: str
    outward: str = ""

    @property
    def pattern(self) -> str:
        """A regular expression over normalised postcodes (upper case, no spaces) that keeps
        the outward code whole, so "LS2" never matches "LS25 1AB". Empty for `exact` and
        `prefix`, which need none."""
        if self.mode == "district":
            return rf"^{self.key}[0-9][A-Z]{{2}}$"
        if self.mode == "sector":
            rest = 3 - (len(self.key) - len(self.outward))
            return rf"^{self.key}[0-9A-Z]{{{rest}}}$"
        return ""


@dataclass(frozen=True)
class SearchQuery:
    """Normalised search criteria. Name tokens are `name_key`s, matched as prefixes."""

    name_tokens: tuple[str, ...] = ()
    date_of_birth: date | None = None
    nhs_number: str = ""
    postcode: PostcodeCriterion | None = None
    criteria: tuple[str, ...] = field(default=())

    def __post_init__(self) -> None:
        kinds = []
        if self.name_tokens:
            kinds.append("name")
        if self.date_of_birth is not None:
            kinds.append("dob")
        if self.nhs_number:
            kinds.append("nhs_number")
        if self.postcode is not None:
            kinds.append("postcode")
        object.__setattr__(self, "criteria", tuple(kinds))

    @property
    def is_empty(self) -> bool:
        return not self.criteria

    @property
    def precise(self) -> bool:
        """Precise enough to name one person (ADR 0011): an NHS number, or a name with a
        full date of birth. Only a precise query lists people the searcher has no
        relationship with, and then only to confirm who they are."""
        return bool(self.nhs_number) or bool(self.name_tokens and self.date_of_birth)

    def postcode_matches(self, key: str) -> bool:
        """The postcode criterion against a normalised postcode (True when there is none)."""
        pc = self.postcode
        if pc is None:
            return True
        if pc.mode == "exact":
            return key == pc.key
        if not key.startswith(pc.key):
            return False
        return not pc.pattern or re.match(pc.pattern, key) is not None


def jaro_winkler(a: str, b: str) -> float:
    """Jaro–Winkler similarity of two strings, 0 (nothing alike) to 1 (the same)."""
    if a == b:
        return 1.0 if a else 0.0
    if not a or not b:
        return 0.0
    window = max(0, max(len(a), len(b)) // 2 - 1)
    taken = [False] * len(b)
    a_matched = []
    for i, ch in enumerate(a):
        for j in range(max(0, i - window), min(len(b), i + window + 1)):
            if not taken[j] and b[j] == ch:
                taken[j] = True
                a_matched.append(ch)
                break
    m = len(a_matched)
    if m == 0:
        return 0.0
    b_matched = [b[j] for j in range(len(b)) if taken[j]]
    transpositions = sum(x != y for x, y in zip(a_matched, b_matched, strict=True)) / 2
    jaro = (m / len(a) + m / len(b) + (m - transpositions) / m) / 3
    prefix = 0
    for x, y in zip(a[:4], b[:4], strict=False):
        if x != y:
            break
        prefix += 1
    return jaro + prefix * 0.1 * (1 - jaro)


def _given_score(typed: str, given: str) -> float:
    if not given:
        return 0.0
    if given.startswith(typed) or are_name_variants(typed, given):
        return 1.0
    return jaro_winkler(typed, given)


def _family_score(typed: str, family: str) -> float:
    if not family:
        return 0.0
    if family.startswith(typed):
        return 1.0
    return jaro_winkler(typed, family)


def name_score(tokens: tuple[str, ...], given: str, family: str) -> float:
    """How well typed name tokens (name keys) match a record's normalised given and family
    names: 1 for a match as typed (each part a prefix, either way round, the words split
    between given and family names at any point) or a listed nickname, otherwise the
    weaker part's Jaro–Winkler similarity. 1 when no name was typed."""
    if not tokens:
        return 1.0
    if len(tokens) == 1:
        return max(_given_score(tokens[0], given), _family_score(tokens[0], family))
    best = 0.0
    for i in range(1, len(tokens)):
        head, rest = "".join(tokens[:i]), "".join(tokens[i:])
        best = max(
            best,
            min(_given_score(head, given), _family_score(rest, family)),
            min(_family_score(head, family), _given_score(rest, given)),
        )
    return best


def name_block_prefixes(tokens: tuple[str, ...]) -> list[tuple[str, str]]:
    """(given prefix, family prefix) pairs that every record a name search may match
    starts with: the first letter of each part, either way round; one word alone blocks on
    its first two letters in either field (given prefix "" or family prefix "" meaning
    that field is not constrained). Typos after the first letter are then ranked by
    `name_score` within that block."""
    if not tokens:
        return []
    if len(tokens) == 1:
        return [(tokens[0][:2], ""), ("", tokens[0][:2])]
    pairs: list[tuple[str, str]] = []
    for i in range(1, len(tokens)):
        head, rest = "".join(tokens[:i]), "".join(tokens[i:])
        for pair in ((head[:1], rest[:1]), (rest[:1], head[:1])):
            if pair not in pairs:
                pairs.append(pair)
    return pairs


def parse_date_of_birth(value: str) -> date:
    """Accept DD/MM/YYYY (as people write it in England) or YYYY-MM-DD (ISO)."""
    text = (value or "").strip()
    for fmt in _DOB_FORMATS:
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise ValueError("Enter a date of birth like 31/03/1950 or 1950-03-31")


def parse_postcode(value: str) -> PostcodeCriterion:
    key = postcode_key(value)
    if is_valid_postcode(key):
        return PostcodeCriterion(key, "exact")
    parts = (value or "").upper().split()
    # Written with a space, the outward code is known: "LS2 5" is sector 5 of LS2.
    if len(parts) == 2 and _DISTRICT.match(parts[0]) and re.match(r"^[0-9][A-Z]?$", parts[1]):
        return PostcodeCriterion(key, "sector", outward=parts[0])
    if _DISTRICT.match(key):
        return PostcodeCriterion(key, "district", outward=key)
    if len(key) >= 2 and key.isalnum():
        return PostcodeCriterion(key, "prefix")
    raise ValueError("Enter a full postcode like LS2 5ZN, or the first part like LS2")


def parse_search(
    *, name: str = "", dob: str = "", nhs_number: str = "", postcode: str = ""
) -> SearchQuery:
    """Check and normalise free-text criteria. Blank fields are ignored; at least one
    field must be given."""
    errors: dict[str, str] = {}
    tokens = tuple(t for t in (name_key(part) for part in (name or "").split()) if t)
    if (name or "").strip() and not tokens:
        errors["name"] = "Enter a name using letters"

    date_of_birth = None
    if (dob or "").strip():
        try:
            date_of_birth = parse_date_of_birth(dob)
        except ValueError as exc:
            errors["dob"] = str(exc)
        else:
            if date_of_birth > date.today():
                errors["dob"] = "Date of birth must be in the past"

    number = ""
    if (nhs_number or "").strip():
        number = nhs.normalise(nhs_number.strip())
        if len(number) != 10 or not number.isdigit():
            errors["nhs_number"] = "NHS number must be 10 digits, like 999 123 4561"
        elif not nhs.is_valid(number):
            errors["nhs_number"] = "This is not a valid NHS number: check the digits"

    criterion = None
    if (postcode or "").strip():
        try:
            criterion = parse_postcode(postcode)
        except ValueError as exc:
            errors["postcode"] = str(exc)

    if errors:
        raise SearchQueryError(errors)
    query = SearchQuery(tokens, date_of_birth, number, criterion)
    if query.is_empty:
        raise SearchQueryError(
            {"name": "Enter a name, date of birth, NHS number or postcode to search"}
        )
    return query
