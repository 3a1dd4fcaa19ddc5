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
