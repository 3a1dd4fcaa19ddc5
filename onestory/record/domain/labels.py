"""Words shown for the codes the sources and importer use."""

KIND_LABELS: dict[str, str] = {
    "condition": "Condition",
    "encounter": "GP encounter",
    "medication": "Medication",
    "observation": "Observation",
    "ae_attendance": "A&E attendance",
    "admission": "Hospital admission",
    "referral": "Referral",
    "contact": "Contact",
    "request": "Request for support",
    "assessment": "Assessment",
    "service": "Care and support service",
    "review": "Review",
    "child_in_need": "Child in need",
    "child_protection_plan": "Child protection plan",
    "ehcp": "Education, health and care plan",
    "tenancy": "Tenancy",
    "adaptation": "Home adaptation",
    "homelessness": "Homelessness",
    "social_prescribing": "Social prescribing",
    "placement": "Placement",
    "allergy": "Allergy",
    "alert": "Alert",
}

CATEGORY_LABELS: dict[str, str] = {
    "demographics": "Demographics",
    "clinical": "Clinical",
    "mental_health": "Mental health",
    "community_health": "Community health",
    "social_care": "Social care",
    "children": "Children's services",
    "housing": "Housing",
    "voluntary": "Voluntary sector",
}

RELATIONSHIP_LABELS: dict[str, str] = {
    "carer": "Carer",
    "cared_for": "Cares for",
    "parent": "Parent",
    "child": "Child",
    "partner": "Partner",
    "sibling": "Sibling",
    "household_member": "Household member",
    "next_of_kin": "Next of kin",
    "next_of_kin_of": "Is next of kin for",
    "emergency_contact": "Emergency contact",
    "emergency_contact_of": "Is emergency contact for",
}


def _fallback(code: str) -> str:
    return (code or "").replace("_", " ").strip().capitalize()


def kind_label(kind: str) -> str:
    return KIND_LABELS.get(kind) or _fallback(kind)


def category_label(category: str) -> str:
    return CATEGORY_LABELS.get(category) or _fallback(category)


def relationship_label(relationship: str) -> str:
    return RELATIONSHIP_LABELS.get(relationship) or _fallback(relationship)
