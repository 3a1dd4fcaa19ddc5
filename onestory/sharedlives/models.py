"""Shared Lives: carers (application to approval, reviews, de-approval), people referred to
the scheme, introductions and trial visits, the agreed arrangement (its payments are budget
ledger entries), reviews, and the cost against the alternative placement. Lists of words are
JSON lists of the tokens `domain.matching` reads. Audit events hold ids, never names."""

import uuid
from datetime import date

from django.db import models
from django.utils import timezone

from onestory.sharedlives.domain.matching import Carer as CarerProfile
from onestory.sharedlives.domain.matching import Person as PersonProfile


class CarerStatus(models.TextChoices):
    APPLIED = "applied", "Applied"
    ASSESSED = "assessed", "Assessed, awaiting panel"
    APPROVED = "approved", "Approved"
    DECLINED = "declined", "Not approved by panel"
    DEAPPROVED = "deapproved", "De-approved"


class Carer(models.Model):
    external_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(max_length=200)
    postcode = models.CharField(max_length=10)
    status = models.CharField(max_length=20, choices=CarerStatus.choices, default="applied")
    household_members = models.TextField(blank=True)  # who lives there, in words
    household = models.JSONField(default=list)  # features: dogs, cats, smoking, children…
    offers = models.JSONField(default=list)  # long_term, short_breaks, day_support
    capacity = models.PositiveSmallIntegerField(default=1)
    skills = models.JSONField(default=list)
    interests = models.JSONField(default=list)
    languages = models.JSONField(default=list)
    faith = models.JSONField(default=list)
    accessibility = models.JSONField(default=list)
    available_from = models.DateField(null=True, blank=True)
    available_note = models.CharField(max_length=200, blank=True)
    safeguarding_concern = models.BooleanField(default=False)
    conditions = models.TextField(blank=True)  # the approval panel's conditions
    approved_on = models.DateField(null=True, blank=True)
    next_review = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField()
    created_by = models.CharField(max_length=150)

    class Meta:
        ordering = ["name", "id"]

    def profile(self, places_taken: int = 0, today: date | None = None) -> CarerProfile:
        today = today or timezone.localdate()
        return CarerProfile(
            id=str(self.external_id),
            postcode=self.postcode,
            capacity=max(self.capacity - places_taken, 0),
            offers=frozenset(self.offers),
            household=frozenset(self.household),
            skills=frozenset(self.skills),
            accessibility=frozenset(self.accessibility),
            interests=frozenset(self.interests),
            languages=frozenset(self.languages),
            faith=frozenset(self.faith),
            safeguarding=frozenset({"open_concern"}) if self.safeguarding_concern else frozenset(),
            approved=self.status == CarerStatus.APPROVED,
            available_from=self.available_from
            if self.available_from and self.available_from > today
            else None,
        )


class CarerStep(models.Model):
    """One step in the carer's approval life: application, assessment, panel, annual
    review, de-approval."""

    KINDS = [
        ("applied", "Application received"),
        ("assessed", "Assessment completed"),
        ("panel_approved", "Approved by panel"),
        ("panel_declined", "Not approved by panel"),
        ("reviewed", "Annual review"),
        ("deapproved", "De-approved"),
    ]
    carer = models.ForeignKey(Carer, on_delete=models.CASCADE, related_name="steps")
    kind = models.CharField(max_length=20, choices=KINDS)
    on = models.DateField()
    note = models.TextField(blank=True)
    recorded_by = models.CharField(max_length=150)

    class Meta:
        ordering = ["on", "id"]


class ReferralStatus(models.TextChoices):
    OPEN = "open", "Looking for a match"
    ARRANGED = "arranged", "Arrangement agreed"
    CLOSED = "closed", "Closed"


class Referral(models.Model):
    external_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    person = models.ForeignKey("people.Person", on_delete=models.CASCADE)
    status = models.CharField(max_length=20, choices=ReferralStatus.choices, default="open")
    postcode = models.CharField(max_length=10)  # the preferred area
    support = models.CharField(max_length=20, default="long_term")
    needs = models.JSONField(default=list)
    must_not = models.JSONField(default=list)
    preferences = models.JSONField(default=list)
    safeguarding = models.JSONField(default=list)
    max_km = models.FloatField(null=True, blank=True)
    what_matters = models.TextField(blank=True)  # from the person's plan, in their words
    current_arrangement = models.CharField(max_length=200, blank=True)
    alternative = models.CharField(max_length=200, blank=True)  # the placement otherwise
    alternative_weekly_pence = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField()
    created_by = models.CharField(max_length=150)

    class Meta:
        ordering = ["-created_at", "-id"]

    def profile(self) -> PersonProfile:
        return PersonProfile(
            id=str(self.external_id),
            postcode=self.postcode,
            needs=frozenset(self.needs),
            must_not=frozenset(self.must_not),
            preferences=frozenset(self.preferences),
            support=self.support,
            safeguarding=frozenset(self.safeguarding),
            max_km=self.max_km,
        )


class IntroductionStatus(models.TextChoices):
    PROPOSED = "proposed", "Introduction proposed"
    TRIAL = "trial", "Trial visit arranged"
    GOOD = "good", "Trial went well"
    NOT_GOOD = "not_good", "Trial did not work out"


class Introduction(models.Model):
    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="introductions")
    carer = models.ForeignKey(Carer, on_delete=models.PROTECT, related_name="introductions")
    status = models.CharField(max_length=20, choices=IntroductionStatus.choices)
    score = models.PositiveSmallIntegerField()
    reasons = models.JSONField(default=list)  # the score's parts when it was proposed
    trial_on = models.DateField(null=True, blank=True)
    outcome = models.TextField(blank=True)
    proposed_at = models.DateTimeField()
    proposed_by = models.CharField(max_length=150)

    class Meta:
        ordering = ["proposed_at", "id"]


class Arrangement(models.Model):
    external_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    referral = models.OneToOneField(Referral, on_delete=models.CASCADE, related_name="arrangement")
    carer = models.ForeignKey(Carer, on_delete=models.PROTECT, related_name="arrangements")
    starts_on = models.DateField()
    ended_on = models.DateField(null=True, blank=True)
    weekly_pence = models.PositiveIntegerField()
    budget_stream = models.ForeignKey(
        "budgets.BudgetStream", null=True, blank=True, on_delete=models.SET_NULL
    )
    next_review = models.DateField()
    created_at = models.DateTimeField()
    created_by = models.CharField(max_length=150)

    @property
    def is_active(self) -> bool:
        return self.ended_on is None


class ArrangementPayment(models.Model):
    arrangement = models.ForeignKey(Arrangement, on_delete=models.CASCADE, related_name="payments")
    ledger_entry = models.OneToOneField("budgets.LedgerEntry", on_delete=models.CASCADE)


class ArrangementReview(models.Model):
    arrangement = models.ForeignKey(Arrangement, on_delete=models.CASCADE, related_name="reviews")
    on = models.DateField()
    note = models.TextField()
    continue_arrangement = models.BooleanField(default=True)
    recorded_by = models.CharField(max_length=150)

    class Meta:
        ordering = ["on", "id"]
