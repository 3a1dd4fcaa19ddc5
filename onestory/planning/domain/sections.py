"""The sections of a personalised care and support plan, after the PRSB Personalised Care
and Support Plan standard, in the order the plan is read. Each prompt is how the person is
asked, in the first person, so that statements read as theirs once they confirm them."""

from dataclasses import dataclass


@dataclass(frozen=True)
class Section:
    code: str
    title: str
    prompt: str


SECTIONS: tuple[Section, ...] = (
    Section("about_me", "About me", "Who I am and what I want people to know about me."),
    Section(
        "communication",
        "How I communicate and how to communicate with me",
        "How I like to be spoken to, and what helps me understand and be understood.",
    ),
    Section(
        "support_me",
        "How and when to support me",
        "What support I need, when, and how I like it to be given.",
    ),
    Section("matters", "What matters to me", "What is important to me in my life."),
    Section(
        "strengths",
        "My strengths and assets",
        "My skills, interests and what I can offer others.",
    ),
    Section(
        "network",
        "My support network",
        "Family, friends, unpaid carers, peer and community groups who support me.",
    ),
    Section("needs", "My health and care needs", "My health and care needs, as I see them."),
    Section("goals", "My goals", "What I want to achieve, who helps me and by when."),
    Section(
        "contingency",
        "My contingency and crisis plan",
        "I know what to do if things change or go wrong.",
    ),
    # A carer's plan (Care Act 2014, s.10): what the carer needs to keep caring.
    Section(
        "carer_needs",
        "What I need to keep caring",
        "The support I need as a carer, and what would happen if I could not care.",
    ),
)
SECTION_CODES = frozenset(s.code for s in SECTIONS)
_BY_CODE = {s.code: s for s in SECTIONS}


def section(code: str) -> Section:
    """The section with this code; ValueError naming the known ones otherwise."""
    try:
        return _BY_CODE[code]
    except KeyError:
        raise ValueError(f"unknown section {code!r}; known: {', '.join(_BY_CODE)}") from None


def sections_for(kind: str) -> tuple[Section, ...]:
    """The sections a plan of this kind ("person" or "carer") shows."""
    if kind == "carer":
        return SECTIONS
    return tuple(s for s in SECTIONS if s.code != "carer_needs")
