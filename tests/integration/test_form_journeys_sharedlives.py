"""Every Shared Lives form submitted through the Django client as its page submits it: valid
input (what is stored and the audit event), invalid input (the error shown, nothing stored)
and an unauthorised member of staff (403, nothing stored)."""

from datetime import date

import pytest
from django.urls import reverse

from onestory.access.policy import actor_for_user
from onestory.audit.models import AuditEvent
from onestory.budgets import actions as budgets
from onestory.budgets.models import LedgerEntry
from onestory.sharedlives import actions
from onestory.sharedlives.models import (
    Arrangement,
    Carer,
    Introduction,
    Referral,
)
from tests import factories as f

pytestmark = pytest.mark.django_db

COUNCIL = ("E08000035", "Council", "adult_social_care")


@pytest.fixture
def person():
    return f.rich_person()


@pytest.fixture
def worker(person):
    u = f.user("sam", role="social_worker", org=f.organisation(*COUNCIL))
    f.care_team(person, u)
    return u


@pytest.fixture
def gp():
    """A GP: no permission to run the scheme."""
    return f.user(
        "doc", role="gp", org=f.organisation("B86001", "Beech Tree Surgery", "gp_practice")
    )


def _events(user, action):
    return AuditEvent.objects.filter(actor_id=f"user:{user.pk}", action=action)


def approved_carer(by, name="Ann Carer", postcode="LS12 4DE", **profile) -> Carer:
    carer = actions.apply_carer(name=name, postcode=postcode, on=date(2026, 1, 5), by=by)
    actions.update_carer(
        carer=carer,
        changes={"offers": {"long_term"}, "capacity": 1, "interests": {"gardening"}, **profile},
        by=by,
    )
    actions.record_assessment(carer=carer, on=date(2026, 2, 1), note="Home visit", by=by)
    return actions.panel_decision(
        carer=carer, approve=True, conditions="", on=date(2026, 3, 1), by=by
    )


def referral(person, by, **details) -> Referral:
    return actions.refer(
        person=person,
        details={"postcode": "LS12 3AB", "preferences": {"gardening"}, **details},
        by=by,
    )


@pytest.fixture
def ref(person, worker):
    return referral(person, actor_for_user(worker), alternative_weekly_pence=1_200_00)


def _post(client, user, url, data):
    client.force_login(user)
    return client.post(url, data)


# --- carers


def test_carer_new_form_records_the_application_and_audits(client, worker, gp):
    url = reverse("sharedlives-carer-new")
    response = _post(client, worker, url, {"name": "Beth Home", "postcode": "ls12 4de"})
    carer = Carer.objects.get(name="Beth Home")
    assert response.status_code == 302 and carer.postcode == "LS12 4DE"
    assert carer.status == "applied" and carer.steps.get().kind == "applied"
    assert _events(worker, "sharedlives.carer_applied").count() == 1
    response = _post(client, worker, url, {"name": "No Postcode", "postcode": "nowhere"})
    assert not Carer.objects.filter(name="No Postcode").exists()
    assert "Enter a postcode" in client.get(reverse("sharedlives-home")).content.decode()
    assert _post(client, gp, url, {"name": "X", "postcode": "LS12 4DE"}).status_code == 403
    assert Carer.objects.count() == 1


def test_carer_action_forms_take_a_carer_from_application_to_approval_review_and_deapproval(
    client, worker, gp
):
    carer = actions.apply_carer(
        name="Cat Keeper", postcode="LS13 1AB", on=date(2026, 1, 5), by=actor_for_user(worker)
    )
    url = reverse("sharedlives-carer-action", args=[carer.external_id])
    page = reverse("sharedlives-carer", args=[carer.external_id])
    # The panel cannot decide before the assessment: an error, nothing changed.
    _post(client, worker, url, {"action": "panel", "decision": "approve"})
    assert "once the assessment" in client.get(page).content.decode()
    assert Carer.objects.get(pk=carer.pk).status == "applied"
    _post(client, worker, url, {"action": "assess", "note": "Two home visits, references ok"})
    assert Carer.objects.get(pk=carer.pk).status == "assessed"
    _post(
        client,
        worker,
        url,
        {"action": "panel", "decision": "approve", "conditions": "No more than one person"},
    )
    carer.refresh_from_db()
    assert carer.status == "approved" and carer.conditions == "No more than one person"
    assert carer.next_review is not None
    _post(
        client,
        worker,
        url,
        {
            "action": "update", "postcode": "LS13 1AB", "offers": ["long_term", "short_breaks"],
            "capacity": "2", "household": "cats; smoking", "skills": "epilepsy_care",
            "interests": "Gardening, music", "languages": "english", "faith": "",
            "accessibility": "step_free", "household_members": "Cat and her partner",
        },
    )  # fmt: skip
    carer.refresh_from_db()
    assert carer.capacity == 2 and carer.household == ["cats", "smoking"]
    assert carer.interests == ["gardening", "music"] and "short_breaks" in carer.offers
    _post(client, worker, url, {"action": "update", "capacity": "many", "postcode": "LS13 1AB"})
    assert "whole number" in client.get(page).content.decode()
    _post(client, worker, url, {"action": "review", "note": "All well"})
    assert carer.steps.filter(kind="reviewed").exists()
    _post(client, worker, url, {"action": "deapprove", "note": ""})
    assert Carer.objects.get(pk=carer.pk).status == "approved"
    _post(client, worker, url, {"action": "deapprove", "note": "Moved away"})
    assert Carer.objects.get(pk=carer.pk).status == "deapproved"
    for action in (
        "carer_assessed",
        "panel_decided",
        "carer_updated",
        "carer_reviewed",
        "carer_deapproved",
    ):
        assert _events(worker, f"sharedlives.{action}").exists(), action
    assert _post(client, gp, url, {"action": "review", "note": "x"}).status_code == 403
    assert client.get(page).status_code == 403


