"""Every Shared Lives write: one function each, keyword-only `by=`, in a transaction with its
audit event. Carers are the scheme's own records (the permission to run the scheme is
enough); anything about a person referred asks the record's access decision first, and a
refusal is audited as `record.denied`. Payments go through the budgets ledger."""

from datetime import date, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from onestory.access.domain.roles import Permission
from onestory.access.policy import decide, has_permission, require
from onestory.access.queries import denied
from onestory.audit.actions import record_event
from onestory.audit.domain.actor import Actor
from onestory.sharedlives.domain import matching, places
from onestory.sharedlives.models import (
    Arrangement,
    ArrangementPayment,
    ArrangementReview,
    Carer,
    CarerStatus,
    CarerStep,
    Introduction,
    IntroductionStatus,
    Referral,
    ReferralStatus,
)

REVIEW_EVERY = timedelta(days=365)
ARRANGEMENT_REVIEW_EVERY = timedelta(days=182)
# The most a week (or one payment) can be: far above any placement, well inside the column.
MAX_WEEKLY_PENCE = 100_000_00
PROFILE_LISTS = (
    "household",
    "offers",
    "skills",
    "interests",
    "languages",
    "faith",
    "accessibility",
)


def check_person(by: Actor, person, *, attempted: str) -> None:
    """The scheme permission and the record's decision for this person, or PermissionDenied
    (the refusal audited as record.denied, naming nothing about them)."""
    if not has_permission(by, Permission.MANAGE_SHARED_LIVES):
        denied(by, person, attempted=attempted, reason="role_not_permitted")
        raise PermissionDenied("You do not have access to this person's record.")
    decision = decide(by, person)
    if not decision.allowed:
        denied(by, person, attempted=attempted, reason=decision.reason)
        raise PermissionDenied("You do not have access to this person's record.")


def _carer_event(by: Actor, action: str, carer: Carer, **detail) -> None:
    record_event(by=by, action=action, detail={"carer": str(carer.external_id), **detail})


def _person_event(by: Actor, action: str, referral: Referral, **detail) -> None:
    record_event(
        by=by,
        action=action,
        person_id=str(referral.person.external_id),
        detail={"referral": str(referral.external_id), **detail},
    )


def _postcode(text: str) -> str:
    text = " ".join(text.upper().split())
    if not places.is_postcode(text):
        raise ValidationError("Enter a postcode, like LS12 3AB.")
    return text


# ------------------------------------------------------------------------------ carers


def apply_carer(*, name: str, postcode: str, on: date, by: Actor) -> Carer:
    require(by, Permission.MANAGE_SHARED_LIVES)
    if not name.strip():
        raise ValidationError("Enter the applicant's name.")
    with transaction.atomic():
        carer = Carer.objects.create(
            name=name.strip()[:200],
            postcode=_postcode(postcode),
            created_at=timezone.now(),
            created_by=by.label,
        )
        CarerStep.objects.create(carer=carer, kind="applied", on=on, recorded_by=by.label)
        _carer_event(by, "sharedlives.carer_applied", carer)
    return carer


def update_carer(*, carer: Carer, changes: dict, by: Actor) -> Carer:
    """The household and what the carer offers: lists of words, capacity, availability,
    location and an open safeguarding concern."""
    require(by, Permission.MANAGE_SHARED_LIVES)
    for field in PROFILE_LISTS:
        if field in changes:
            setattr(carer, field, sorted(set(changes[field])))
    unknown = set(carer.offers) - set(matching.OFFERS)
    if unknown:
        raise ValidationError("Offers are long-term, short breaks or day support.")
    if "capacity" in changes:
        if not 0 <= changes["capacity"] <= 6:
            raise ValidationError("Capacity is how many people at once: 0 to 6.")
        carer.capacity = changes["capacity"]
    if "postcode" in changes:
        carer.postcode = _postcode(changes["postcode"])
    for field in ("household_members", "available_note"):
        if field in changes:
            setattr(carer, field, changes[field].strip()[:2000])
    if "available_from" in changes:
        carer.available_from = changes["available_from"]
    if "safeguarding_concern" in changes:
        carer.safeguarding_concern = bool(changes["safeguarding_concern"])
    with transaction.atomic():
        carer.save()
        _carer_event(by, "sharedlives.carer_updated", carer, fields=sorted(changes))
    return carer


