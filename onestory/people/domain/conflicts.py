"""When two people's identities conflict, so that merging them needs a second person.

Pure rules, no Django. Two people conflict when their records hold
- different valid NHS numbers (a number on one side that the other side does not hold,
  when both sides hold one),
- dates of birth more than a transposition apart (not equal, not day and month swapped,
  not two neighbouring digits swapped), or
- different recorded sex (female on one side, male on the other).
Missing values never conflict: they are not evidence either way."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from onestory.people.domain import nhs_number
from onestory.people.domain.comparisons import is_dob_transposed, normalise_sex
from onestory.people.domain.explain import FieldAgreement

NHS_NUMBER = "nhs_number"
DATE_OF_BIRTH = "date_of_birth"
SEX = "sex"

LABELS = {NHS_NUMBER: "NHS number", DATE_OF_BIRTH: "Date of birth", SEX: "Sex"}


@dataclass(frozen=True)
class IdentityFacts:
    """What one source record says about who the person is."""

    nhs_number: str = ""
    date_of_birth: date | None = None
    sex: str = ""


@dataclass(frozen=True)
class Conflict:
    """One field on which the two people disagree, with each side's values (for the page
    only: never for the audit log, which takes `field` alone)."""

    field: str
    first: tuple[str, ...]
    second: tuple[str, ...]

    @property
    def label(self) -> str:
        return LABELS[self.field]


def digits_swapped(a: str, b: str) -> bool:
    """True when `b` is `a` with exactly one pair of neighbouring characters swapped."""
    if len(a) != len(b) or a == b:
        return False
    diff = [i for i in range(len(a)) if a[i] != b[i]]
    return (
        len(diff) == 2
        and diff[1] == diff[0] + 1
        and a[diff[0]] == b[diff[1]]
        and a[diff[1]] == b[diff[0]]
    )


def within_a_transposition(a: date, b: date) -> bool:
    """Equal, day and month swapped, or two neighbouring digits of DDMMYYYY swapped."""
    if a == b or is_dob_transposed(a, b):
        return True
    return digits_swapped(a.strftime("%d%m%Y"), b.strftime("%d%m%Y"))


def nhs_style(d: date) -> str:
    """2 May 1950."""
    return f"{d.day} {d.strftime('%B %Y')}"


def _numbers(facts: Iterable[IdentityFacts]) -> set[str]:
    return {nhs_number.normalise(f.nhs_number) for f in facts if nhs_number.is_valid(f.nhs_number)}


def _sexes(facts: Iterable[IdentityFacts]) -> set[str]:
    return {s for f in facts if (s := normalise_sex(f.sex))}


def _dates(facts: Iterable[IdentityFacts]) -> set[date]:
    return {f.date_of_birth for f in facts if f.date_of_birth is not None}


def identity_conflicts(
    first: Iterable[IdentityFacts], second: Iterable[IdentityFacts]
) -> list[Conflict]:
    """The fields on which two people's records conflict, in a fixed order (NHS number,
    date of birth, sex); empty when a merge of the two needs no second person."""
    first, second = list(first), list(second)
    out: list[Conflict] = []
    na, nb = _numbers(first), _numbers(second)
    if na and nb and na != nb:
        out.append(Conflict(NHS_NUMBER, tuple(sorted(na)), tuple(sorted(nb))))
    da, db = _dates(first), _dates(second)
    if any(not within_a_transposition(x, y) for x in da for y in db):
        out.append(
            Conflict(
                DATE_OF_BIRTH,
                tuple(nhs_style(d) for d in sorted(da)),
                tuple(nhs_style(d) for d in sorted(db)),
            )
        )
    sa, sb = _sexes(first), _sexes(second)
    if sa and sb and sa != sb:
        words = {"f": "female", "m": "male"}
        out.append(
            Conflict(SEX, tuple(words[s] for s in sorted(sa)), tuple(words[s] for s in sorted(sb)))
        )
    return out


def needs_second_person(conflicts: list[Conflict]) -> bool:
    """A merge of conflicting identities waits for a different officer's confirmation."""
    return bool(conflicts)


def may_confirm(requested_by: str, confirming: str) -> bool:
    """Four eyes: the person confirming a pending merge is not the one who asked for it."""
    return bool(confirming) and confirming != requested_by


_RANK = {"agree": 0, "partial": 1, "disagree": 2, "missing": 3}


def strongest_evidence(explained: Iterable[list[FieldAgreement]]) -> list[FieldAgreement]:
    """What a merge rests on: for each field, the strongest agreement between any record of
    one person and any record of the other (agree, then partial, disagree, missing), in
    the order the fields are explained. Labels and words only, no values: safe to keep."""
    best: dict[str, FieldAgreement] = {}
    order: list[str] = []
    for fields in explained:
        for f in fields:
            if f.field not in best:
                order.append(f.field)
                best[f.field] = f
            elif _RANK.get(f.outcome, 9) < _RANK.get(best[f.field].outcome, 9):
                best[f.field] = f
    return [best[name] for name in order]