# --- people referred


def test_refer_form_starts_from_the_plan_and_record_and_creates_the_referral(
    client, person, worker, gp
):
    url = reverse("sharedlives-refer", args=[person.external_id])
    client.force_login(worker)
    assert url in client.get(reverse("person", args=[person.external_id])).content.decode()
    assert "Refer to Shared Lives" in client.get(url).content.decode()
    bad = client.post(url, {"postcode": "LS12 3AB", "max_km": "far"})
    assert bad.status_code == 400 and "kilometres" in bad.content.decode()
    bad = client.post(url, {"postcode": "LS12 3AB", "max_km": "inf"})
    assert bad.status_code == 400 and "kilometres" in bad.content.decode()
    bad = client.post(url, {"postcode": "LS12 3AB", "alternative_weekly": "99999999999"})
    assert bad.status_code == 400 and "from £0 to £100,000" in bad.content.decode()
    bad = client.post(url, {"postcode": "LS12 3AB", "safeguarding": "made_up"})
    assert bad.status_code == 400 and "Unknown safeguarding flag" in bad.content.decode()
    assert not Referral.objects.exists()
    response = client.post(
        url,
        {
            "postcode": "LS12 3AB", "support": "long_term", "needs": "epilepsy; wheelchair",
            "must_not": "smoking", "preferences": "gardening; language:urdu",
            "safeguarding": "risk_to_children", "max_km": "8",
            "what_matters": "My garden", "alternative": "Residential care",
            "alternative_weekly": "1250.00",
        },
    )  # fmt: skip
    referral = Referral.objects.get(person=person)
    assert response.status_code == 302
    assert referral.needs == ["epilepsy", "wheelchair"] and referral.must_not == ["smoking"]
    assert referral.safeguarding == ["risk_to_children"] and referral.max_km == 8
    assert referral.alternative_weekly_pence == 1_250_00
    (event,) = _events(worker, "sharedlives.referred")
    assert event.person_id == str(person.external_id) and "Margaret" not in str(event.detail)
    client.force_login(gp)
    f.care_team(person, gp)
    assert url not in client.get(reverse("person", args=[person.external_id])).content.decode()
    referral.delete()
    assert client.get(url).status_code == 403
    assert client.post(url, {"postcode": "LS12 3AB"}).status_code == 403
    assert not Referral.objects.exists()


def test_referral_action_forms_introduce_trial_outcome_arrange_pay_and_review(
    client, person, worker, gp, ref
):
    by = actor_for_user(worker)
    good = approved_carer(by, "Ann Carer")
    smoker = approved_carer(by, "Sid Smoke", household={"smoking"})
    budget = budgets.create_budget(
        person=person, period_start=date(2026, 4, 1), period_end=date(2027, 4, 1), by=by
    )
    stream = budgets.add_stream(
        budget=budget, kind="council", held_as="notional", allocated_pence=30_000_00,
        funder="Leeds City Council", by=by,
    )  # fmt: skip
    ref.must_not = ["smoking"]
    ref.save()
    url = reverse("sharedlives-referral-action", args=[ref.external_id])
    page = reverse("sharedlives-referral", args=[ref.external_id])
    client.force_login(worker)
    body = client.get(page).content.decode()
    assert "Ann Carer" in body and "Shared interests: 30 of 30" in body
    assert "Must not have: smoking" in body  # the refused carer, with the reason
    # A carer the hard constraints refuse cannot be introduced, even by a crafted form.
    client.post(url, {"action": "introduce", "carer": str(smoker.external_id)})
    assert not Introduction.objects.exists()
    assert "Must not have: smoking" in client.get(page).content.decode()
    client.post(url, {"action": "introduce", "carer": str(good.external_id)})
    intro = Introduction.objects.get()
    assert intro.carer == good and intro.status == "proposed" and intro.score > 0
    client.post(url, {"action": "trial", "introduction": intro.pk, "on": "2026-11-10"})
    intro.refresh_from_db()
    assert intro.status == "trial" and intro.trial_on == date(2026, 11, 10)
    client.post(url, {"action": "outcome", "introduction": intro.pk, "good": "yes", "note": ""})
    assert Introduction.objects.get().status == "trial"  # the outcome needs words
    client.post(
        url, {"action": "outcome", "introduction": intro.pk, "good": "yes", "note": "Loved it"}
    )
    assert Introduction.objects.get().status == "good"
    client.post(
        url,
        {
            "action": "arrange", "introduction": intro.pk, "starts_on": "2026-12-01",
            "weekly": "450.00", "stream": str(stream.external_id),
        },
    )  # fmt: skip
    arrangement = Arrangement.objects.get()
    assert arrangement.weekly_pence == 450_00 and arrangement.budget_stream == stream
    assert Referral.objects.get(pk=ref.pk).status == "arranged"
    body = client.get(page).content.decode()
    assert "£750.00 a week less than" in body
    client.post(url, {"action": "pay", "amount": "450.00", "on": "2026-12-07"})
    entry = LedgerEntry.objects.get(stream=stream)
    assert entry.amount_pence == 450_00 and entry.kind == "payment"
    assert arrangement.payments.get().ledger_entry == entry
    client.post(url, {"action": "pay", "amount": "lots"})
    client.post(url, {"action": "pay", "amount": "99999999999"})
    assert "£0.01 to £100,000" in client.get(page).content.decode()
    assert LedgerEntry.objects.count() == 1
    client.post(url, {"action": "review", "note": "Settled in well"})
    assert arrangement.reviews.get().continue_arrangement
    for action in (
        "introduction_proposed", "trial_arranged", "trial_outcome", "arrangement_agreed",
        "payment_recorded", "arrangement_reviewed",
    ):  # fmt: skip
        assert _events(worker, f"sharedlives.{action}").count() == 1, action
    client.force_login(gp)
    assert client.post(url, {"action": "review", "note": "x"}).status_code == 403
    assert arrangement.reviews.count() == 1


