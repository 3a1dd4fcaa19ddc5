"""The raw store of FHIR resources as received (with references resolved), and the tokens
system clients use. The timeline entries and people the resources make are ordinary
source rows (see ADR 0007): this store keeps the resource itself, to serve it back whole."""

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone

from onestory.sources.models import SourceEvent, SourceRecord, SourceSystem

# Where a stored resource came from (FhirResource.origin): received as FHIR, or made from
# a source system's timeline entry or the source system itself (ADR 0016).
RECEIVED = "fhir"
FROM_EVENT = "event"
FROM_SYSTEM = "system"


class FhirResource(models.Model):
    """One FHIR resource under its server id (`resource_type/resource_id`): as received, or
    as OneStory serves a timeline entry or source system that did not come as FHIR (kept
    in step with the source rows by `interop.projection`). `version_id` counts changes;
    earlier versions are in FhirResourceVersion."""

    resource_type = models.CharField(max_length=40)
    resource_id = models.CharField(max_length=64)
    content = models.JSONField()
    content_hash = models.CharField(max_length=64)
    version_id = models.PositiveIntegerField(default=1)
    origin = models.CharField(max_length=10, default=RECEIVED)
    # The timeline entry (or source system) a derived resource is made from, and that
    # row's content hash when it was made: a re-import that changes it makes a new version.
    event = models.OneToOneField(
        SourceEvent, null=True, blank=True, on_delete=models.CASCADE, related_name="fhir"
    )
    source_system = models.OneToOneField(
        SourceSystem, null=True, blank=True, on_delete=models.CASCADE, related_name="fhir"
    )
    source_hash = models.CharField(max_length=64, blank=True)
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
            models.Index(fields=["resource_type", "event_date"]),
            models.Index(fields=["resource_type", "updated_at"]),
        ]

    @property
    def ref(self) -> str:
        return f"{self.resource_type}/{self.resource_id}"


class FhirResourceVersion(models.Model):
    """An earlier version of a stored resource, for `_history` and vread."""

    resource = models.ForeignKey(FhirResource, on_delete=models.CASCADE, related_name="versions")
    version_id = models.PositiveIntegerField()
    content = models.JSONField()
    updated_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["resource", "version_id"], name="uniq_fhir_version")
        ]


class FhirIdentifier(models.Model):
    """One token of a stored resource, for `identifier=`, `code=` and `category=` search
    (`param` says which), each as `system|value`."""

    resource = models.ForeignKey(FhirResource, on_delete=models.CASCADE, related_name="identifiers")
    param = models.CharField(max_length=20, default="identifier")
    system = models.CharField(max_length=200, blank=True)
    value = models.CharField(max_length=200)

    class Meta:
        indexes = [models.Index(fields=["value", "system"])]


class FhirProjectionState(models.Model):
    """How far `interop.projection` has brought the derived resources: the newest import
    and the newest timeline entry it has seen. One row."""

    last_import = models.BigIntegerField(default=0)
    last_event = models.BigIntegerField(default=0)
    last_system = models.BigIntegerField(default=0)
    events = models.BigIntegerField(default=0)


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


class BulkExport(models.Model):
    """One FHIR Bulk Data `$export` request and what became of it. Run at once today (the
    project has no task queue); a worker can take queued jobs later without changing the
    API. Only the member of staff who asked may poll it or fetch its files."""

    QUEUED, COMPLETE, FAILED = "queued", "complete", "failed"
    job_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="fhir_exports"
    )
    level = models.CharField(max_length=10)  # system, patient, group
    group = models.CharField(max_length=64, blank=True)
    request_url = models.CharField(max_length=1000)
    types = models.JSONField(default=list)
    since = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=10, default=QUEUED)
    people = models.PositiveIntegerField(default=0)
    transaction_time = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)


class BulkExportFile(models.Model):
    """One NDJSON file of an export: every resource of one type, one per line."""

    export = models.ForeignKey(BulkExport, on_delete=models.CASCADE, related_name="files")
    resource_type = models.CharField(max_length=40)
    count = models.PositiveIntegerField(default=0)
    content = models.TextField()


class SmartLaunch(models.Model):
    """What a SMART App Launch consent granted beyond the scopes django-oauth-toolkit keeps
    (ADR 0030): for `patient/*` scopes, the one person the signed-in user chose. Made with
    the authorization code; tied to the access token when the code is exchanged."""

    code = models.CharField(max_length=255, unique=True)
    application = models.ForeignKey(
        "oauth2_provider.Application", on_delete=models.CASCADE, related_name="smart_launches"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="smart_launches"
    )
    person = models.ForeignKey(
        "people.Person", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    access_token = models.OneToOneField(
        "oauth2_provider.AccessToken",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="smart_launch",
    )
    created_at = models.DateTimeField(default=timezone.now)
