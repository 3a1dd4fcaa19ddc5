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
    # The partnership whose staff work here (ADR 0026): its staff see only its people,
    # others only through a legitimate relationship. Empty: the installation's only one
    # (existing rows got it by migration), or none yet.
    partnership = models.ForeignKey(
        "places.Partnership",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="organisations",
    )

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

    @property
    def full_name(self) -> str:
        """First and last name, or the username when none was given."""
        name = f"{self.user.first_name} {self.user.last_name}".strip()
        return name or self.user.get_username()

    @property
    def described(self) -> str:
        """How the person reads who this is: "Owen Gupta, GP partner at Riverside Surgery"."""
        from onestory.access.domain.roles import any_role_for

        role = any_role_for(self.role)
        title = self.job_title or (role.label if role else self.role)
        return f"{self.full_name}, {title} at {self.organisation.name}"


def _break_glass_expiry():
    from datetime import timedelta

    from django.utils import timezone

    return timezone.now() + timedelta(hours=settings.ONESTORY_BREAK_GLASS_HOURS)


class CareTeamBasis(models.TextChoices):
    """What the system checked before letting someone into a care team."""

    UNRECORDED = "", "Not recorded (joined before bases were checked)"
    EPISODE = "episode", "A registration, referral or open episode at the organisation"
    ALLOCATION = "allocation", "Allocated by a team lead or a member of the care team"
    SYSTEM = "system", "Set up by the system operator"
    REVIEWED = "reviewed", "Approved by a privacy lead"


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
    basis = models.CharField(max_length=16, choices=CareTeamBasis.choices, blank=True, default="")

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


class JoinOutcome(models.TextChoices):
    PENDING = "", "Not reviewed"
    APPROVED = "approved", "Approved"
    REFUSED = "refused", "Refused"


class CareTeamJoinRequest(models.Model):
    """A request to join a care team without a basis the system can check: it grants no
    access until a privacy lead approves it (which creates the membership)."""

    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="+")
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    staff = models.ForeignKey(StaffMember, on_delete=models.PROTECT, related_name="+")
    whole_team = models.BooleanField(default=False)
    reason = models.CharField(max_length=300)
    requested_at = models.DateTimeField()
    requested_by = models.CharField(max_length=150)
    reviewed_at = models.DateTimeField(null=True, blank=True)
    reviewed_by = models.CharField(max_length=150, blank=True)
    review_outcome = models.CharField(
        max_length=16, choices=JoinOutcome.choices, blank=True, default=""
    )
    review_note = models.TextField(blank=True)
    membership = models.ForeignKey(
        CareTeamMembership, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["requested_at", "id"]
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
                name="join_request_reviewed_at_by_outcome_together",
            ),
        ]


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