def test_agree_arrangement_refuses_a_carer_with_no_room_left(person, worker, ref):
    by = actor_for_user(worker)
    carer = approved_carer(by)
    other_person = f.rich_person()
    f.care_team(other_person, worker)
    other = referral(other_person, by)
    intros = []
    for r in (ref, other):
        intro = actions.propose_introduction(referral=r, carer=carer, by=by)
        actions.record_trial(introduction=intro, on=date(2026, 11, 1), by=by)
        intros.append(actions.record_outcome(introduction=intro, good=True, note="ok", by=by))
    actions.agree_arrangement(
        introduction=intros[0], starts_on=date(2026, 12, 1), weekly_pence=400_00, by=by
    )
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError, match="no room"):
        actions.agree_arrangement(
            introduction=intros[1], starts_on=date(2026, 12, 1), weekly_pence=400_00, by=by
        )
    assert Arrangement.objects.count() == 1


def test_costs_page_suppresses_small_numbers_for_commissioners(client, person, worker, ref):
    by = actor_for_user(worker)
    carer = approved_carer(by)
    intro = actions.propose_introduction(referral=ref, carer=carer, by=by)
    actions.record_trial(introduction=intro, on=date(2026, 11, 1), by=by)
    actions.record_outcome(introduction=intro, good=True, note="ok", by=by)
    actions.agree_arrangement(
        introduction=intro, starts_on=date(2026, 12, 1), weekly_pence=400_00, by=by
    )
    commissioner = f.user("comm", role="commissioner", org=f.organisation())
    client.force_login(commissioner)
    body = client.get(reverse("sharedlives-costs")).content.decode()
    assert "fewer than 8" in body and "Not shown (small numbers)" in body
    assert "£400.00" not in body and "Margaret" not in body
    assert _events(commissioner, "sharedlives.costs_viewed").count() == 1
    gp = f.user("doc2", role="gp", org=f.organisation("B86001", "Beech", "gp_practice"))
    client.force_login(gp)
    assert client.get(reverse("sharedlives-costs")).status_code == 403


def test_referral_page_leaves_out_a_carer_not_available_yet_with_the_reason(client, worker, ref):
    from datetime import timedelta

    from django.utils import timezone

    by = actor_for_user(worker)
    later = timezone.localdate() + timedelta(days=30)
    approved_carer(by, "Later Larry", available_from=later)
    client.force_login(worker)
    body = client.get(reverse("sharedlives-referral", args=[ref.external_id])).content.decode()
    assert "No approved carer with room passes the hard constraints." in body
    assert f"available from {later.isoformat()}" in body


def test_scheme_page_suggests_the_best_assignment_for_everyone_looking(client, worker, ref):
    """Two people, two carers with one place each: greedy would give the first person the
    carer both could use; the scheme-wide assignment matches both."""
    by = actor_for_user(worker)
    ref.preferences = ["gardening", "music"]
    ref.save()
    approved_carer(by, "Both Ways", interests={"gardening", "music"})
    approved_carer(by, "Only Gardens", household={"smoking"})
    other_person = f.rich_person()
    f.care_team(other_person, worker)
    referral(other_person, by, must_not={"smoking"})
    client.force_login(worker)
    body = client.get(reverse("sharedlives-home")).content.decode()
    assert "matches 2 of the 2 people looking" in body
    assert "Both Ways (" in body and "Only Gardens (" in body
    (event,) = _events(worker, "sharedlives.scheme_viewed")
    assert event.detail["referrals"] == 2 and event.person_id == ""
