"""Between FHIR resources and OneStory's source facts, both ways. Pure, no Django.

Import: a Patient becomes `PersonFacts`; Condition, Encounter, Observation,
MedicationRequest, Procedure, EpisodeOfCare, ServiceRequest, CarePlan and Goal become
`EventFacts` on the timeline of the Patient they are about; the sending Organization
becomes the `System`. Export: a source system becomes an Organization with its ODS code,
and each timeline entry the FHIR resource that carries that kind of entry (see
docs/FHIR.md for the table)."""

import hashlib
import re
import uuid
from datetime import date
from typing import Any

from onestory.people.domain import nhs_number as nhs
from onestory.sources.domain.episodes import CLOSED_STATUSES
from onestory.sources.domain.facts import (
    ACUTE,
    ADULT_SOCIAL_CARE,
    GP,
    SOURCE_KIND_CATEGORY,
    VOLUNTARY,
    EventFacts,
    PersonFacts,
    RelationshipFacts,
    System,
)

NHS_NUMBER_SYSTEM = "https://fhir.nhs.uk/Id/nhs-number"
ODS_SYSTEM = "https://fhir.nhs.uk/Id/ods-organization-code"
SNOMED = "http://snomed.info/sct"
UK_CORE_PATIENT = "https://fhir.hl7.org.uk/StructureDefinition/UKCore-Patient"
UK_CORE_ORGANIZATION = "https://fhir.hl7.org.uk/StructureDefinition/UKCore-Organization"
# Identifiers OneStory gives what it holds: a person's record in one source system, and
# the integrated person itself.
LOCAL_ID_SYSTEM = "https://onestory.example/Id/source-record/"
PERSON_ID_SYSTEM = "https://onestory.example/Id/person"

# What each mapped FHIR type becomes on the timeline.
EVENT_KIND = {
    "Condition": "condition",
    "Encounter": "encounter",
    "Observation": "observation",
    "MedicationRequest": "medication",
    "Procedure": "procedure",
    "EpisodeOfCare": "service",
    "ServiceRequest": "referral",
    "CarePlan": "care_plan",
    "Goal": "goal",
    "AllergyIntolerance": "allergy",
    "Flag": "alert",
}
# Where each type says who it is about.
SUBJECT_FIELDS = ("subject", "patient", "beneficiary")
_UK_POSTCODE = re.compile(r"^[A-Z]{1,2}[0-9][A-Z0-9]? ?[0-9][A-Z]{2}$")
_SEX = {"male": "male", "female": "female", "other": "unknown", "unknown": "unknown"}
_GP_WORDS = re.compile(r"\b(practice|surgery|medical cent(re|er)|health cent(re|er)|gp)\b", re.I)


# ---------------------------------------------------------------------------- import


def first(items: Any) -> dict[str, Any]:
    return items[0] if isinstance(items, list) and items and isinstance(items[0], dict) else {}


def coding(concept: Any) -> dict[str, Any]:
    return first(concept.get("coding")) if isinstance(concept, dict) else {}


def concept_text(concept: Any) -> str:
    if not isinstance(concept, dict):
        return ""
    return str(
        concept.get("text") or coding(concept).get("display") or coding(concept).get("code") or ""
    )


def identifier(resource: dict[str, Any], system: str) -> str:
    for ident in resource.get("identifier", []) or []:
        if isinstance(ident, dict) and ident.get("system") == system and ident.get("value"):
            return str(ident["value"])
    return ""


def subject_ref(resource: dict[str, Any]) -> str:
    """The `Patient/id` a resource is about, or ""."""
    if resource.get("resourceType") == "Patient":
        return f"Patient/{resource.get('id', '')}"
    for name in SUBJECT_FIELDS:
        value = resource.get(name)
        ref = str(value.get("reference", "")) if isinstance(value, dict) else ""
        if ref.startswith("Patient/"):
            return ref
    return ""


def sending_system(organizations: list[dict[str, Any]], file_name: str) -> System:
    """The source system a bundle came from: its first Organization with an ODS code (else
    its first Organization), or, with none, the file itself. The kind follows the
    organisation's type: a GP practice, a council (social care), a community group
    (voluntary) or otherwise a healthcare provider."""
    with_ods = [o for o in organizations if identifier(o, ODS_SYSTEM)]
    candidates = with_ods or organizations
    if not candidates:
        code = "F" + hashlib.sha1(file_name.encode()).hexdigest()[:9].upper()
        return System(kind=ACUTE, org_code=code, org_name=file_name[:200])
    org = candidates[0]
    ods = identifier(org, ODS_SYSTEM)
    if not ods:
        key = first(org.get("identifier")).get("value") or org.get("id") or org.get("name", "")
        ods = "F" + hashlib.sha1(str(key).encode()).hexdigest()[:9].upper()
    type_code = str(coding(first(org.get("type"))).get("code", ""))
    name = str(org.get("name", "") or "")
    if _GP_WORDS.search(name):
        kind = GP
    elif type_code == "govt":
        kind = ADULT_SOCIAL_CARE
    elif type_code == "cg":
        kind = VOLUNTARY
    else:
        kind = ACUTE
    return System(kind=kind, org_code=ods[:20], org_name=name[:200])


