"""Every route that accepts POST has a journey test that submits it.

The URL resolver is walked and each view's accepted methods read from its decorators
(`tests/integration/_routes.py`); every template's `<form method="post" action="{% url … %}">`
is read too. Each POST route must be named in JOURNEYS below, with the test that submits it
(`file::test_name`, checked to exist). A new form without a journey test fails here: add its
test, then its line. Routes whose view does not declare its methods must be in NOT_FORMS
with the reason they take no form (or, better, get a `require_GET`)."""

import re
from pathlib import Path

import pytest

from tests.integration._routes import routes

ROOT = Path(__file__).resolve().parents[2]

# URL name → the test that submits the form (valid input at least; see the file for the
# invalid and unauthorised cases next to it).
JOURNEYS: dict[str, str] = {
    # planning (staff): tests/integration/test_form_journeys_planning.py
    "plan-start": "tests/integration/test_form_journeys_planning.py::test_plan_start_form_creates_the_plan_and_audits",
    "plan-propose": "tests/integration/test_form_journeys_planning.py::test_plan_propose_form_saves_a_draft_and_audits",
    "plan-edit": "tests/integration/test_form_journeys_planning.py::test_plan_edit_form_saves_new_words_and_audits",
    "plan-add-goal": "tests/integration/test_form_journeys_planning.py::test_plan_add_goal_form_saves_the_goal_and_audits",
    "plan-review": "tests/integration/test_form_journeys_planning.py::test_plan_review_form_records_progress_and_audits",
    "plan-restore": "tests/integration/test_form_journeys_planning.py::test_plan_restore_form_restores_words_as_drafts_and_audits",
    "plan-coordinate": "tests/integration/test_form_journeys_planning.py::test_plan_coordinate_form_names_the_coordinator_and_audits",
    # planning (the person's own plan)
    "portal-plan-write": "tests/integration/test_form_journeys_planning.py::test_portal_plan_write_form_saves_the_persons_own_words_and_audits",
    "portal-plan-confirm": "tests/integration/test_form_journeys_planning.py::test_portal_plan_confirm_form_confirms_the_draft_and_audits",
    "portal-plan-rewrite": "tests/integration/test_form_journeys_planning.py::test_portal_plan_rewrite_form_saves_the_persons_words_and_audits",
    # budgets: one endpoint, one test per action in tests/integration/test_form_journeys_budgets.py
    "person-budget-action": "tests/integration/test_form_journeys_budgets.py::test_budget_create_form_creates_the_budget_and_audits",
    # access
    "login": "tests/integration/test_pages.py::test_login_with_password_then_lands_on_search",
    "logout": "tests/integration/test_form_journeys_others.py::test_logout_form_ends_the_session",
    "break-glass-review": "tests/integration/test_access_pages.py::test_break_glass_queue_hides_grants_of_organisations_with_their_own_lead",
    "staff-create": "tests/integration/test_access_pages.py::test_staff_page_creates_account",
    "staff-assign": "tests/integration/test_access_pages.py::test_staff_page_assigns_role_and_organisation",
    "staff-active": "tests/integration/test_access_pages.py::test_staff_page_disables_and_enables_an_account",
    "staff-password": "tests/integration/test_access_pages.py::test_staff_page_resets_a_password_and_unlocks",
    "join-request-review": "tests/integration/test_access_pages.py::test_join_request_review_form_approves_and_refuses",
    # record
    "person-join-care-team": "tests/integration/test_access_pages.py::test_join_care_team_with_a_basis_opens_record_with_care_team_card",
    "person-break-glass": "tests/integration/test_access_pages.py::test_break_glass_opens_record_with_banner_and_expiry",
    "care-team-leave": "tests/integration/test_access_pages.py::test_leave_care_team_ends_access",
    # portal
    "portal-login": "tests/integration/test_portal.py::test_demo_sign_in_with_nhs_number_and_date_of_birth_opens_record",
    "portal-logout": "tests/integration/test_form_journeys_others.py::test_portal_logout_form_ends_the_persons_session",
    "portal-sharing": "tests/integration/test_portal.py::test_sharing_page_saves_only_what_changed",
    # identity
    "identity-review-batch": "tests/integration/test_identity_review.py::test_review_batch_form_decides_each_pair_and_keeps_four_eyes",
    "identity-review-pair": "tests/integration/test_identity_pages.py::test_review_link_joins_the_two_people_at_once_and_shows_the_person",
    "identity-person": "tests/integration/test_identity_pages.py::test_unmerge_on_identity_page_needs_records_and_a_reason",
    "identity-merge": "tests/integration/test_identity_pages.py::test_merge_page_does_not_merge_people_other_than_those_shown",
    # national view
    "national-models": "tests/integration/test_national.py::test_model_form_records_a_version_and_names_bad_fields",
    "integration-model-new": "tests/integration/test_integration_model_pages.py::test_commissioner_records_versions_and_sees_what_changed_who_when_and_why",
    "identity-merge-request": "tests/integration/test_identity_safe_merge.py::test_merge_request_form_needs_a_second_officer_then_merges",
    # casework (MDT)
    "mdt-take-on": "tests/integration/test_casework.py::test_take_onto_caseload_is_audited_joins_care_team_and_shows_on_record",
    "mdt-end-caseload": "tests/integration/test_form_journeys_others.py::test_end_caseload_form_ends_the_entry_and_audits",
    # (also submitted in a browser by tests/browser/test_mdt.py)
    "mdt-meetings": "tests/integration/test_form_journeys_others.py::test_mdt_meetings_form_creates_the_meeting_with_its_agenda_and_audits",
    "mdt-meeting": "tests/integration/test_form_journeys_others.py::test_mdt_meeting_form_records_the_discussion_and_audits",
    "mdt-assign-action": "tests/integration/test_casework.py::test_action_reaches_the_assignee_and_completion_is_audited",
    "mdt-complete-action": "tests/integration/test_casework.py::test_action_reaches_the_assignee_and_completion_is_audited",
    # Shared Lives: tests/integration/test_form_journeys_sharedlives.py
    "sharedlives-carer-new": "tests/integration/test_form_journeys_sharedlives.py::test_carer_new_form_records_the_application_and_audits",
    "sharedlives-carer-action": "tests/integration/test_form_journeys_sharedlives.py::test_carer_action_forms_take_a_carer_from_application_to_approval_review_and_deapproval",
    "sharedlives-refer": "tests/integration/test_form_journeys_sharedlives.py::test_refer_form_starts_from_the_plan_and_record_and_creates_the_referral",
    "sharedlives-referral-action": "tests/integration/test_form_journeys_sharedlives.py::test_referral_action_forms_introduce_trial_outcome_arrange_pay_and_review",
    # Better Care Fund plan: tests/integration/test_form_journeys_bcf.py
    "bcf-agreement-new": "tests/integration/test_form_journeys_bcf.py::test_agreement_new_form_sets_up_the_agreement_and_audits",
    "bcf-agreement-edit": "tests/integration/test_form_journeys_bcf.py::test_agreement_edit_form_changes_the_terms_and_audits",
    "bcf-contributions": "tests/integration/test_form_journeys_bcf.py::test_contributions_form_sets_a_source_for_a_year_and_audits",
    "bcf-scheme-new": "tests/integration/test_form_journeys_bcf.py::test_scheme_new_form_adds_the_scheme_and_audits",
    "bcf-scheme": "tests/integration/test_form_journeys_bcf.py::test_scheme_form_changes_the_scheme_and_audits",
    "bcf-scheme-spend": "tests/integration/test_form_journeys_bcf.py::test_scheme_spend_form_records_a_quarter_and_audits",
    "bcf-targets": "tests/integration/test_form_journeys_bcf.py::test_targets_form_sets_a_target_and_trajectory_and_audits",
    # Care market and pooled budgets: tests/integration/test_form_journeys_market.py
    "market-provider-new": "tests/integration/test_form_journeys_market.py::test_market_provider_new_form_adds_the_provider_and_audits",
    "market-provider-edit": "tests/integration/test_form_journeys_market.py::test_market_provider_edit_form_saves_and_audits",
    "market-service-new": "tests/integration/test_form_journeys_market.py::test_market_service_new_form_adds_the_service_and_audits",
    "market-service-edit": "tests/integration/test_form_journeys_market.py::test_market_service_edit_form_saves_places_and_audits",
    "market-contract-new": "tests/integration/test_form_journeys_market.py::test_market_contract_new_form_adds_the_contract_and_audits",
    "market-contract-edit": "tests/integration/test_form_journeys_market.py::test_market_contract_edit_form_changes_what_may_be_varied_and_audits",
    "market-decommission": "tests/integration/test_form_journeys_market.py::test_market_decommission_form_shows_the_impact_then_records_the_decision",
    "market-pool-new": "tests/integration/test_form_journeys_market.py::test_market_pool_new_form_sets_up_the_pool_and_audits",
    "market-pool-member-add": "tests/integration/test_form_journeys_market.py::test_market_pool_member_add_form_adds_with_consent_and_commits_the_share",
    "market-pool-consent": "tests/integration/test_form_journeys_market.py::test_market_pool_consent_form_records_consent_on_behalf_and_audits",
    "market-my-answer": "tests/integration/test_form_journeys_market.py::test_market_my_answer_form_lets_the_person_agree_and_commits_their_share",
    "market-pool-exit": "tests/integration/test_form_journeys_market.py::test_market_pool_exit_form_stops_the_share_and_audits",
    # initiative register and evaluations: tests/integration/test_form_journeys_initiatives.py
    "initiative-new": "tests/integration/test_form_journeys_initiatives.py::test_initiative_new_form_creates_the_initiative_and_audits",
    "initiative-edit": "tests/integration/test_form_journeys_initiatives.py::test_initiative_edit_form_saves_the_changes_and_audits",
    # (also submitted in a browser by tests/browser/test_initiatives.py)
    "initiative-evaluate": "tests/integration/test_form_journeys_initiatives.py::test_initiative_evaluate_form_runs_the_evaluation_and_shows_the_report",
    "survey-entry": "tests/integration/test_form_journeys_initiatives.py::test_survey_entry_form_saves_the_survey_and_audits",
    "portal-survey": "tests/integration/test_form_journeys_initiatives.py::test_portal_survey_form_saves_the_persons_own_answers_and_audits",
    # background jobs: tests/integration/test_jobs.py
    "jobs": "tests/integration/test_jobs.py::test_jobs_start_form_queues_case_finding_and_the_worker_runs_it",
    "job-cancel": "tests/integration/test_jobs.py::test_cancel_form_cancels_a_waiting_job_and_the_worker_skips_it",
    # FHIR: transaction and batch Bundles are POSTed to the base
    "fhir:base": "tests/integration/test_fhir_api.py::test_fhir_post_transaction_stores_and_answers_per_entry",
    "fhir:<fhir/>": "tests/integration/test_fhir_api.py::test_fhir_post_transaction_stores_and_answers_per_entry",
    # FHIR create (POST), conditional update (PUT with a search) and update (PUT)
    "fhir:search": "tests/integration/test_fhir_writes.py::test_fhir_create_gives_a_new_id_version_1_and_is_audited",
    "fhir:read": "tests/integration/test_fhir_writes.py::test_fhir_update_versions_history_vread_and_if_match",
    # SMART App Launch: the consent form, the token and revocation endpoints (an OAuth
    # client library drives them), and app registration
    "smart-authorize": "tests/integration/test_fhir_smart.py::test_smart_standalone_launch_with_pkce_reads_the_chosen_patient",
    "smart-token": "tests/integration/test_fhir_smart.py::test_smart_standalone_launch_with_pkce_reads_the_chosen_patient",
    "smart-revoke": "tests/integration/test_fhir_smart.py::test_smart_expired_and_revoked_tokens_are_refused",
    "smart-apps": "tests/integration/test_fhir_smart_pages.py::test_smart_apps_form_registers_public_and_confidential_apps_and_audits",
    "smart-app-remove": "tests/integration/test_fhir_smart_pages.py::test_smart_app_remove_form_removes_the_app_and_its_tokens_stop",
}