def _step(carer: Carer, kind: str, on: date, note: str, by: Actor) -> None:
    CarerStep.objects.create(carer=carer, kind=kind, on=on, note=note.strip(), recorded_by=by.label)


def record_assessment(*, carer: Carer, on: date, note: str, by: Actor) -> Carer:
    require(by, Permission.MANAGE_SHARED_LIVES)
    if carer.status != CarerStatus.APPLIED:
        raise ValidationError("Only an application can be assessed.")
    if not note.strip():
        raise ValidationError("Summarise the assessment.")
    with transaction.atomic():
        carer.status = CarerStatus.ASSESSED
        carer.save(update_fields=["status"])
        _step(carer, "assessed", on, note, by)
        _carer_event(by, "sharedlives.carer_assessed", carer)
    return carer


def panel_decision(*, carer: Carer, approve: bool, conditions: str, on: date, by: Actor) -> Carer:
    """The approval panel: approve (with any conditions; first annual review a year on) or
    not."""
    require(by, Permission.MANAGE_SHARED_LIVES)
    if carer.status != CarerStatus.ASSESSED:
        raise ValidationError("The panel decides once the assessment is complete.")
    with transaction.atomic():
        if approve:
            carer.status = CarerStatus.APPROVED
            carer.approved_on, carer.next_review = on, on + REVIEW_EVERY
            carer.conditions = conditions.strip()
        else:
            carer.status = CarerStatus.DECLINED
        carer.save()
        _step(carer, "panel_approved" if approve else "panel_declined", on, conditions, by)
        _carer_event(by, "sharedlives.panel_decided", carer, approved=approve)
    return carer


def annual_review(*, carer: Carer, on: date, note: str, by: Actor) -> Carer:
    require(by, Permission.MANAGE_SHARED_LIVES)
    if carer.status != CarerStatus.APPROVED:
        raise ValidationError("Only an approved carer has an annual review.")
    if not note.strip():
        raise ValidationError("Summarise the review.")
    with transaction.atomic():
        carer.next_review = on + REVIEW_EVERY
        carer.save(update_fields=["next_review"])
        _step(carer, "reviewed", on, note, by)
        _carer_event(by, "sharedlives.carer_reviewed", carer)
    return carer


def deapprove(*, carer: Carer, on: date, reason: str, by: Actor) -> Carer:
    require(by, Permission.MANAGE_SHARED_LIVES)
    if carer.status != CarerStatus.APPROVED:
        raise ValidationError("Only an approved carer can be de-approved.")
    if not reason.strip():
        raise ValidationError("Give the reason for de-approval.")
    if carer.arrangements.filter(ended_on__isnull=True).exists():
        raise ValidationError("End or move the carer's current arrangements first.")
    with transaction.atomic():
        carer.status = CarerStatus.DEAPPROVED
        carer.save(update_fields=["status"])
        _step(carer, "deapproved", on, reason, by)
        _carer_event(by, "sharedlives.carer_deapproved", carer)
    return carer


# ------------------------------------------------------------------ people referred


