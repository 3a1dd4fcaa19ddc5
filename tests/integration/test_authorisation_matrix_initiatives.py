"""The authorisation matrix for the initiative register: every page, form and export ×
commissioner, analyst, GP, social worker and the person × with or without a legitimate
relationship with a person × with or without that person's refusal of the reader's
organisation.

Register, evaluation and lived-experience pages are aggregates: commissioners and analysts
only (VIEW_AGGREGATES; adding, editing and evaluating need MANAGE_INITIATIVES, which both
hold); a relationship with a person changes nothing. Entering a person's survey is about
that person: staff who care for them (a legitimate relationship the person has not refused)
and the person themselves; a refusal is a 403 revealing nothing, audited as record.denied.
The expected outcome is computed here from those rules, not from the code."""

import pytest

from onestory.access.models import OrganisationKind
from onestory.audit.models import AuditEvent
from onestory.initiatives.models import EvaluationRun, Initiative, InitiativeLocality
from onestory.places.models import Locality, Partnership
from tests import factories as f

pytestmark = pytest.mark.django_db

ROLES = {
    "commissioner": OrganisationKind.COMMISSIONER,
    "analyst": OrganisationKind.COMMISSIONER,
    "gp": OrganisationKind.GP_PRACTICE,
    "social_worker": OrganisationKind.ADULT_SOCIAL_CARE,
    "person": None,
}
AGGREGATE_ROLES = {"commissioner", "analyst"}
CARE_ROLES = {"gp", "social_worker"}
AGGREGATE = (
    "register",
    "detail",
    "new_get",
    "new_post",
    "edit_get",
    "edit_post",
    "evaluate_get",
    "evaluate_post",
    "run_page",
    "run_pdf",
    "lived",
)
PERSONAL = ("survey_get", "survey_post")
PORTAL = ("my_survey_get", "my_survey_post")

PANEL = (
    "partnership,locality,quarter,indicator,numerator,denominator,rate_per_100k,"
    "std_rate_per_100k,ci_low,ci_high\n"
    + "".join(
        f"P,{loc},2025Q{q},emergency_admissions,{n},1000,{n * 100.0},,0,0\n"
        for loc, n0 in (("A", 20), ("B", 30))
        for q, n in ((1, n0), (2, n0 + 1), (3, n0 - (5 if loc == "A" else 0)), (4, n0))
    )
)
BODY = {
    "method": "scm",
    "att": -500.0,
    "se": 100.0,
    "ci95": [-696.0, -304.0],
    "weights": {"B": 1.0},
    "time_weights": None,
    "gaps": {"2025Q1": 0.0, "2025Q2": 0.0, "2025Q3": -500.0, "2025Q4": 0.0},
    "pre_rmspe": 0.0,
    "placebo": {"p_value": 0.5, "ratios": {"B": 1.0}},
}


def _setup(role: str, related: bool, refused: bool):
    person = f.rich_person()
    if role == "person":
        user = f.person_user(person, "matrix.person")
        org = None
    else:
        org = f.organisation(f"M-{role}", f"Matrix {role}", ROLES[role])
        user = f.user(f"matrix.{role}", role=role, org=org)
        if related:
            f.care_team(person, user, reason="Matrix: in the care team")
        if refused:
            f.sharing_choice(person, org, decision="refuse")
    partnership = Partnership.objects.create(code="P", name="P")
    a = Locality.objects.create(code="A", name="Alpha", partnership=partnership)
    Locality.objects.create(code="B", name="Beta", partnership=partnership)
    initiative = Initiative.objects.create(name="Matrix MDT", kind="mdt_case_management")
    InitiativeLocality.objects.create(initiative=initiative, locality=a, start_quarter="2025Q3")
    run = EvaluationRun.objects.create(
        initiative=initiative,
        indicator="emergency_admissions",
        treated=["A"],
        comparators=["B"],
        start_quarter="2025Q3",
        methods=["scm"],
        panel_csv=PANEL,
        panel_sha256="0" * 64,
        code_version="0.1.0+src.test",
        results={"scm": BODY},
        ran_by_id="user:0",
        ran_by_label="tests",
    )
    return {"person": person, "user": user, "initiative": initiative, "run": run}