# Routes whose view does not declare its methods, and why they take no form.
NOT_FORMS: dict[str, str] = {
    "api:openapi-json": "django-ninja's schema, GET only",
    "api:api-root": "django-ninja's root, GET only",
    "api:openapi-view": "django-ninja's interactive docs page: renders the docs, changes nothing",
    "fhir:metadata": "the view answers 405 to anything but GET",
    "fhir:everything": "the view answers 405 to anything but GET",
    "fhir:history": "the view answers 405 to anything but GET",
    "fhir:vread": "the view answers 405 to anything but GET",
    "fhir:unknown": "answers every method with a 404 OperationOutcome",
    "fhir:export": "Bulk Data kick-off: the view answers 405 to anything but GET",
    "fhir:export-patients": "Bulk Data kick-off: the view answers 405 to anything but GET",
    "fhir:export-group": "Bulk Data kick-off: the view answers 405 to anything but GET",
    "fhir:export-status": "GET polls, DELETE removes the job (test_fhir_bulk.py); no POST",
    "fhir:export-file": "the view answers 405 to anything but GET",
}

_FORM = re.compile(r"<form\b[^>]*>", re.I)
_URL_NAME = re.compile(r"""\{%\s*url\s+['"]([^'"]+)['"]""")


def _post_routes() -> set[str]:
    return {r.name for r in routes() if r.methods is None or "POST" in r.methods} - set(NOT_FORMS)


