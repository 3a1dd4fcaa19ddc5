"""What an example person's demo plan and budget say, worked out from their own record
(pure: no Django). `Profile` is what the demo reads from the record; `statements`, `goals`
and `budget_lines` turn it into words. Nothing here names a condition the person does not
have, or offers someone in a care home help to stay at home."""

from dataclasses import dataclass

HOME, RESIDENTIAL, NURSING = "home", "residential", "nursing"


@dataclass(frozen=True)
class Profile:
    conditions: tuple[str, ...] = ()  # active conditions, as the GP record names them
    setting: str = HOME  # home, residential or nursing (their current long-term service)
    service: str = ""  # that service, e.g. "Home care" or "Nursing care"
    weekly_cost_pence: int | None = None
    hours_per_week: float | None = None
    carer: str = ""  # an unpaid carer's first name, when the record names one
    carer_relationship: str = ""  # e.g. "daughter", "partner"
    recent_admission: bool = False  # an emergency admission in the last year

    @property
    def in_placement(self) -> bool:
        return self.setting in (RESIDENTIAL, NURSING)

    def has(self, condition: str) -> bool:
        return condition in self.conditions


@dataclass(frozen=True)
class Goal:
    text: str
    who_helps: str


@dataclass(frozen=True)
class Line:
    description: str
    stream: str  # "council" or "nhs"
    goal: int  # index into the person's goals


# Each condition the story may name: the GP record's name -> (how it is named, what it means
# day to day). Conditions not listed here are never named in a plan.
CONDITION_WORDS: dict[str, tuple[str, str]] = {
    "Dementia": ("dementia", "my memory is not what it was and I can lose track of the day"),
    "Chronic obstructive lung disease": ("COPD", "I get breathless on stairs and slopes"),
    "Heart failure": ("heart failure", "I tire quickly and my ankles swell"),
    "Diabetes mellitus type 2": ("diabetes", "my feet and my sugar levels need watching"),
    "Parkinson's disease": ("Parkinson's", "my hands shake and I am slow to get going"),
    "Cerebrovascular accident": ("a stroke", "my right side is weaker than it was"),
    "Osteoarthritis": ("arthritis", "my joints are stiff and sore in the mornings"),
    "Osteoporosis": ("osteoporosis", "a fall could break a bone"),
    "Atrial fibrillation": ("atrial fibrillation", "I take blood thinners and bruise easily"),
    "Depressive disorder": ("depression", "I get low, and company helps more than anything"),
    "Hearing loss": ("hearing loss", "I miss things when people talk quickly"),
    "Visual impairment": ("poor sight", "I need things kept where I can find them"),
    "Urinary incontinence": ("incontinence", "I need help to get to the toilet in time"),
    "Falls": ("falls", "I have fallen before and I am nervous on my feet"),
}

ABOUT_ME = (
    "I worked as a bus driver until I retired.",
    "I am a grandmother of five and family is everything to me.",
    "I used to be a nurse, so I know my own mind about my care.",
    "I worked in the mill for forty years and I still like a good chat.",
)
STRENGTHS = (
    "I am a good cook and I like feeding people.",
    "I know a lot about gardening.",
    "I am good with numbers and I like doing the crossword.",
)


def _named(profile: Profile) -> list[str]:
    return [c for c in CONDITION_WORDS if profile.has(c)]


def statements(profile: Profile, seed: int = 0) -> dict[str, str]:
    """One draft statement per plan section, in the person's voice, from their record."""
    named = _named(profile)
    if named:
        needs = " ".join(
            f"I have {CONDITION_WORDS[c][0]}, so {CONDITION_WORDS[c][1]}." for c in named[:2]
        )
    else:
        needs = "My GP knows my health; I want my care to fit around it."
    if profile.has("Hearing loss"):
        communication = "I hear better on my left side, so please sit on my left."
    elif profile.has("Dementia"):
        communication = "Please speak slowly and give me time to answer."
    else:
        communication = "I prefer a phone call to a letter."
    carer = profile.carer
    if profile.in_placement:
        staff = "The nurses" if profile.setting == NURSING else "The staff"
        support_me = f"{staff} help me wash and dress; I like to choose my own clothes."
        matters = "Feeling settled here, with my own things around me, matters most to me."
        network = (
            f"My {profile.carer_relationship or 'family'}, {carer}, visits me every week."
            if carer
            else "The staff and the other residents are my company now."
        )
        contingency = "If I become unwell, the staff call my GP and then my family."
    else:
        hours = profile.hours_per_week
        if profile.service:
            visits = f"Carers come for {hours:g} hours a week" if hours else "Carers come"
            support_me = f"{visits} to help me wash and dress; please ask before you help."
        elif carer:
            support_me = f"{carer} helps me wash and dress; please ask before you help."
        else:
            support_me = "I manage washing and dressing slowly; please ask before you help."
        matters = "Staying in my own home matters most to me."
        network = (
            f"My {profile.carer_relationship or 'carer'}, {carer}, helps me every day."
            if carer
            else "My neighbour does my shopping on Thursdays."
        )
        contingency = (
            "If I fall, I press my pendant alarm and wait for help."
            if profile.has("Falls") or profile.has("Osteoporosis")
            else f"If I feel unwell at night, I call 111 and then {carer or 'my neighbour'}."
        )
    if profile.recent_admission:
        contingency += " Since my stay in hospital this year, I want to be seen early."
    return {
        "about_me": ABOUT_ME[seed % len(ABOUT_ME)],
        "communication": communication,
        "support_me": support_me,
        "matters": matters,
        "strengths": STRENGTHS[seed % len(STRENGTHS)],
        "network": network,
        "needs": needs,
        "contingency": contingency,
    }


