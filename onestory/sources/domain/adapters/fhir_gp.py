"""GP practice extracts: one FHIR R4 transaction bundle per practice (`gp_<ODS>.json`).

Every entry is validated with `fhir.resources` (R4B models, which read R4 bundles) and then
mapped: Organization gives the system, Practitioner names the clinician on encounters,
Patient gives the person (and next of kin and carers from `contact`), and Condition,
Encounter, MedicationRequest and Observation become timeline events of the Patient their
`subject` refers to. `row` is the 1-based entry index. Entries of other resource types
(Immunization, Claim…) carry nothing OneStory shows and are passed over.
"""

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from fhir.resources.R4B import get_fhir_model_class
from pydantic import ValidationError

from onestory.sources.domain.adapters.base import (
    Adapter,
    ExtractError,
    check_limits,
    compact,
    person_limit_problems,
    title,
)
from onestory.sources.domain.adapters.validation import (
    SEX_FHIR,
    check_nhs_number,
    check_postcode,
    parse_iso_date_prefix,
)
from onestory.sources.domain.facts import (
    GP,
    EventFacts,
    ParsedRow,
    PersonFacts,
    Problem,
    RelationshipFacts,
    System,
)
from onestory.sources.domain.json_input import (
    JsonTooDeep,
    has_nul,
    load_json,
    may_hold_nul,
    strip_nul,
)
from onestory.sources.domain.limits import check_file_size

NHS_NUMBER_SYSTEM = "https://fhir.nhs.uk/Id/nhs-number"
ODS_SYSTEM = "https://fhir.nhs.uk/Id/ods-organization-code"
GP_PATIENT_SYSTEM_PREFIX = "https://onestory.example/Id/gp-patient/"
SNOMED = "http://snomed.info/sct"
UK_COUNTRIES = {"", "gb", "gbr", "uk", "united kingdom", "england", "wales", "scotland"}
FILE_ODS = re.compile(r"^gp_(?P<ods>[A-Za-z0-9]+)\.json$")
EVENT_TYPES = (
    "Condition",
    "Encounter",
    "MedicationRequest",
    "Observation",
    "AllergyIntolerance",
    "Flag",
)
MAPPED_TYPES = frozenset(("Patient", "Organization", "Practitioner", *EVENT_TYPES))
# Where each person fact comes from in a Patient, to name it in problems.
PATIENT_PATHS = {
    "local_id": "Patient.identifier",
    "nhs_number": "Patient.identifier",
    "given_name": "Patient.name.given",
    "family_name": "Patient.name.family",
    "postcode": "Patient.address.postalCode",
    "address": "Patient.address",
    "phone": "Patient.telecom",
}
ENCOUNTER_CLASS = {"HH": "home visit", "VR": "virtual", "AMB": "", "EMER": "emergency"}


def validation_problems(resource_type: str, resource: dict[str, Any]) -> list[Problem]:
    """Problems `fhir.resources` finds in one resource, each named by its FHIR path."""
    try:
        model = get_fhir_model_class(resource_type)
    except KeyError:
        return [Problem("resourceType", f"'{resource_type}' is not a FHIR R4 resource type")]
    try:
        model.model_validate(resource)
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            path = resource_type
            for part in error["loc"]:
                path += f"[{part}]" if isinstance(part, int) else f".{part}"
            message = str(error["msg"]).removeprefix("Value error, ")
            problems.append(Problem(path, message))
        return problems
    return []


def _first(items: Any) -> dict[str, Any]:
    return items[0] if isinstance(items, list) and items and isinstance(items[0], dict) else {}


def _coding(concept: Any) -> dict[str, Any]:
    return _first(concept.get("coding")) if isinstance(concept, dict) else {}


def _concept_text(concept: Any) -> str:
    if not isinstance(concept, dict):
        return ""
    return str(concept.get("text") or _coding(concept).get("display") or "")


def _human_name(name: dict[str, Any]) -> str:
    if name.get("text"):
        return str(name["text"])
    parts = [*name.get("prefix", []), *name.get("given", []), name.get("family", "")]
    return " ".join(str(p) for p in parts if p)