def _template_form_actions() -> dict[str, str]:
    """URL names that a template's POST form submits to → the template."""
    found = {}
    for template in (ROOT / "onestory").rglob("templates/**/*.html"):
        for tag in _FORM.findall(template.read_text()):
            if re.search(r"""method=["']post["']""", tag, re.I):
                for name in _URL_NAME.findall(tag):
                    found[name] = str(template.relative_to(ROOT))
    return found


def test_every_post_route_has_a_journey_test():
    missing = sorted(_post_routes() - set(JOURNEYS))
    assert not missing, (
        f"These routes accept POST but name no journey test in JOURNEYS: {missing}. "
        "Write a test that submits the form (valid, invalid, unauthorised) and add it."
    )


def test_every_template_form_has_a_journey_test():
    actions = _template_form_actions()
    assert "plan-edit" in actions  # the scan finds the forms
    missing = {name: t for name, t in actions.items() if name not in JOURNEYS}
    assert not missing, f"Forms in templates with no journey test in JOURNEYS: {missing}"


def test_every_route_says_which_methods_it_accepts_or_is_listed():
    undeclared = sorted(r.name for r in routes() if r.methods is None)
    unexplained = [n for n in undeclared if n not in NOT_FORMS and n not in JOURNEYS]
    assert not unexplained, f"Views that do not declare their methods: {unexplained}"