def refer(*, person, details: dict, by: Actor) -> Referral:
    """Refer a person to the scheme: needs, must-nots, preferences, safeguarding flags,
    preferred area, what matters to them, and the placement they would otherwise have."""
    check_person(by, person, attempted="sharedlives.refer")
    support = details.get("support") or "long_term"
    if support not in matching.OFFERS:
        raise ValidationError("Choose long-term, short breaks or day support.")
    flags = sorted(set(details.get("safeguarding", [])))
    unknown = set(flags) - set(matching.SAFEGUARDING_EXCLUDES)
    if unknown:
        raise ValidationError("Unknown safeguarding flag: " + ", ".join(sorted(unknown)))
    if not 0 <= details.get("alternative_weekly_pence", 0) <= MAX_WEEKLY_PENCE:
        raise ValidationError("The alternative's weekly cost must be from £0 to £100,000.")
    max_km = details.get("max_km")
    if max_km is not None and not (0 <= max_km <= 1000):
        raise ValidationError("The furthest distance must be from 0 to 1,000 km.")
    if Referral.objects.filter(person=person, status=ReferralStatus.OPEN).exists():
        raise ValidationError("This person already has an open referral.")
    with transaction.atomic():
        referral = Referral.objects.create(
            person=person,
            postcode=_postcode(details.get("postcode", "")),
            support=support,
            needs=sorted(set(details.get("needs", []))),
            must_not=sorted(set(details.get("must_not", []))),
            preferences=sorted(set(details.get("preferences", []))),
            safeguarding=flags,
            max_km=details.get("max_km"),
            what_matters=details.get("what_matters", "").strip()[:4000],
            current_arrangement=details.get("current_arrangement", "").strip()[:200],
            alternative=details.get("alternative", "").strip()[:200],
            alternative_weekly_pence=details.get("alternative_weekly_pence", 0),
            created_at=timezone.now(),
            created_by=by.label,
        )
        _person_event(by, "sharedlives.referred", referral)
    return referral


def propose_introduction(*, referral: Referral, carer: Carer, by: Actor) -> Introduction:
    """Propose an introduction to a carer who passes every hard constraint and has room."""
    check_person(by, referral.person, attempted="sharedlives.introduce")
    if referral.status != ReferralStatus.OPEN:
        raise ValidationError("This referral is no longer looking for a match.")
    taken = carer.arrangements.filter(ended_on__isnull=True).count()
    refusals = matching.refusals(referral.profile(), carer.profile(taken))
    if refusals:
        raise ValidationError(" ".join(r.reason for r in refusals))
    if referral.introductions.filter(carer=carer).exclude(status="not_good").exists():
        raise ValidationError("This carer has already been introduced.")
    score = matching.score(referral.profile(), carer.profile(taken))
    with transaction.atomic():
        intro = Introduction.objects.create(
            referral=referral,
            carer=carer,
            status=IntroductionStatus.PROPOSED,
            score=score.total,
            reasons=[[p.label, p.points, p.out_of, p.reason] for p in score.parts],
            proposed_at=timezone.now(),
            proposed_by=by.label,
        )
        _person_event(
            by, "sharedlives.introduction_proposed", referral, carer=str(carer.external_id)
        )
    return intro


def record_trial(*, introduction: Introduction, on: date, by: Actor) -> Introduction:
    check_person(by, introduction.referral.person, attempted="sharedlives.trial")
    if introduction.status != IntroductionStatus.PROPOSED:
        raise ValidationError("A trial visit follows a proposed introduction.")
    with transaction.atomic():
        introduction.status, introduction.trial_on = IntroductionStatus.TRIAL, on
        introduction.save(update_fields=["status", "trial_on"])
        _person_event(by, "sharedlives.trial_arranged", introduction.referral)
    return introduction


def record_outcome(*, introduction: Introduction, good: bool, note: str, by: Actor) -> Introduction:
    check_person(by, introduction.referral.person, attempted="sharedlives.outcome")
    if introduction.status != IntroductionStatus.TRIAL:
        raise ValidationError("Record the outcome after the trial visit.")
    if not note.strip():
        raise ValidationError("Say how the trial went, in the person's words where possible.")
    with transaction.atomic():
        introduction.status = IntroductionStatus.GOOD if good else IntroductionStatus.NOT_GOOD
        introduction.outcome = note.strip()[:4000]
        introduction.save(update_fields=["status", "outcome"])
        _person_event(by, "sharedlives.trial_outcome", introduction.referral, good=good)
    return introduction