def _identifier(resource: dict[str, Any], system: str, prefix: bool = False) -> str:
    idents = resource.get("identifier")
    for ident in idents if isinstance(idents, list) else []:
        if not isinstance(ident, dict):
            continue
        sys = str(ident.get("system", ""))
        if (sys.startswith(system) if prefix else sys == system) and ident.get("value"):
            return str(ident["value"])
    return ""


@dataclass
class _Entry:
    index: int
    resource_type: str
    resource: dict[str, Any]
    problems: list[Problem] = field(default_factory=list)


class GPBundleAdapter(Adapter):
    kind = GP
    event_id_field = "Resource.id"
    _maybe_nul = False

    def read(self, path: Path, today: date | None = None) -> Iterator[ParsedRow]:
        today = today or date.today()
        bundle = self._load(path)
        entries = self._entries(bundle)
        by_ref = self._reference_index(bundle, entries)
        system = self._system(path, entries)
        practitioners = {
            ref: _human_name(_first(e.resource.get("name")))
            for ref, e in by_ref.items()
            if e.resource_type == "Practitioner" and not e.problems
        }
        people: dict[int, PersonFacts] = {}
        for entry in entries:
            try:
                row = self._map(entry, system, today, people, practitioners, by_ref)
            except (AttributeError, TypeError, ValueError, LookupError) as exc:
                # An entry shaped unlike anything FHIR allows (a number where an object
                # belongs…): quarantined with its path, and the rest of the bundle goes on.
                entry.problems.append(
                    Problem(entry.resource_type or "Resource", f"cannot be read ({exc})")
                )
                row = self._row(entry, system, None)
            if row is not None:
                yield row

    def _map(
        self,
        entry: _Entry,
        system: System,
        today: date,
        people: dict[int, PersonFacts],
        practitioners: dict[str, str],
        by_ref: dict[str, _Entry],
    ) -> ParsedRow | None:
        if entry.resource_type == "Patient":
            person, relationships = self._patient(entry, today)
            entry.problems.extend(person_limit_problems(person, PATIENT_PATHS))
            if not entry.problems:
                people[entry.index] = person
            return self._row(entry, system, person, relationships=relationships)
        if entry.resource_type in EVENT_TYPES:
            subject = self._subject(entry, by_ref, people)
            event = self._event(entry, practitioners, by_ref)
            return self._row(entry, system, subject, events=[event] if event else [])
        if entry.resource_type in ("Organization", "Practitioner") and entry.problems:
            return self._row(entry, system, None)
        return None

    # -- reading the bundle ---------------------------------------------------------------

    def _load(self, path: Path) -> dict[str, Any]:
        """The bundle, once its size and nesting are known to be within the limits."""
        check_file_size(path, self.limits.max_json_bytes)
        try:
            data = path.read_bytes()
            bundle = load_json(data, self.limits.max_json_depth)
            self._maybe_nul = may_hold_nul(data)
        except (OSError, UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
            raise ExtractError(f"{path.name}: not readable JSON ({exc})") from exc
        except JsonTooDeep as exc:
            raise ExtractError(f"{path.name}: {exc}") from exc
        if not isinstance(bundle, dict) or bundle.get("resourceType") != "Bundle":
            raise ExtractError(f"{path.name}: not a FHIR Bundle")
        if not isinstance(bundle.get("entry", []), list):
            raise ExtractError(f"{path.name}: Bundle.entry is not a list")
        return bundle

    def _entries(self, bundle: dict[str, Any]) -> list[_Entry]:
        entries = []
        to_validate: list[_Entry] = []
        for index, raw in enumerate(bundle.get("entry", []), start=1):
            resource = raw.get("resource") if isinstance(raw, dict) else None
            if not isinstance(resource, dict):
                entry = _Entry(index, "", {})
                entry.problems.append(Problem("Bundle.entry.resource", "entry has no resource"))
            else:
                rtype = str(resource.get("resourceType", ""))
                entry = _Entry(index, rtype, resource)
                if self._maybe_nul and has_nul(resource):
                    # The database cannot keep a NUL in text: quarantine, showing where.
                    entry.resource = strip_nul(resource)
                    entry.problems.append(Problem(rtype or "Resource", "holds a NUL character"))
                elif rtype in MAPPED_TYPES:
                    to_validate.append(entry)
            entries.append(entry)
        for entry in to_validate:
            entry.problems.extend(validation_problems(entry.resource_type, entry.resource))
        return entries

    def _reference_index(self, bundle: dict[str, Any], entries: list[_Entry]) -> dict[str, _Entry]:
        """Every way an entry can be referred to in the bundle: its fullUrl (`urn:uuid:…`)
        and `Type/id`."""
        index: dict[str, _Entry] = {}
        for raw, entry in zip(bundle.get("entry", []), entries, strict=True):
            if isinstance(raw, dict) and raw.get("fullUrl"):
                index[str(raw["fullUrl"])] = entry
            if entry.resource.get("id"):
                index[f"{entry.resource_type}/{entry.resource['id']}"] = entry
        return index

    def _system(self, path: Path, entries: list[_Entry]) -> System:
        organisations = [e.resource for e in entries if e.resource_type == "Organization"]
        with_ods = [o for o in organisations if _identifier(o, ODS_SYSTEM)]
        organisation = (with_ods or organisations or [{}])[0]
        match = FILE_ODS.match(path.name)
        ods = _identifier(organisation, ODS_SYSTEM) or (match.group("ods") if match else "")
        if not ods:
            raise ExtractError(
                f"{path.name}: no ODS code (no Organization with an ODS identifier, and the "
                "file is not named gp_<ODS>.json)"
            )
        return System(kind=GP, org_code=ods, org_name=str(organisation.get("name", "")))

    def _row(
        self,
        entry: _Entry,
        system: System,
        person: PersonFacts | None,
        *,
        events: list[EventFacts] | None = None,
        relationships: list[RelationshipFacts] | None = None,
    ) -> ParsedRow:
        parsed = ParsedRow(
            row=entry.index,
            raw=entry.resource,
            system=system,
            person=person,
            events=events or [],
            relationships=relationships or [],
            problems=entry.problems,
        )
        check_limits(parsed, check_person=False)  # the Patient entry carries those problems
        return parsed

    # -- people ---------------------------------------------------------------------------

    def _patient(self, entry: _Entry, today: date) -> tuple[PersonFacts, list[RelationshipFacts]]:
        patient = entry.resource
        problems = entry.problems
        local_id = _identifier(patient, GP_PATIENT_SYSTEM_PREFIX, prefix=True) or str(
            patient.get("id", "")
        )
        if not local_id:
            problems.append(Problem("Patient.identifier", "no practice patient id and no id"))
        nhs_number = check_nhs_number(
            _identifier(patient, NHS_NUMBER_SYSTEM), "Patient.identifier", problems
        )
        name = _first(patient.get("name"))
        birth = None
        if patient.get("birthDate"):
            birth = parse_iso_date_prefix(str(patient["birthDate"]))
            if birth is None:
                if not any(p.field == "Patient.birthDate" for p in problems):
                    problems.append(
                        Problem(
                            "Patient.birthDate",
                            f"date '{patient['birthDate']}' is not a valid YYYY-MM-DD date",
                        )
                    )
            elif birth > today:
                problems.append(
                    Problem(
                        "Patient.birthDate",
                        f"date of birth '{patient['birthDate']}' is in the future",
                    )
                )
                birth = None
        gender = str(patient.get("gender", "") or "")
        sex = SEX_FHIR.get(gender.lower(), "")
        if gender and not sex:
            problems.append(
                Problem("Patient.gender", f"gender '{gender}' is not one of {', '.join(SEX_FHIR)}")
            )
        address = _first(patient.get("address"))
        lines = [str(x) for x in address.get("line", []) or []]
        postcode_text = str(address.get("postalCode", "") or "")
        country = str(address.get("country", "") or "")
        if country.strip().lower() in UK_COUNTRIES:
            postcode = check_postcode(postcode_text, "Patient.address.postalCode", problems)
            place = [*lines, str(address.get("city", "") or "")]
        else:
            # An address abroad has no UK postcode; keep what the source wrote in the address.
            postcode = ""
            place = [*lines, str(address.get("city", "") or ""), postcode_text, country]
        phone = next(
            (
                str(t.get("value", ""))
                for t in patient.get("telecom", []) or []
                if isinstance(t, dict) and t.get("system") == "phone"
            ),
            "",
        )
        person = PersonFacts(
            local_id=local_id,
            nhs_number=nhs_number,
            given_name=str((name.get("given") or [""])[0] or ""),
            family_name=str(name.get("family", "") or ""),
            date_of_birth=birth,
            sex=sex,
            postcode=postcode,
            address=", ".join(p for p in place if p),
            phone=phone,
        )
        return person, self._contacts(patient)

    def _contacts(self, patient: dict[str, Any]) -> list[RelationshipFacts]:
        """`Patient.contact`: an unpaid carer is a `carer`; otherwise HL7 v2-0131 `N` is
        next of kin and `C` an emergency contact. The source's words go in the details."""
        relationships = []
        for contact in patient.get("contact", []) or []:
            if not isinstance(contact, dict):
                continue
            concept = _first(contact.get("relationship"))
            code = str(_coding(concept).get("code", ""))
            said = str(concept.get("text") or _coding(concept).get("display") or "")
            name = _human_name(contact.get("name") or {})
            if not name:
                continue
            if "carer" in said.lower():
                kind = "carer"
            elif code == "C":
                kind = "emergency_contact"
            else:
                kind = "next_of_kin"
            phone = next(
                (str(t.get("value", "")) for t in contact.get("telecom", []) or []),
                "",
            )
            relationships.append(
                RelationshipFacts(
                    relationship=kind,
                    related_name=name,
                    details=compact({"code": code, "relationship": said, "phone": phone}),
                )
            )
        return relationships

    def _subject(
        self, entry: _Entry, by_ref: dict[str, _Entry], people: dict[int, PersonFacts]
    ) -> PersonFacts | None:
        # An AllergyIntolerance says whose it is in `patient`; the others in `subject`.
        field = "patient" if entry.resource_type == "AllergyIntolerance" else "subject"
        path = f"{entry.resource_type}.{field}"
        subject = entry.resource.get(field)
        reference = str(subject.get("reference", "")) if isinstance(subject, dict) else ""
        if not reference:
            entry.problems.append(Problem(path, "subject is required but is missing"))
            return None
        target = by_ref.get(reference)
        if target is None or target.resource_type != "Patient":
            entry.problems.append(
                Problem(path, f"reference '{reference}' is not a Patient in this bundle")
            )
            return None
        person = people.get(target.index)
        if person is None:
            entry.problems.append(
                Problem(path, f"refers to the Patient in entry {target.index}, quarantined")
            )
        return person

    # -- events ---------------------------------------------------------------------------

    def _date(self, entry: _Entry, name: str, value: Any) -> date | None:
        path = f"{entry.resource_type}.{name}"
        if not value:
            entry.problems.append(Problem(path, f"{name} is required but is missing"))
            return None
        parsed = parse_iso_date_prefix(str(value))
        if parsed is None and not any(p.field == path for p in entry.problems):
            entry.problems.append(Problem(path, f"date '{value}' is not a valid FHIR date"))
        return parsed

    def _code(self, entry: _Entry, name: str) -> tuple[str, str, str]:
        concept = entry.resource.get(name)
        coding = _coding(concept)
        display = _concept_text(concept)
        if not coding.get("code") and not display:
            entry.problems.append(
                Problem(f"{entry.resource_type}.{name}", f"{name} is required but is missing")
            )
        return str(coding.get("code", "")), str(coding.get("system", "")), display

    def _event(
        self, entry: _Entry, practitioners: dict[str, str], by_ref: dict[str, _Entry]
    ) -> EventFacts | None:
        r = entry.resource
        local_id = str(r.get("id", ""))
        if not local_id:
            entry.problems.append(Problem(f"{entry.resource_type}.id", "id is required"))
        if entry.resource_type == "Condition":
            code, code_system, display = self._code(entry, "code")
            status = str(_coding(r.get("clinicalStatus")).get("code", ""))
            return EventFacts(
                local_id=local_id,
                kind="condition",
                category="clinical",
                title=title(f"Diagnosis: {display}" if display else "Diagnosis"),
                start=self._date(entry, "onsetDateTime", r.get("onsetDateTime")),
                end=parse_iso_date_prefix(str(r.get("abatementDateTime", "") or "")),
                status=status,
                code=code,
                code_system=code_system,
                code_display=display,
            )
        if entry.resource_type == "Encounter":
            period = r.get("period") or {}
            klass = str((r.get("class") or {}).get("code", ""))
            type_text = _concept_text(_first(r.get("type")))
            practitioner_ref = str(
                (_first(r.get("participant")).get("individual") or {}).get("reference", "")
            )
            practitioner = practitioners.get(practitioner_ref, "")
            start = self._date(entry, "period.start", period.get("start"))
            return EventFacts(
                local_id=local_id,
                kind="encounter",
                category="clinical",
                title=title(type_text or "GP encounter", detail=ENCOUNTER_CLASS.get(klass, "")),
                start=start,
                end=parse_iso_date_prefix(str(period.get("end", "") or "")),
                status=str(r.get("status", "")),
                code=str(_coding(_first(r.get("type"))).get("code", "")),
                code_system=str(_coding(_first(r.get("type"))).get("system", "")),
                code_display=type_text,
                practitioner=practitioner,
                details=compact({"class": klass}),
            )
        if entry.resource_type == "AllergyIntolerance":
            code, code_system, display = self._code(entry, "code")
            when = r.get("onsetDateTime") or r.get("recordedDate")
            return EventFacts(
                local_id=local_id,
                kind="allergy",
                category="clinical",
                title=title(f"Allergy: {display}" if display else "Allergy"),
                start=parse_iso_date_prefix(str(when or "")),
                status=str(_coding(r.get("clinicalStatus")).get("code", "")),
                code=code,
                code_system=code_system,
                code_display=display,
                details=compact(
                    {
                        "criticality": str(r.get("criticality", "") or ""),
                        "reaction": _concept_text(
                            _first(_first(r.get("reaction")).get("manifestation"))
                        ),
                    }
                ),
            )
        if entry.resource_type == "Flag":
            code, code_system, display = self._code(entry, "code")
            period = r.get("period") or {}
            return EventFacts(
                local_id=local_id,
                kind="alert",
                category="clinical",
                title=title(f"Alert: {display}" if display else "Alert"),
                start=parse_iso_date_prefix(str(period.get("start", "") or "")),
                end=parse_iso_date_prefix(str(period.get("end", "") or "")),
                status=str(r.get("status", "")),
                code=code,
                code_system=code_system,
                code_display=display,
            )
        if entry.resource_type == "MedicationRequest":
            code, code_system, display = self._code(entry, "medicationCodeableConcept")
            return EventFacts(
                local_id=local_id,
                kind="medication",
                category="clinical",
                title=title(f"Prescribed: {display}" if display else "Prescription"),
                start=self._date(entry, "authoredOn", r.get("authoredOn")),
                status=str(r.get("status", "")),
                code=code,
                code_system=code_system,
                code_display=display,
                details=compact({"intent": str(r.get("intent", ""))}),
            )
        # Observation
        code, code_system, display = self._code(entry, "code")
        quantity = r.get("valueQuantity") or {}
        value = quantity.get("value")
        unit = str(quantity.get("unit", "") or quantity.get("code", "") or "")
        if isinstance(value, float):
            value = round(value, 2)
        reading = f"{value} {unit}".strip() if value is not None else ""
        if not reading and r.get("valueCodeableConcept"):
            reading = _concept_text(r["valueCodeableConcept"])
        return EventFacts(
            local_id=local_id,
            kind="observation",
            category="clinical",
            title=title(f"{display}: {reading}" if reading else display or "Observation"),
            start=self._date(entry, "effectiveDateTime", r.get("effectiveDateTime")),
            status=str(r.get("status", "")),
            code=code,
            code_system=code_system,
            code_display=display,
            details=compact({"value": value, "unit": unit}),
        )