def rewrite(profile: Profile) -> tuple[str, str]:
    """The section the person rewrites in their own words, and what they write."""
    if profile.in_placement:
        return "matters", "Seeing my family and keeping my own chair matters more than anything."
    return "matters", "Staying at home matters more than anything, thank you."


def goals(profile: Profile) -> list[Goal]:
    """Two goals: the first about where and how they live, the second about their health or
    their carer."""
    first = (
        Goal(
            "I want to join in with the activities in the lounge twice a week.",
            "Activities coordinator",
        )
        if profile.in_placement
        else Goal(
            "I want to keep living in my own home, with help in the mornings.", "Home care team"
        )
    )
    if profile.has("Falls") or profile.has("Osteoporosis") or profile.has("Osteoarthritis"):
        second = Goal(
            "I want to walk to the end of the corridor and back without a fall.", "Physiotherapist"
        )
        if not profile.in_placement:
            second = Goal("I want to walk to the corner shop by myself again.", "Physiotherapist")
    elif profile.has("Chronic obstructive lung disease") or profile.has("Heart failure"):
        second = Goal(
            "I want to manage my breathing well enough to go out each week.", "Community matron"
        )
    elif profile.has("Dementia"):
        second = Goal(
            "I want to keep to my own routine, with reminders for my tablets.",
            "Pharmacist and district nurse",
        )
    elif profile.carer and not profile.in_placement:
        second = Goal(
            f"I want {profile.carer} to have a proper break every month.", "Carers' centre"
        )
    else:
        second = Goal(
            "I want to get out into the fresh air every day it is fine.",
            "Social prescribing link worker",
        )
    return [first, second]


def budget_lines(profile: Profile) -> list[Line]:
    """The council's line pays for the service the record shows; the NHS line for the
    second goal."""
    service = profile.service or ("Nursing care" if profile.setting == NURSING else "")
    if not profile.in_placement and not service:
        # No service yet: the council's money is new support, for the carer when there is one.
        council = (
            f"A break for {profile.carer}: a sitting service one day a week"
            if profile.carer
            else "Home care to be arranged: morning calls"
        )
        return [
            Line(council, "council", 0),
            Line("Personal assistant for walks and appointments", "nhs", 1),
        ]
    if profile.in_placement:
        council = f"{service}: the council's share of the placement"
        nhs = (
            "Physiotherapy and activities in the home"
            if profile.setting == RESIDENTIAL
            else ("NHS-funded nursing care")
        )
    else:
        hours = f" ({profile.hours_per_week:g} hours a week)" if profile.hours_per_week else ""
        council = f"{service}{hours}"
        nhs = (
            "Respite so my carer can have a break"
            if profile.carer and not _named(profile)
            else "Personal assistant for walks and appointments"
        )
    return [Line(council, "council", 0), Line(nhs, "nhs", 1)]


def needs_answers(profile: Profile) -> dict[str, int]:
    """The indicative budget's assessed needs (levels 0–3), from the record."""
    mobility = sum(
        profile.has(c)
        for c in (
            "Falls",
            "Osteoarthritis",
            "Osteoporosis",
            "Parkinson's disease",
            "Cerebrovascular accident",
        )
    )
    return {
        "personal_care": 3
        if profile.in_placement
        else (2 if (profile.hours_per_week or 0) >= 7 else 1),
        "mobility": min(3, 1 + mobility),
        "home": 0 if profile.in_placement else 1,
        "health": min(3, len(profile.conditions) // 2),
        "activities": 1,
        "carer": 0 if profile.in_placement else (1 if profile.carer else 2),
    }