def _request(client, endpoint: str, ctx: dict):
    i = ctx["initiative"].external_id
    run = ctx["run"].external_id
    pid = ctx["person"].external_id
    form = {"name": "New", "kind": "falls_service", "status": "planned"}
    return {
        "register": lambda: client.get("/initiatives/", {"q": "mdt"}),
        "detail": lambda: client.get(f"/initiatives/{i}/"),
        "new_get": lambda: client.get("/initiatives/new/"),
        "new_post": lambda: client.post("/initiatives/new/", form),
        "edit_get": lambda: client.get(f"/initiatives/{i}/edit/"),
        "edit_post": lambda: client.post(f"/initiatives/{i}/edit/", form),
        "evaluate_get": lambda: client.get(f"/initiatives/{i}/evaluate/"),
        "evaluate_post": lambda: client.post(f"/initiatives/{i}/evaluate/", {}),
        "run_page": lambda: client.get(f"/initiatives/runs/{run}/"),
        "run_pdf": lambda: client.get(f"/initiatives/runs/{run}/report.pdf"),
        "lived": lambda: client.get("/initiatives/lived-experience/"),
        "survey_get": lambda: client.get(f"/initiatives/survey/{pid}/"),
        "my_survey_get": lambda: client.get("/initiatives/my-survey/"),
        "my_survey_post": lambda: client.post("/initiatives/my-survey/", {"respondent": "person"}),
        "survey_post": lambda: client.post(
            f"/initiatives/survey/{pid}/",
            {
                "respondent": "person",
                "answered_on-day": "1",
                "answered_on-month": "3",
                "answered_on-year": "2025",
                "dignity": "3",
            },
        ),
    }[endpoint]()


def _expected_allowed(role: str, endpoint: str, related: bool, refused: bool) -> bool:
    if endpoint in AGGREGATE:
        return role in AGGREGATE_ROLES
    if role == "person":
        return True  # their own survey
    if endpoint in PORTAL:
        return False  # the portal's page is the person's own
    return role in CARE_ROLES and related and not refused


@pytest.mark.parametrize("refused", [False, True], ids=["no-refusal", "refused"])
@pytest.mark.parametrize("related", [False, True], ids=["unrelated", "related"])
@pytest.mark.parametrize("endpoint", AGGREGATE + PERSONAL + PORTAL)
@pytest.mark.parametrize("role", list(ROLES))
def test_initiatives_matrix(client, role, endpoint, related, refused):
    ctx = _setup(role, related, refused)
    client.force_login(ctx["user"])
    response = _request(client, endpoint, ctx)
    body = response.content.decode(errors="replace")
    if _expected_allowed(role, endpoint, related, refused):
        assert response.status_code in (200, 302, 400), (response.status_code, body[:300])
        if endpoint == "run_pdf":
            assert response["Content-Type"] == "application/pdf"
    elif endpoint in PORTAL:  # staff are sent to the portal's sign-in page
        assert response.status_code == 302 and "/login" in response["Location"]
    else:
        assert response.status_code == 403
    # No page here names the person, whoever reads it.
    assert "Margaret" not in body and "Oldroyd" not in body
    if endpoint in PERSONAL and not _expected_allowed(role, endpoint, related, refused):
        assert AuditEvent.objects.filter(
            action="record.denied", person_id=str(ctx["person"].external_id)
        ).exists()


def test_survey_post_by_a_refused_organisation_saves_nothing(client):
    ctx = _setup("gp", related=True, refused=True)
    client.force_login(ctx["user"])
    assert _request(client, "survey_post", ctx).status_code == 403
    assert not ctx["person"].survey_responses.exists()