@pytest.mark.parametrize("name", sorted(JOURNEYS))
def test_journey_registry_names_a_real_test(name):
    test_id = JOURNEYS[name]
    path, _, test_name = test_id.partition("::")
    source = ROOT / path
    assert source.exists(), f"{name}: {path} does not exist"
    assert re.search(rf"^def {re.escape(test_name)}\(", source.read_text(), re.M), (
        f"{name}: no test {test_name} in {path}"
    )


def test_journey_registry_has_no_stale_routes():
    known = {r.name for r in routes()}
    stale = sorted(set(JOURNEYS) - known) + sorted(set(NOT_FORMS) - known)
    assert not stale, f"Registry names routes that no longer exist: {stale}"


def test_every_budget_action_has_a_journey_test():
    """The budget page's forms share one route; each `action` needs its own journey test,
    named test_budget_<action>_form_… in the budgets journey file."""
    template = (ROOT / "onestory/budgets/templates/budgets/budget.html").read_text()
    actions = set(re.findall(r'name="action" value="(\w+)"', template))
    assert {"create", "spend", "decide"} <= actions  # the scan finds the forms
    tests = (ROOT / "tests/integration/test_form_journeys_budgets.py").read_text()
    missing = sorted(a for a in actions if f"def test_budget_{a}_form_" not in tests)
    assert not missing, f"Budget actions with no journey test: {missing}"
