"""Who uses a service now, from the linked record, and what decommissioning it would touch,
as counts only, with the commissioning small-number rule.

A service in the market is known in the records by a code: the provider or service code a
source system sends (a `provider_code` or `service_code` in an event's details, or the
event's own code), or, where the extract carries neither — the synthetic adult social care
extract, like the Client Level Data it follows, does not name providers — by its service
component ("Home care", "Residential care", "Day care" …). Optionally the organisation
code of the source system narrows it (one council's home care, not another's). A person
uses the service now when an event of kind service or placement matching it has started
and has not ended."""

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from onestory.commissioning.domain import suppression

USAGE_KINDS = ("service", "placement")


def _norm(text: str) -> str:
    return " ".join(text.lower().split())


@dataclass(frozen=True)
class EventFacts:
    """The parts of a source event the matching rule reads."""

    person: int
    kind: str
    start: date | None
    end: date | None
    system_org: str
    codes: tuple[str, ...]  # code, provider_code, service_code, service_component
    support_reason: str = ""


def matches(record_code: str, record_org: str, event: EventFacts, on: date) -> bool:
    """Whether the event shows its person using the service on `on`."""
    if not record_code.strip() or event.kind not in USAGE_KINDS:
        return False
    if event.start is None or event.start > on or (event.end is not None and event.end < on):
        return False
    if record_org.strip() and _norm(record_org) != _norm(event.system_org):
        return False
    return _norm(record_code) in {_norm(c) for c in event.codes if c}


def users(
    record_code: str, record_org: str, events: Iterable[EventFacts], on: date, *, excluded=()
) -> dict[int, str]:
    """People using the service on `on` (opted-out people excluded), each with the support
    reason of their matching event ("" when none)."""
    out: dict[int, str] = {}
    left_out = set(excluded)
    for e in events:
        if e.person not in left_out and matches(record_code, record_org, e, on):
            out[e.person] = out.get(e.person) or e.support_reason
    return out


@dataclass(frozen=True)
class Row:
    label: str
    people: int | None  # None when suppressed


@dataclass(frozen=True)
class Impact:
    """What decommissioning a service touches, as it may be shown to a commissioner."""

    people: int | None  # using it now; None when 1-7
    reasons: tuple[Row, ...]  # primary support reason, one per person (total shown)
    themes: tuple[Row, ...]  # plan themes; a person may have several (no total)
    with_plan: int | None
    without_plan: int | None


def _rows(counts: Counter, order: Sequence[str], *, total_shown: bool) -> tuple[Row, ...]:
    labels = [label for label in order if counts.get(label)]
    shown = suppression.suppress_counts([counts[label] for label in labels], total_shown)
    return tuple(Row(label, n) for label, n in zip(labels, shown, strict=True))


def impact(
    people_reasons: dict[int, str], themes_by_person: dict[int, frozenset[str]], theme_order
) -> Impact:
    """Aggregate the people using a service: how many, their support reasons (suppressed
    with the total shown, so secondary suppression too), and the themes of their plans
    (each theme counted once per person; primary suppression). When the number of people is
    itself small, nothing else is shown: every breakdown of a small group is small."""
    n = len(people_reasons)
    if suppression.is_small(n):
        return Impact(None, (), (), None, None)
    reasons = Counter(r or "Not recorded" for r in people_reasons.values())
    themes: Counter = Counter()
    with_plan = 0
    for person in people_reasons:
        person_themes = themes_by_person.get(person)
        if person_themes is not None:
            with_plan += 1
            themes.update(person_themes)
    plan_split = suppression.suppress_counts([with_plan, n - with_plan])
    return Impact(
        people=n,
        reasons=_rows(reasons, sorted(reasons, key=lambda r: (-reasons[r], r)), total_shown=True),
        themes=_rows(themes, list(theme_order), total_shown=False),
        with_plan=plan_split[0],
        without_plan=plan_split[1],
    )
