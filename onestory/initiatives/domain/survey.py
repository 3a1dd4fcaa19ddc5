"""A short survey of people with personal budgets and their carers, modelled on the
Personal Outcomes Evaluation Tool (POET, In Control and Lancaster University): did the
budget help with the things that matter? Our own wording, not POET's validated items.

Each question is answered on a 4-point scale (or left blank). A locality's figure for a
quarter is, per question, how many answered and the share who said the budget helped (a
bit or a lot); counts from 1 to 7 are suppressed with their share, as everywhere else."""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from onestory.commissioning.domain.suppression import is_small

SURVEY = "poet-like-v1"
RESPONDENTS = {"person": "The person with the budget", "carer": "Their carer"}
SCALE = {
    1: "It made this worse",
    2: "It made no difference",
    3: "It helped a bit",
    4: "It helped a lot",
}
HELPED = frozenset({3, 4})
# (key, question for the person, question for the carer)
QUESTIONS: tuple[tuple[str, str, str], ...] = (
    (
        "dignity",
        "Being treated with dignity and respect",
        "The person you care for being treated with dignity",
    ),
    (
        "independence",
        "Being as independent as I want to be",
        "The person you care for being as independent as they want",
    ),
    (
        "control",
        "Having control over my support",
        "Having a say in the support for the person you care for",
    ),
    (
        "relationships",
        "My relationships with family and friends",
        "Your relationship with the person you care for",
    ),
    ("safety", "Feeling safe", "Feeling that the person you care for is safe"),
    ("wellbeing", "How I feel in myself", "Your own wellbeing as a carer"),
)
KEYS = tuple(k for k, _, _ in QUESTIONS)


class SurveyError(ValueError):
    pass


def clean_answers(raw: Mapping[str, str]) -> dict[str, int]:
    """The answers given, as numbers 1-4; blanks left out. At least one answer is needed;
    anything else on the scale is a SurveyError naming the question."""
    answers: dict[str, int] = {}
    labels = {k: q for k, q, _ in QUESTIONS}
    for key in KEYS:
        text = (raw.get(key) or "").strip()
        if not text:
            continue
        try:
            value = int(text)
        except ValueError:
            value = 0
        if value not in SCALE:
            raise SurveyError(f"{labels[key]}: choose one of the four answers, or leave it blank.")
        answers[key] = value
    if not answers:
        raise SurveyError("Enter at least one answer from the returned survey.")
    return answers


@dataclass(frozen=True)
class QuestionFigure:
    key: str
    label: str
    answered: int | None  # None: suppressed (1-7)
    helped_pct: float | None


def aggregate(responses: Iterable[Mapping[str, int]]) -> list[QuestionFigure]:
    """Per question: how many answered and the share who said it helped, suppressed."""
    rows = list(responses)
    out = []
    for key, label, _ in QUESTIONS:
        given = [r[key] for r in rows if key in r]
        n = len(given)
        helped = sum(1 for v in given if v in HELPED)
        if is_small(n) or is_small(helped) or is_small(n - helped):
            out.append(QuestionFigure(key, label, None if is_small(n) else n, None))
        else:
            out.append(QuestionFigure(key, label, n, 100.0 * helped / n if n else None))
    return out