def _date(value: Any) -> date | None:
    text = str(value or "")[:10]
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


def patient_facts(patient: dict[str, Any]) -> PersonFacts:
    """A Patient as a source system's person: the NHS number only when it is valid, a UK
    postcode only when it is one (an address abroad keeps its code in the address)."""
    number = nhs.normalise(identifier(patient, NHS_NUMBER_SYSTEM))
    name = first(patient.get("name"))
    birth_text = str(patient.get("birthDate", "") or "")
    birth = _date(birth_text) if len(birth_text) >= 10 else None
    year = int(birth_text[:4]) if birth is None and birth_text[:4].isdigit() else None
    month = (
        int(birth_text[5:7])
        if year and len(birth_text) >= 7 and birth_text[5:7].isdigit()
        else None
    )
    address = first(patient.get("address"))
    postcode_text = str(address.get("postalCode", "") or "").upper().strip()
    postcode = postcode_text if _UK_POSTCODE.match(postcode_text) else ""
    place = [str(x) for x in address.get("line", []) or []] + [str(address.get("city", "") or "")]
    if postcode_text and not postcode:
        place.append(postcode_text)
    phone = next(
        (
            str(t.get("value", ""))
            for t in patient.get("telecom", []) or []
            if isinstance(t, dict) and t.get("system") == "phone"
        ),
        "",
    )
    return PersonFacts(
        local_id=str(patient.get("id", ""))[:64],
        nhs_number=number if nhs.is_valid(number) else "",
        given_name=str((name.get("given") or [""])[0] or "")[:100],
        family_name=str(name.get("family", "") or "")[:100],
        date_of_birth=birth,
        birth_year=year,
        birth_month=month if month and 1 <= month <= 12 else None,
        sex=_SEX.get(str(patient.get("gender", "") or ""), ""),
        postcode=postcode[:10],
        address=", ".join(p for p in place if p)[:300],
        phone=phone[:30],
    )


def related_person_facts(related: dict[str, Any]) -> RelationshipFacts:
    """A RelatedPerson as a relationship the source records: next of kin unless it says
    carer."""
    name = first(related.get("name"))
    text = name.get("text") or " ".join(
        str(p) for p in [*(name.get("given") or []), name.get("family", "")] if p
    )
    said = concept_text(first(related.get("relationship")))
    return RelationshipFacts(
        relationship="carer" if "carer" in said.lower() else "next_of_kin",
        related_name=str(text)[:200] or f"RelatedPerson/{related.get('id', '')}",
        details={"relationship": said, "fhir": f"RelatedPerson/{related.get('id', '')}"},
    )


def event_date(resource: dict[str, Any]) -> tuple[date | None, date | None]:
    """When a resource's event started and ended, from the element each type uses."""
    rtype = resource.get("resourceType")
    period: dict[str, Any] = {}
    start: Any = None
    if rtype == "Condition":
        start = resource.get("onsetDateTime") or resource.get("recordedDate")
        end = resource.get("abatementDateTime")
        return _date(start), _date(end)
    if rtype == "Observation":
        start = (
            resource.get("effectiveDateTime")
            or (resource.get("effectivePeriod") or {}).get("start")
            or resource.get("issued")
        )
    elif rtype in ("MedicationRequest", "ServiceRequest"):
        start = resource.get("authoredOn") or resource.get("occurrenceDateTime")
        period = resource.get("occurrencePeriod") or {}
    elif rtype == "Procedure":
        start = resource.get("performedDateTime")
        period = resource.get("performedPeriod") or {}
    elif rtype in ("Encounter", "EpisodeOfCare", "CarePlan", "Consent", "CareTeam"):
        period = resource.get("period") or resource.get("provision", {}).get("period") or {}
        start = resource.get("created") or resource.get("dateTime")
    elif rtype == "Goal":
        start = resource.get("startDate") or resource.get("statusDate")
    elif rtype == "AllergyIntolerance":
        start = resource.get("onsetDateTime") or resource.get("recordedDate")
    elif rtype == "Flag":
        period = resource.get("period") or {}
    return _date(period.get("start") or start), _date(period.get("end"))


