"""Clinical entries in plain English, and which problems are current.

Plain words: a small shipped table of plain-English terms for the SNOMED CT concepts the
synthetic borough and the Synthea sample bundles use (`PLAIN_TERMS`); any other code falls
back to the source's own display, cleaned of SNOMED's semantic tag ("Anemia (disorder)"
becomes "Anemia"). Units are written as people read them ("108 mmHg", not "108 mm[Hg]").

Current or past (the rule, shown to people as "current" and "past"):
1. A condition whose clinical status is resolved, inactive or in remission is past.
2. A condition with an end (abatement) date on or before today is past.
3. An acute, self-limiting finding (a sore throat, a sprain, chest pain seen in A&E — the
   codes in `ACUTE_CODES`) with no clinical status is past once it is older than
   `ACUTE_WEEKS` weeks. Diagnoses that a hospital recorded for an attendance or admission
   carry no clinical status, so this is what moves "Abdominal pain" from current to past.
4. Anything else is current: long-term conditions stay until a source says they ended.
Pure: no Django."""

import re
from dataclasses import dataclass
from datetime import date, timedelta

# Weeks after which an acute finding with no clinical status counts as past.
ACUTE_WEEKS = 6
# How long a repeat medicine counts as current after its last issue.
MEDICINE_CURRENT_DAYS = 183

SNOMED = "http://snomed.info/sct"

# SNOMED CT concept id -> the words a person would use. Kept short; the clinical term is
# still shown to staff beside it.
PLAIN_TERMS: dict[str, str] = {
    # Long-term conditions (synthetic borough GP records)
    "38341003": "High blood pressure",
    "44054006": "Type 2 diabetes",
    "195967001": "Asthma",
    "13645005": "COPD (a long-term lung condition)",
    "49436004": "Atrial fibrillation (an irregular heartbeat)",
    "84114007": "Heart failure",
    "709044004": "Chronic kidney disease",
    "52448006": "Dementia",
    "35489007": "Depression",
    "197480006": "Anxiety",
    "396275006": "Osteoarthritis (wear and tear of the joints)",
    "64859006": "Osteoporosis (weak bones)",
    "110359009": "Learning disability",
    "69322001": "Psychosis",
    "58214004": "Schizophrenia",
    "13746004": "Bipolar disorder",
    "414545008": "Coronary heart disease",
    "230690007": "Stroke",
    "40930008": "Underactive thyroid",
    "49049000": "Parkinson's disease",
    "15188001": "Hearing loss",
    "397540003": "Sight loss",
    "165232002": "Bladder weakness (urinary incontinence)",
    "161898004": "Falls",
    "408856003": "Autism",
    "406506008": "ADHD (attention deficit hyperactivity disorder)",
    "43116000": "Eczema",
    "925791000000100": "Mild frailty",
    "925831000000107": "Moderate frailty",
    "925861000000102": "Severe frailty",
    # Hospital diagnoses (A&E attendances and admissions)
    "5913000": "Broken hip",
    "125605004": "Broken bone",
    "233604007": "Pneumonia",
    "68566005": "Urine infection (UTI)",
    "29857009": "Chest pain",
    "267036007": "Shortness of breath",
    "271594007": "Fainting",
    "195951007": "Flare-up of COPD",
    "281239006": "Asthma attack",
    "22298006": "Heart attack",
    "44465007": "Sprained ankle",
    "312608009": "Cut (laceration)",
    "82271004": "Head injury",
    "21522001": "Stomach pain",
    "55680006": "Overdose",
    "2776000": "Delirium (sudden confusion)",
    "128045006": "Cellulitis (a skin infection)",
    "217082002": "Fall",
    "193570009": "Cataract",
    "239872002": "Osteoarthritis of the hip",
    "239873007": "Osteoarthritis of the knee",
    "266474003": "Gallstones",
    "396232000": "Inguinal hernia",
    # Observations
    "60621009": "Body mass index (BMI)",
    "271649006": "Blood pressure, upper number (systolic)",
    "271650006": "Blood pressure, lower number (diastolic)",
    # Synthea sample bundles
    "10509002": "Chest infection (acute bronchitis)",
    "195662009": "Sore throat (viral pharyngitis)",
    "444814009": "Sinusitis",
    "75498004": "Sinusitis (bacterial)",
    "40055000": "Long-term sinusitis",
    "15777000": "Prediabetes (blood sugar higher than normal)",
    "162864005": "Obesity",
    "271737000": "Anaemia",
    "53741008": "Coronary heart disease",
    "24079001": "Eczema (atopic dermatitis)",
    "40275004": "Contact dermatitis (a skin reaction)",
    "232353008": "Hay fever (allergic rhinitis)",
    "233678006": "Childhood asthma",
    "128613002": "Seizures",
    "84757009": "Epilepsy",
    "703151001": "Had a seizure in the past",
    "65363002": "Ear infection (otitis media)",
    "74400008": "Appendicitis",
    "428251008": "Had appendix removed",
    "69896004": "Rheumatoid arthritis",
    "62106007": "Concussion",
    "62564004": "Concussion with loss of consciousness",
    "58150001": "Broken collarbone",
    "70704007": "Sprained wrist",
    "283371005": "Cut on the forearm",
    "283385000": "Cut on the thigh",
    "284551006": "Cut on the foot",
    "370247008": "Cut on the face",
    "410429000": "Cardiac arrest",
    "429007001": "Had a cardiac arrest in the past",
    "399211009": "Had a heart attack in the past",
    "124171000119105": "Migraine",
    "19169002": "Miscarriage",
    # Allergies (Synthea)
    "424213003": "Allergy to bee stings",
    "300913006": "Shellfish allergy",
    "91935009": "Peanut allergy",
}

