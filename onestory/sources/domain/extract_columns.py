"""The columns of each CSV extract, in order: docs/EXTRACTS.md in code.

The synthetic borough writes them and the adapters require them, so the two sides of the
contract cannot drift apart silently."""

ACUTE_PERSON = (
    "hospital_number",
    "nhs_number",
    "surname",
    "forename",
    "dob",
    "sex",
    "postcode",
    "address_line",
    "org_code",
    "org_name",
)

ACUTE_AE_ATTENDANCES = ACUTE_PERSON + (
    "attendance_id",
    "arrival_date",
    "arrival_mode",
    "chief_complaint",
    "diagnosis_snomed",
    "diagnosis_text",
    "disposal",
)

ACUTE_ADMISSIONS = ACUTE_PERSON + (
    "spell_id",
    "admission_method",
    "admission_date",
    "discharge_date",
    "specialty",
    "primary_diagnosis_snomed",
    "primary_diagnosis_text",
    "discharge_destination",
    "consultant",
)

# Mental health trust and community health share one shape.
TRUST_PERSON = (
    "patient_id",
    "nhs_number",
    "given_name",
    "family_name",
    "date_of_birth",
    "gender",
    "postcode",
    "address",
    "org_code",
    "org_name",
)

TRUST_REFERRALS = TRUST_PERSON + (
    "referral_id",
    "referral_date",
    "referral_source",
    "team",
    "reason",
    "status",
    "closed_date",
)

TRUST_CONTACTS = TRUST_PERSON + (
    "contact_id",
    "referral_id",
    "contact_date",
    "contact_type",
    "clinician",
    "outcome",
)

ADULT_SOCIAL_CARE_CLD = (
    "la_person_id",
    "nhs_number",
    "first_name",
    "last_name",
    "date_of_birth",
    "gender",
    "postcode",
    "address",
    "org_code",
    "org_name",
    "event_reference",
    "event_type",
    "event_start_date",
    "event_end_date",
    "event_outcome",
    "client_type",
    "primary_support_reason",
    "route_of_access",
    "assessment_type",
    "service_type",
    "service_component",
    "delivery_mechanism",
    "planned_hours_per_week",
    "unit_cost_weekly_pounds",
    "unpaid_carer_name",
    "unpaid_carer_relationship",
    "cared_for_la_person_id",
)

CHILDRENS_SERVICES = (
    "child_id",
    "nhs_number",
    "forename",
    "surname",
    "dob",
    "sex",
    "postcode",
    "address",
    "org_code",
    "org_name",
    "record_id",
    "record_type",
    "start_date",
    "end_date",
    "category",
    "school",
    "parent_carer_name",
    "parent_carer_relationship",
)

HOUSING = (
    "tenant_ref",
    "household_ref",
    "title",
    "first_name",
    "surname",
    "date_of_birth",
    "address",
    "postcode",
    "relationship_to_lead",
    "org_code",
    "org_name",
    "record_id",
    "record_type",
    "start_date",
    "end_date",
    "detail",
    "status",
)