def status_of(resource: dict[str, Any]) -> str:
    if resource.get("resourceType") == "Condition":
        return str(coding(resource.get("clinicalStatus")).get("code", ""))
    if resource.get("resourceType") == "Goal":
        return str(resource.get("lifecycleStatus", ""))
    if resource.get("resourceType") == "AllergyIntolerance":
        return str(coding(resource.get("clinicalStatus")).get("code", ""))
    return str(resource.get("status", "") or "")


def _code_concept(resource: dict[str, Any]) -> Any:
    rtype = resource.get("resourceType")
    if rtype == "MedicationRequest":
        return resource.get("medicationCodeableConcept")
    if rtype in ("Encounter", "EpisodeOfCare"):
        return first(resource.get("type")) or None
    if rtype == "CarePlan":
        return first(resource.get("category")) or None
    if rtype == "Goal":
        return resource.get("description")
    return resource.get("code")


def _title(resource: dict[str, Any], concept: Any) -> str:
    rtype = str(resource.get("resourceType"))
    text = concept_text(concept)
    if rtype == "CarePlan" and resource.get("title"):
        text = str(resource["title"])
    if rtype == "Observation":
        quantity = resource.get("valueQuantity") or {}
        if "value" in quantity:
            text = f"{text}: {quantity['value']} {quantity.get('unit', '')}".strip()
        elif resource.get("valueCodeableConcept"):
            text = f"{text}: {concept_text(resource['valueCodeableConcept'])}"
    if rtype == "Encounter" and not text:
        text = str((resource.get("class") or {}).get("display") or "Encounter")
    return (text or rtype)[:300]


def event_facts(resource: dict[str, Any], category: str) -> EventFacts | None:
    """The timeline entry a resource makes, or None when its type makes none."""
    rtype = str(resource.get("resourceType", ""))
    kind = EVENT_KIND.get(rtype)
    if kind is None:
        return None
    concept = _code_concept(resource)
    code = coding(concept)
    start, end = event_date(resource)
    return EventFacts(
        local_id=f"{rtype}/{resource.get('id', '')}"[:100],
        kind=kind,
        category=category,
        title=_title(resource, concept),
        start=start,
        end=end,
        status=status_of(resource)[:40],
        code=str(code.get("code", ""))[:40],
        code_system=str(code.get("system", ""))[:100],
        code_display=str(code.get("display", ""))[:300],
        details={"fhir": f"{rtype}/{resource.get('id', '')}"},
    )


def category_for(system: System) -> str:
    return SOURCE_KIND_CATEGORY.get(system.kind, "clinical")


# ---------------------------------------------------------------------------- export


def stable_id(*parts: str) -> str:
    """A FHIR id (a uuid) that is the same every time for the same parts."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, "onestory:" + "|".join(parts)))


def organization_resource(code: str, org_code: str, org_name: str, kind_label: str) -> dict:
    """A source system as a UK Core Organization with its ODS code."""
    return {
        "resourceType": "Organization",
        "id": stable_id("system", code),
        "meta": {"profile": [UK_CORE_ORGANIZATION]},
        "identifier": [{"system": ODS_SYSTEM, "value": org_code}],
        "name": org_name or org_code,
        "type": [{"text": kind_label}],
    }


def patient_resource(
    person_id: str,
    *,
    given: str,
    family: str,
    nhs_number: str,
    birth_date: date | None,
    sex: str,
    postcode: str,
    address: str,
    phone: str,
    records: list[tuple[str, str]],
) -> dict:
    """OneStory's person as a UK Core Patient: the NHS number (when known) and each source
    system's own id for them. `records` is (system code, local id) pairs."""
    identifiers = []
    if nhs_number:
        identifiers.append({"system": NHS_NUMBER_SYSTEM, "value": nhs.normalise(nhs_number)})
    identifiers.append({"system": PERSON_ID_SYSTEM, "value": person_id})
    identifiers += [
        {"system": LOCAL_ID_SYSTEM + code, "value": local_id} for code, local_id in records
    ]
    patient: dict[str, Any] = {
        "resourceType": "Patient",
        "id": person_id,
        "meta": {"profile": [UK_CORE_PATIENT]},
        "identifier": identifiers,
    }
    name = {k: v for k, v in (("family", family), ("given", [given] if given else [])) if v}
    if name:
        patient["name"] = [{"use": "official", **name}]
    if sex:
        patient["gender"] = sex if sex in ("male", "female") else "unknown"
    if birth_date:
        patient["birthDate"] = birth_date.isoformat()
    if phone:
        patient["telecom"] = [{"system": "phone", "value": phone}]
    if address or postcode:
        addr: dict[str, Any] = {"use": "home"}
        if address:
            addr["text"] = address
        if postcode:
            addr["postalCode"] = postcode
        patient["address"] = [addr]
    return patient