# Acute, self-limiting findings: past once older than ACUTE_WEEKS when no status says so.
ACUTE_CODES: frozenset[str] = frozenset(
    {
        "125605004",
        "233604007",
        "68566005",
        "29857009",
        "267036007",
        "271594007",
        "195951007",
        "281239006",
        "44465007",
        "312608009",
        "82271004",
        "21522001",
        "55680006",
        "2776000",
        "128045006",
        "217082002",
        "10509002",
        "195662009",
        "444814009",
        "75498004",
        "65363002",
        "62106007",
        "62564004",
        "58150001",
        "70704007",
        "283371005",
        "283385000",
        "284551006",
        "370247008",
        "40275004",
        "74400008",
    }
)

PAST_STATUSES = frozenset({"resolved", "inactive", "remission", "entered-in-error", "refuted"})

# UCUM units as people read them, where they follow a number ("108 mm[Hg]").
UNIT_WORDS: dict[str, str] = {
    "mL/min/{1.73_m2}": "mL/min/1.73m²",
    "mm[Hg]": "mmHg",
    "kg/m2": "kg/m²",
    "10*3/uL": "thousand per microlitre",
    "10*6/uL": "million per microlitre",
    "{beats}/min": "beats per minute",
    "/min": "per minute",
    "{score}": "points",
    "{count}": "",
    "Cel": "°C",
}
_UNIT = re.compile(
    r"(?<=\d) ("
    + "|".join(re.escape(u) for u in sorted(UNIT_WORDS, key=len, reverse=True))
    + r")(?=$|[\s,;)])"
)

_SEMANTIC_TAG = re.compile(
    r"\s*\((disorder|finding|situation|procedure|observable entity|morphologic abnormality|"
    r"qualifier value|regime/therapy|event|clinical drug|product|substance|body structure)\)\s*$",
    re.I,
)


def clean_display(display: str) -> str:
    """A source's display without SNOMED's semantic tag, in sentence case when the source
    shouted Title Case ("Myocardial Infarction" -> "Myocardial infarction")."""
    text = _SEMANTIC_TAG.sub("", (display or "").strip())
    words = text.split()
    if len(words) > 1 and all(w[:1].isupper() for w in words if w[:1].isalpha()):
        text = words[0] + " " + " ".join(w if w.isupper() else w.lower() for w in words[1:])
    return text


def plain_term(code: str, display: str) -> str:
    """The plain-English words for a code, else the cleaned display."""
    return PLAIN_TERMS.get((code or "").strip()) or clean_display(display)


def plain_units(text: str) -> str:
    """Units after a number written as people read them: "108 mm[Hg]" -> "108 mmHg";
    words that merely contain a unit's letters ("Cellulitis") are left alone."""
    out = _UNIT.sub(lambda m: (" " + UNIT_WORDS[m.group(1)]).rstrip(), text or "")
    return re.sub(r"\s{2,}", " ", out).strip()


def clinical_title(title: str) -> str:
    """A timeline title for staff: the source's clinical words, without SNOMED's tags
    ("Diagnosis: Viral sinusitis (disorder)" -> "Diagnosis: Viral sinusitis"), units in
    words."""
    text = re.sub(r"\s*\((disorder|finding|situation|procedure)\)", "", title or "", flags=re.I)
    return plain_units(text)


def plain_title(title: str, code: str, display: str) -> str:
    """A timeline entry's title in plain words: the source's wording of a coded entry
    swapped for the plain term ("Diagnosis: Ischemic heart disease" -> "Diagnosis:
    Coronary heart disease"), SNOMED's tags dropped, units in words."""
    text = title or ""
    plain = PLAIN_TERMS.get((code or "").strip())
    if plain and display and display in text:
        text = text.replace(display, plain)
    text = _SEMANTIC_TAG.sub("", text)
    text = re.sub(r"\s*\((disorder|finding|situation|procedure)\)", "", text, flags=re.I)
    return plain_units(text)


@dataclass(frozen=True)
class ProblemState:
    current: bool
    reason: str  # why it is shown as past ("resolved", "ended 3 May 2026" …), or ""


def problem_state(
    *, code: str, status: str, end: date | None, onset: date | None, today: date
) -> ProblemState:
    """Whether a problem is current or past, by the rule in the module docstring."""
    status = (status or "").strip().lower()
    if status in PAST_STATUSES:
        return ProblemState(False, status)
    if end is not None and end <= today:
        return ProblemState(False, "ended")
    if (
        not status
        and code in ACUTE_CODES
        and onset is not None
        and onset < today - timedelta(weeks=ACUTE_WEEKS)
    ):
        return ProblemState(False, "short-term")
    return ProblemState(True, "")


def medicine_current(*, status: str, last_issued: date | None, today: date) -> bool:
    """A medicine is current when no source stopped it and it was issued in the last six
    months (a repeat prescription is issued at least that often)."""
    if (status or "").strip().lower() in {
        "stopped",
        "cancelled",
        "completed",
        "entered-in-error",
        "ended",
    }:
        return False
    if last_issued is None:
        return True
    return last_issued >= today - timedelta(days=MEDICINE_CURRENT_DAYS)
