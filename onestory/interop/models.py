"""The raw store of FHIR resources as received (with references resolved), and the tokens
system clients use. The timeline entries and people the resources make are ordinary
source rows (see ADR 0007): this store keeps the resource itself, to serve it back whole."""

from django.conf import settings
from django.db import models
from django.utils import timezone

from onestory.sources.models import SourceRecord, SourceSystem


class FhirResource(models.Model):
    """One FHIR resource as received, under its server id (`resource_type/resource_id`)."""

    resource_type = models.CharField(max_length=40)
    resource_id = models.CharField(max_length=64)
    content = models.JSONField()
    content_hash = models.CharField(max_length=64)
    # The sending system, and the source record of the Patient the resource is (or is
    # about) when there is one: the person index reaches the resource through it.
    system = models.ForeignKey(SourceSystem, null=True, on_delete=models.PROTECT, related_name="+")
    record = models.ForeignKey(
        SourceRecord, null=True, on_delete=models.SET_NULL, related_name="fhir_resources"
    )
    patient_ref = models.CharField(max_length=80, blank=True)
    category = models.CharField(max_length=32, blank=True)
    # Search columns.
    event_date = models.DateField(null=True, blank=True)
    status = models.CharField(max_length=40, blank=True)
    name = models.CharField(max_length=200, blank=True)
    source_file = models.CharField(max_length=300, blank=True)
    first_seen_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["resource_type", "resource_id"], name="uniq_fhir_resource"
            )
        ]
        indexes = [
            models.Index(fields=["resource_type", "patient_ref"]),
            models.Index(fields=["record", "resource_type"]),
        ]

    @property
    def ref(self) -> str:
        return f"{self.resource_type}/{self.resource_id}"


class FhirIdentifier(models.Model):
    """One identifier of a stored resource, for `identifier=system|value` search."""

    resource = models.ForeignKey(FhirResource, on_delete=models.CASCADE, related_name="identifiers")
    system = models.CharField(max_length=200, blank=True)
    value = models.CharField(max_length=200)

    class Meta:
        indexes = [models.Index(fields=["value", "system"])]


class ApiToken(models.Model):
    """A bearer token a system client uses to call /fhir as one member of staff. Only the
    SHA-256 of the token is kept; the token itself is shown once, when it is made."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="fhir_tokens"
    )
    name = models.CharField(max_length=100, blank=True)
    token_hash = models.CharField(max_length=64, unique=True)
    prefix = models.CharField(max_length=8)  # the first characters, to tell tokens apart
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.CharField(max_length=150)
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    @property
    def active(self) -> bool:
        return self.revoked_at is None
