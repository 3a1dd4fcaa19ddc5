"""Themes of what people's plans say they need, for commissioners: a plan's goals and its
"needs" and "how and when to support me" statements, sorted into a few plain themes by the
words they use. A statement may touch several themes; one that touches none is "Other".
Only counts of people per theme ever leave OneStory (see `usage.impact`)."""

import re
from collections.abc import Iterable

# Theme → words that put a statement in it (whole words or their start: "cook" finds
# "cooking"). In the order pages list them.
THEMES: dict[str, tuple[str, ...]] = {
    "Personal care": ("wash", "bath", "shower", "dress", "toilet", "personal care", "continence"),
    "Staying at home and daily living": (
        "home",
        "cook",
        "meal",
        "shop",
        "clean",
        "garden",
        "housework",
        "independ",
    ),
    "Getting out and seeing people": (
        "friend",
        "club",
        "church",
        "mosque",
        "temple",
        "group",
        "lonel",
        "social",
        "walk",
        "out and about",
        "allotment",
    ),
    "Health and staying well": (
        "health",
        "medic",
        "pain",
        "fall",
        "breath",
        "diabet",
        "memory",
        "mental",
        "well",
    ),
    "Family and caring": ("family", "grandchild", "daughter", "my son", "wife", "husband", "carer"),
    "Work, learning and volunteering": ("work", "job", "college", "learn", "volunteer", "course"),
    "Getting about": ("bus", "drive", "transport", "travel", "mobility", "wheelchair"),
}
OTHER = "Other"
ORDER: tuple[str, ...] = (*THEMES, OTHER)

_PATTERNS = {
    theme: re.compile(r"\b(" + "|".join(re.escape(w) for w in words) + ")", re.I)
    for theme, words in THEMES.items()
}


def themes_of(text: str) -> frozenset[str]:
    found = frozenset(t for t, pattern in _PATTERNS.items() if pattern.search(text or ""))
    return found or frozenset({OTHER})


def person_themes(texts: Iterable[str]) -> frozenset[str]:
    """The themes of all of one person's statements (Other only when nothing else)."""
    found: set[str] = set()
    for text in texts:
        if text and text.strip():
            found |= themes_of(text)
    if len(found) > 1:
        found.discard(OTHER)
    return frozenset(found)
