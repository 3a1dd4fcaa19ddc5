"""People and carers from CSV files (for `onestory sharedlives match`): each bad row is
reported with the file, row and field, and the good rows are kept. Columns are documented in
docs/SHARED_LIVES.md; lists are separated by `;`."""

import csv
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from onestory.sharedlives.domain import matching, places
from onestory.sharedlives.domain.matching import Carer, Person

PEOPLE_REQUIRED = ("id", "postcode", "needs", "must_not", "preferences")
PEOPLE_OPTIONAL = ("support", "safeguarding", "max_km", "starts")
CARERS_REQUIRED = ("id", "postcode", "capacity", "offers", "household")
CARERS_OPTIONAL = (
    "skills", "accessibility", "interests", "languages", "faith", "safeguarding", "approved",
    "available_from",
)  # fmt: skip


@dataclass(frozen=True)
class RowError:
    file: str
    row: int  # the line in the file; the header is row 1
    field: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}: row {self.row}" if self.row else self.file
        return (
            f"{where}, field {self.field}: {self.message}"
            if self.field
            else f"{where}: {self.message}"
        )


class _Bad(ValueError):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


def tokens(text: str) -> frozenset[str]:
    return frozenset(
        "_".join(part.strip().lower().split()) for part in (text or "").split(";") if part.strip()
    )


def _read(path: Path, required: tuple[str, ...], build: Callable[[dict[str, str]], Any]):
    name = path.name
    items: list[Any] = []
    errors: list[RowError] = []
    try:
        handle = path.open(newline="", encoding="utf-8-sig")
    except OSError as error:
        return [], [RowError(name, 0, "", f"cannot be read ({error.strerror})")]
    with handle:
        try:
            reader = csv.DictReader(handle)
            header = [h.strip() for h in (reader.fieldnames or [])]
            missing = [c for c in required if c not in header]
            if missing:
                return [], [RowError(name, 1, ", ".join(missing), "missing column(s)")]
            reader.fieldnames = header
            seen: set[str] = set()
            for row in reader:
                line = reader.line_num
                values = {k: (v or "").strip() for k, v in row.items() if k is not None}
                try:
                    item = build(values)
                    if item.id in seen:
                        raise _Bad("id", f"duplicate id {item.id!r}")
                except _Bad as bad:
                    errors.append(RowError(name, line, bad.field, str(bad)))
                    continue
                seen.add(item.id)
                items.append(item)
        except (csv.Error, UnicodeDecodeError) as error:
            errors.append(RowError(name, 0, "", f"not a readable CSV file ({error})"))
    return items, errors


def _id(values: dict[str, str]) -> str:
    if not values.get("id"):
        raise _Bad("id", "an id is required")
    return values["id"]


def _postcode(values: dict[str, str]) -> str:
    text = values.get("postcode", "")
    if not places.is_postcode(text):
        raise _Bad("postcode", f"not a postcode: {text!r}" if text else "a postcode is required")
    return text


def _choice(values: dict[str, str], field: str, allowed, default: frozenset[str]) -> frozenset[str]:
    chosen = tokens(values.get(field, "")) or default
    unknown = chosen - frozenset(allowed)
    if unknown:
        raise _Bad(field, f"unknown {', '.join(sorted(unknown))}; use {', '.join(allowed)}")
    return chosen


def _date(values: dict[str, str], field: str) -> date | None:
    text = values.get(field, "")
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise _Bad(field, f"not a date (YYYY-MM-DD): {text!r}") from None


def person(values: dict[str, str]) -> Person:
    pid = _id(values)
    postcode = _postcode(values)
    support = _choice(values, "support", matching.OFFERS, frozenset({"long_term"}))
    if len(support) != 1:
        raise _Bad("support", "give one kind of support")
    max_km = None
    if values.get("max_km"):
        try:
            max_km = float(values["max_km"])
        except ValueError:
            raise _Bad("max_km", f"not a number: {values['max_km']!r}") from None
        if not 0 <= max_km <= 1000:
            raise _Bad("max_km", "must be from 0 to 1000")
    return Person(
        id=pid,
        postcode=postcode,
        needs=tokens(values.get("needs", "")),
        must_not=tokens(values.get("must_not", "")),
        preferences=tokens(values.get("preferences", "")),
        support=next(iter(support)),
        safeguarding=_choice(
            values, "safeguarding", tuple(matching.SAFEGUARDING_EXCLUDES), frozenset()
        ),
        max_km=max_km,
        starts=_date(values, "starts"),
    )


def carer(values: dict[str, str]) -> Carer:
    cid = _id(values)
    postcode = _postcode(values)
    try:
        capacity = int(values.get("capacity", ""))
    except ValueError:
        raise _Bad("capacity", f"not a whole number: {values.get('capacity', '')!r}") from None
    if capacity < 0:
        raise _Bad("capacity", "cannot be negative")
    offers = _choice(values, "offers", matching.OFFERS, frozenset())
    if not offers:
        raise _Bad("offers", "at least one of " + ", ".join(matching.OFFERS))
    approved = values.get("approved", "").lower() or "yes"
    if approved not in ("yes", "no", "true", "false", "1", "0"):
        raise _Bad("approved", f"use yes or no, not {approved!r}")
    return Carer(
        id=cid,
        postcode=postcode,
        capacity=capacity,
        offers=offers,
        household=tokens(values.get("household", "")),
        skills=tokens(values.get("skills", "")),
        accessibility=tokens(values.get("accessibility", "")),
        interests=tokens(values.get("interests", "")),
        languages=tokens(values.get("languages", "")),
        faith=tokens(values.get("faith", "")),
        safeguarding=tokens(values.get("safeguarding", "")),
        approved=approved in ("yes", "true", "1"),
        available_from=_date(values, "available_from"),
    )


def read_people(path: Path) -> tuple[list[Person], list[RowError]]:
    return _read(path, PEOPLE_REQUIRED, person)


def read_carers(path: Path) -> tuple[list[Carer], list[RowError]]:
    return _read(path, CARERS_REQUIRED, carer)
