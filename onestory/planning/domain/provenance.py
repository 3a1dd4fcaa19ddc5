"""Who said each statement of a care and support plan, and whether it may be shown as the
person's own words.

A statement is in the person's voice only when the person (or the representative they
chose) wrote it or confirmed its exact current words. A professional can propose words and
change them, but every professional change leaves a draft; no professional act, not even
restoring an earlier version the person had confirmed, can make a draft the person's words.
Confirmation is bound to the text: if the words change, the confirmation no longer applies.
"""

from collections.abc import Iterable
from dataclasses import dataclass, replace

PERSON = "person"
REPRESENTATIVE = "representative"
PROFESSIONAL = "professional"
# Proposed by another organisation's system (an imported CarePlan): a draft like any other.
IMPORTED = "imported"
AUTHOR_KINDS = (PERSON, REPRESENTATIVE, PROFESSIONAL, IMPORTED)
# The only authors whose words or confirmation make a statement the person's.
VOICES = frozenset({PERSON, REPRESENTATIVE})

DRAFT = "draft"
CONFIRMED = "confirmed"

# How a statement is shown.
OWN_WORDS = "own_words"
ON_BEHALF = "on_behalf"
NOT_CONFIRMED = "draft"


class ProvenanceError(ValueError):
    """A change the provenance rules do not allow (the message says why, in plain words)."""


@dataclass(frozen=True)
class Author:
    kind: str  # one of AUTHOR_KINDS
    label: str  # "The person", the representative's name, or the professional's name

    def __post_init__(self) -> None:
        if self.kind not in AUTHOR_KINDS:
            raise ValueError(f"unknown author kind {self.kind!r}")

    @property
    def is_voice(self) -> bool:
        return self.kind in VOICES


@dataclass(frozen=True)
class Statement:
    """One statement as it stands: its words, who wrote them and whether they are confirmed
    (and by whom, for exactly which words)."""

    text: str
    written_by: Author
    status: str = DRAFT
    confirmed_by: Author | None = None
    confirmed_text: str = ""


def author_kind_for_role(role: str) -> str:
    """The author kind of an audited actor's role: the person, their representative, a
    system import, or (any staff role) a professional."""
    if role == "person":
        return PERSON
    if role == "representative":
        return REPRESENTATIVE
    if role == "system":
        return IMPORTED
    return PROFESSIONAL


def _clean(text: str) -> str:
    cleaned = " ".join(text.split())
    if not cleaned:
        raise ProvenanceError("Write the statement before saving it.")
    return cleaned


def write(text: str, *, by: Author) -> Statement:
    """A new statement. The person's (or representative's) own writing is theirs at once;
    anyone else's is a draft for the person to confirm or rewrite."""
    text = _clean(text)
    if by.is_voice:
        return Statement(text, by, CONFIRMED, by, text)
    return Statement(text, by, DRAFT)


def edit(statement: Statement, text: str, *, by: Author) -> Statement:
    """New words for a statement. Unchanged words change nothing. Changed words are the
    editor's: the person's if the person (or representative) wrote them, otherwise a draft,
    even when the statement was confirmed before."""
    text = _clean(text)
    if text == statement.text:
        return statement
    return write(text, by=by)


def confirm(statement: Statement, *, by: Author) -> Statement:
    """The person (or their representative) says these exact words are theirs. A
    professional cannot confirm on the person's behalf."""
    if not by.is_voice:
        raise ProvenanceError(
            "Only the person, or the representative they chose, can confirm a statement."
        )
    return replace(statement, status=CONFIRMED, confirmed_by=by, confirmed_text=statement.text)


def restore(statement: Statement, earlier: Statement, *, by: Author) -> Statement:
    """Bring back the words a statement had in an earlier version. A restore is an edit by
    whoever restores: a professional restoring words the person once confirmed makes a
    draft (the person may have changed their mind since), the person restoring them
    confirms them again."""
    return edit(statement, earlier.text, by=by)


def voice(statement: Statement) -> str:
    """OWN_WORDS, ON_BEHALF (the representative's) or NOT_CONFIRMED. The one function that
    decides whether a statement is shown as the person's."""
    confirmer = statement.confirmed_by
    if (
        statement.status == CONFIRMED
        and confirmer is not None
        and confirmer.is_voice
        and statement.confirmed_text == statement.text
    ):
        return OWN_WORDS if confirmer.kind == PERSON else ON_BEHALF
    return NOT_CONFIRMED


def is_persons_words(statement: Statement) -> bool:
    """True when the statement is shown as the person's (own words or their
    representative's on their behalf)."""
    return voice(statement) != NOT_CONFIRMED


@dataclass(frozen=True)
class Mark:
    """How a statement is marked on every page, print and export."""

    voice: str
    label: str


def mark(statement: Statement, *, person_name: str, you: bool = False) -> Mark:
    """The words shown beside a statement: "In [name]'s own words", "Written by [rep] on
    their behalf", or "Draft by [professional] — not yet confirmed". `you` addresses the
    person themself (in the portal)."""
    v = voice(statement)
    whose = "your" if you else f"{person_name}'s"
    if v == OWN_WORDS:
        label = f"In {whose} own words"
        if statement.written_by.kind not in VOICES:
            label += f" (drafted by {statement.written_by.label}, confirmed)"
        return Mark(v, label)
    if v == ON_BEHALF:
        rep = statement.confirmed_by.label if statement.confirmed_by else "a representative"
        if statement.written_by.kind in VOICES:
            return Mark(v, f"Written by {rep} on {'your' if you else 'their'} behalf")
        return Mark(v, f"Confirmed by {rep} on {'your' if you else 'their'} behalf")
    source = "imported from" if statement.written_by.kind == IMPORTED else "by"
    return Mark(v, f"Draft {source} {statement.written_by.label} — not yet confirmed")


@dataclass(frozen=True)
class Share:
    own_words: int
    on_behalf: int
    drafts: int

    @property
    def total(self) -> int:
        return self.own_words + self.on_behalf + self.drafts

    @property
    def percent_own_words(self) -> float:
        """Share of statements in the person's own words (0 when there are none)."""
        return round(100 * self.own_words / self.total, 1) if self.total else 0.0

    @property
    def percent_persons(self) -> float:
        """Share confirmed by the person or their representative."""
        return round(100 * (self.own_words + self.on_behalf) / self.total, 1) if self.total else 0.0


def share(statements: Iterable[Statement]) -> Share:
    """Counts of statements by voice."""
    counts = {OWN_WORDS: 0, ON_BEHALF: 0, NOT_CONFIRMED: 0}
    for s in statements:
        counts[voice(s)] += 1
    return Share(counts[OWN_WORDS], counts[ON_BEHALF], counts[NOT_CONFIRMED])