def agree_arrangement(
    *,
    introduction: Introduction,
    starts_on: date,
    weekly_pence: int,
    budget_stream=None,
    by: Actor,
) -> Arrangement:
    """The agreed arrangement, after a trial that went well, with a carer who still has room.
    Its payments go to the budget stream named here."""
    referral, carer = introduction.referral, introduction.carer
    check_person(by, referral.person, attempted="sharedlives.arrange")
    if introduction.status != IntroductionStatus.GOOD:
        raise ValidationError("Agree an arrangement after a trial visit that went well.")
    if referral.status != ReferralStatus.OPEN:
        raise ValidationError("This referral already has an arrangement.")
    if not 0 < weekly_pence <= MAX_WEEKLY_PENCE:
        raise ValidationError("Enter the weekly cost of the arrangement, up to £100,000.")
    if budget_stream is not None and budget_stream.budget.person_id != referral.person_id:
        raise ValidationError("That budget stream is not this person's.")
    with transaction.atomic():
        # Lock the carer so two arrangements cannot both take the last place.
        carer = Carer.objects.select_for_update().get(pk=carer.pk)
        taken = carer.arrangements.filter(ended_on__isnull=True).count()
        refusals = matching.refusals(referral.profile(), carer.profile(taken))
        if refusals:
            raise ValidationError(" ".join(r.reason for r in refusals))
        arrangement = Arrangement.objects.create(
            referral=referral,
            carer=carer,
            starts_on=starts_on,
            weekly_pence=weekly_pence,
            budget_stream=budget_stream,
            next_review=starts_on + ARRANGEMENT_REVIEW_EVERY,
            created_at=timezone.now(),
            created_by=by.label,
        )
        referral.status = ReferralStatus.ARRANGED
        referral.save(update_fields=["status"])
        _person_event(
            by, "sharedlives.arrangement_agreed", referral, carer=str(carer.external_id),
            weekly_pence=weekly_pence,
        )  # fmt: skip
    return arrangement


def record_payment(*, arrangement: Arrangement, amount_pence: int, on: date, by: Actor):
    """A payment to the carer, as a ledger entry on the person's budget stream."""
    from onestory.budgets import actions as budgets
    from onestory.budgets.domain import ledger

    referral = arrangement.referral
    check_person(by, referral.person, attempted="sharedlives.pay")
    if arrangement.budget_stream is None:
        raise ValidationError("Name the budget stream that pays for this arrangement first.")
    if not 0 < amount_pence <= MAX_WEEKLY_PENCE:
        raise ValidationError("Enter a payment from £0.01 to £100,000.")
    with transaction.atomic():
        entry = budgets.record_spend(
            stream=arrangement.budget_stream,
            kind=ledger.PAYMENT,
            amount_pence=amount_pence,
            on=on,
            description="Shared Lives arrangement",
            by=by,
        )
        ArrangementPayment.objects.create(arrangement=arrangement, ledger_entry=entry)
        _person_event(by, "sharedlives.payment_recorded", referral, entry=entry.pk)
    return entry


def review_arrangement(
    *, arrangement: Arrangement, on: date, note: str, continue_arrangement: bool, by: Actor
) -> ArrangementReview:
    referral = arrangement.referral
    check_person(by, referral.person, attempted="sharedlives.review")
    if not arrangement.is_active:
        raise ValidationError("This arrangement has ended.")
    if not note.strip():
        raise ValidationError("Summarise the review.")
    with transaction.atomic():
        review = ArrangementReview.objects.create(
            arrangement=arrangement,
            on=on,
            note=note.strip()[:4000],
            continue_arrangement=continue_arrangement,
            recorded_by=by.label,
        )
        if continue_arrangement:
            arrangement.next_review = on + ARRANGEMENT_REVIEW_EVERY
        else:
            arrangement.ended_on = on
            referral.status = ReferralStatus.CLOSED
            referral.save(update_fields=["status"])
        arrangement.save(update_fields=["next_review", "ended_on"])
        _person_event(
            by, "sharedlives.arrangement_reviewed", referral, continues=continue_arrangement
        )
    return review