# Which FHIR resource carries each kind of timeline entry from a non-FHIR source.
ENCOUNTER_KINDS = {
    "encounter": "AMB",
    "contact": "AMB",
    "ae_attendance": "EMER",
    "admission": "IMP",
}
CONDITION_KINDS = frozenset({"condition", "diagnosis"})
REQUEST_KINDS = frozenset({"referral", "request", "social_prescribing"})


def _concept(code: str, system: str, display: str, text: str) -> dict[str, Any]:
    concept: dict[str, Any] = {"text": text or display or code}
    if code:
        coded = {"code": code, "display": display} if display else {"code": code}
        if system:
            coded["system"] = (
                SNOMED if system.lower() in ("snomed", "snomed ct", SNOMED) else system
            )
        concept["coding"] = [coded]
    return concept


def _period(start: date | None, end: date | None) -> dict[str, str]:
    period = {}
    if start:
        period["start"] = start.isoformat()
    if end:
        period["end"] = end.isoformat()
    return period


def event_resource(event: dict[str, Any], patient_ref: str, org_ref: str) -> dict[str, Any]:
    """One timeline entry of a non-FHIR source as the FHIR resource for its kind.

    `event` holds the SourceEvent's fields (`id_key`, kind, title, start, end, status, code,
    code_system, code_display, kind_label)."""
    kind = event["kind"]
    rid = stable_id("event", event["id_key"])
    start, end = event.get("start"), event.get("end")
    closed = bool(end) or str(event.get("status", "")).strip().lower() in CLOSED_STATUSES
    concept = _concept(
        event.get("code", ""),
        event.get("code_system", ""),
        event.get("code_display", ""),
        event.get("title", ""),
    )
    subject = {"reference": patient_ref}
    if kind in CONDITION_KINDS:
        resource: dict[str, Any] = {
            "resourceType": "Condition",
            "clinicalStatus": {
                "coding": [
                    {
                        "system": "http://terminology.hl7.org/CodeSystem/condition-clinical",
                        "code": "resolved" if closed else "active",
                    }
                ]
            },
            "code": concept,
            "subject": subject,
        }
        if start:
            resource["onsetDateTime"] = start.isoformat()
    elif kind in ENCOUNTER_KINDS:
        resource = {
            "resourceType": "Encounter",
            "status": "finished" if closed or kind == "encounter" else "in-progress",
            "class": {
                "system": "http://terminology.hl7.org/CodeSystem/v3-ActCode",
                "code": ENCOUNTER_KINDS[kind],
            },
            "type": [concept],
            "subject": subject,
            "period": _period(start, end),
            "serviceProvider": {"reference": org_ref},
        }
    elif kind == "observation":
        resource = {
            "resourceType": "Observation",
            "status": "final",
            "code": concept,
            "subject": subject,
        }
        if start:
            resource["effectiveDateTime"] = start.isoformat()
    elif kind == "medication":
        resource = {
            "resourceType": "MedicationRequest",
            "status": "completed" if closed else "active",
            "intent": "order",
            "medicationCodeableConcept": concept,
            "subject": subject,
        }
        if start:
            resource["authoredOn"] = start.isoformat()
    elif kind == "allergy":
        resource = {
            "resourceType": "AllergyIntolerance",
            "clinicalStatus": {
                "coding": [
                    {
                        "system": "http://terminology.hl7.org/CodeSystem/"
                        "allergyintolerance-clinical",
                        "code": "resolved" if closed else "active",
                    }
                ]
            },
            "code": concept,
            "patient": subject,
        }
        if start:
            resource["recordedDate"] = start.isoformat()
    elif kind == "alert":
        resource = {
            "resourceType": "Flag",
            "status": "inactive" if closed else "active",
            "code": concept,
            "subject": subject,
            "period": _period(start, end),
        }
    elif kind in REQUEST_KINDS:
        resource = {
            "resourceType": "ServiceRequest",
            "status": "completed" if closed else "active",
            "intent": "order",
            "category": [{"text": event.get("kind_label", kind)}],
            "code": concept,
            "subject": subject,
            "requester": {"reference": org_ref},
        }
        if start:
            resource["authoredOn"] = start.isoformat()
    else:
        # Services, placements, assessments, plans, tenancies…: an episode of care the
        # organisation is responsible for.
        resource = {
            "resourceType": "EpisodeOfCare",
            "status": "finished" if closed else "active",
            "type": [{"text": event.get("kind_label", kind)}, concept],
            "patient": subject,
            "managingOrganization": {"reference": org_ref},
            "period": _period(start, end),
        }
    resource["id"] = rid
    return resource
