from django.conf import settings
from django.db import models

from onestory.access.domain.roles import ROLES


class OrganisationKind(models.TextChoices):
    GP_PRACTICE = "gp_practice", "GP practice"
    ACUTE_TRUST = "acute_trust", "Hospital trust"
    MENTAL_HEALTH_TRUST = "mental_health_trust", "Mental health trust"
    COMMUNITY_PROVIDER = "community_provider", "Community health provider"
    ADULT_SOCIAL_CARE = "adult_social_care", "Council adult social care"
    CHILDRENS_SERVICES = "childrens_services", "Council children's services"
    HOUSING = "housing", "Housing"
    VOLUNTARY = "voluntary", "Voluntary organisation"
    SHARED_LIVES = "shared_lives", "Shared Lives scheme"
    COMMISSIONER = "commissioner", "Commissioner"


class Organisation(models.Model):
    code = models.CharField(max_length=20, unique=True)
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=32, choices=OrganisationKind.choices)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class StaffMember(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="staff"
    )
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="staff")
    role = models.CharField(max_length=32, choices=[(code, r.label) for code, r in ROLES.items()])
    job_title = models.CharField(max_length=100, blank=True)

    def __str__(self):
        return f"{self.user.get_username()} ({self.role}, {self.organisation.code})"


def _break_glass_expiry():
    from datetime import timedelta

    from django.utils import timezone

    return timezone.now() + timedelta(hours=settings.ONESTORY_BREAK_GLASS_HOURS)


class CareTeamMembership(models.Model):
    """A member of staff (or, with `staff` empty, an organisation's whole team) in the
    person's care team: a legitimate relationship while `ended_at` is empty."""

    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="+")
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    staff = models.ForeignKey(
        StaffMember, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reason = models.CharField(max_length=300)
    started_at = models.DateTimeField()
    started_by = models.CharField(max_length=150)
    ended_at = models.DateTimeField(null=True, blank=True)
    ended_by = models.CharField(max_length=150, blank=True)

    class Meta:
        ordering = ["started_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=(models.Q(ended_at__isnull=True) & models.Q(ended_by=""))
                | (models.Q(ended_at__isnull=False) & ~models.Q(ended_by="")),
                name="care_team_ended_at_and_by_together",
            )
        ]
        indexes = [models.Index(fields=["person", "organisation"])]


class ReviewOutcome(models.TextChoices):
    PENDING = "", "Not reviewed"
    APPROPRIATE = "appropriate", "Appropriate"
    INAPPROPRIATE = "inappropriate", "Inappropriate"


class BreakGlassGrant(models.Model):
    """Time-limited emergency access with a stated reason, reviewed afterwards by the
    privacy lead of the staff member's organisation."""

    staff = models.ForeignKey(StaffMember, on_delete=models.PROTECT, related_name="+")
    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="+")
    reason = models.CharField(max_length=500)
    started_at = models.DateTimeField()
    expires_at = models.DateTimeField(default=_break_glass_expiry)
    reviewed_at = models.DateTimeField(null=True, blank=True)
    reviewed_by = models.CharField(max_length=150, blank=True)
    review_outcome = models.CharField(
        max_length=16, choices=ReviewOutcome.choices, blank=True, default=""
    )
    review_note = models.TextField(blank=True)

    class Meta:
        ordering = ["-started_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(reviewed_at__isnull=True)
                    & models.Q(reviewed_by="")
                    & models.Q(review_outcome="")
                )
                | (
                    models.Q(reviewed_at__isnull=False)
                    & ~models.Q(reviewed_by="")
                    & ~models.Q(review_outcome="")
                ),
                name="break_glass_reviewed_at_by_outcome_together",
            ),
            models.CheckConstraint(
                condition=models.Q(expires_at__gt=models.F("started_at")),
                name="break_glass_expires_after_start",
            ),
        ]
        indexes = [models.Index(fields=["person", "expires_at"])]


class Decision(models.TextChoices):
    ALLOW = "allow", "Allow"
    REFUSE = "refuse", "Refuse"


class SetByKind(models.TextChoices):
    SELF = "self", "The person"
    REPRESENTATIVE = "representative", "Their representative"
    STAFF = "staff", "A member of staff, on the person's instruction"


class SharingChoice(models.Model):
    """The person's choice about sharing: with one organisation (blank category: all of
    it), about one sensitive category for everyone (no organisation), or both."""

    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="+")
    organisation = models.ForeignKey(
        Organisation, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    category = models.CharField(max_length=32, blank=True)
    decision = models.CharField(max_length=8, choices=Decision.choices)
    set_at = models.DateTimeField()
    set_by = models.CharField(max_length=150)
    set_by_kind = models.CharField(max_length=16, choices=SetByKind.choices)

    class Meta:
        constraints = [
            # Unique on (person, organisation, category); NULL organisations are compared
            # in a constraint of their own, since SQLite cannot treat NULLs as equal.
            models.UniqueConstraint(
                fields=["person", "organisation", "category"],
                condition=models.Q(organisation__isnull=False),
                name="one_sharing_choice_per_organisation",
            ),
            models.UniqueConstraint(
                fields=["person", "category"],
                condition=models.Q(organisation__isnull=True),
                name="one_sharing_choice_for_everyone",
            ),
            models.CheckConstraint(
                condition=models.Q(organisation__isnull=False) | ~models.Q(category=""),
                name="sharing_choice_has_a_scope",
            ),
        ]


class SecondaryUseOptOut(models.Model):
    """The person opted out of their data being used beyond their care (analytics,
    evaluation): see onestory.access.queries.people_opted_out."""

    person = models.OneToOneField("people.Person", on_delete=models.PROTECT, related_name="+")
    opted_out_at = models.DateTimeField()
    set_by = models.CharField(max_length=150)


class ActingAs(models.TextChoices):
    SELF = "self", "The person"
    REPRESENTATIVE = "representative", "Their representative"


class PersonAccount(models.Model):
    """A person-facing login: the person themself or the representative they chose."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="person_account"
    )
    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="+")
    acting_as = models.CharField(max_length=16, choices=ActingAs.choices)
    representative_name = models.CharField(max_length=150, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(acting_as="self", representative_name="")
                | (models.Q(acting_as="representative") & ~models.Q(representative_name="")),
                name="representative_is_named",
            )
        ]


class FailedLogin(models.Model):
    """One failed sign-in, by hashes of the username and address typed (never the
    values), counted for lockout."""

    username_hash = models.CharField(max_length=64, db_index=True)
    at = models.DateTimeField(db_index=True)
    ip_hash = models.CharField(max_length=64, blank=True)
