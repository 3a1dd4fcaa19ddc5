"""What the source systems hold, kept as they sent it: the integrated record is a view over
these rows through the person index, so relinking never rewrites them."""

from django.db import models
from django.utils import timezone

from onestory.sources.domain.facts import SOURCE_KIND_LABELS

KIND_CHOICES = list(SOURCE_KIND_LABELS.items())


class SourceSystem(models.Model):
    code = models.CharField(max_length=64, unique=True)  # "<kind>:<org code>"
    kind = models.CharField(max_length=32, choices=KIND_CHOICES)
    org_code = models.CharField(max_length=20)
    org_name = models.CharField(max_length=200)

    class Meta:
        ordering = ["kind", "org_name"]

    def __str__(self):
        return f"{self.org_name} ({self.get_kind_display()})"


class ImportFile(models.Model):
    """One import of one file: what was read and what became of it."""

    file_name = models.CharField(max_length=300)
    sha256 = models.CharField(max_length=64)
    kind = models.CharField(max_length=32, choices=KIND_CHOICES)
    imported_at = models.DateTimeField(default=timezone.now)
    imported_by = models.CharField(max_length=150)
    rows_read = models.PositiveIntegerField(default=0)
    rows_imported = models.PositiveIntegerField(default=0)
    rows_unchanged = models.PositiveIntegerField(default=0)
    rows_quarantined = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-imported_at", "-id"]


class SourceRecord(models.Model):
    """A person as one source system holds them."""

    system = models.ForeignKey(SourceSystem, on_delete=models.PROTECT, related_name="records")
    local_id = models.CharField(max_length=64)
    nhs_number = models.CharField(max_length=10, blank=True, db_index=True)
    given_name = models.CharField(max_length=100, blank=True)
    family_name = models.CharField(max_length=100, blank=True)
    date_of_birth = models.DateField(null=True, blank=True)
    birth_year = models.PositiveSmallIntegerField(null=True, blank=True)
    birth_month = models.PositiveSmallIntegerField(null=True, blank=True)
    sex = models.CharField(max_length=10, blank=True)
    postcode = models.CharField(max_length=10, blank=True)
    address = models.CharField(max_length=300, blank=True)
    phone = models.CharField(max_length=30, blank=True)
    # Normalised forms for search and linkage (see people.domain.normalise).
    norm_given = models.CharField(max_length=100, blank=True)
    norm_family = models.CharField(max_length=100, blank=True, db_index=True)
    norm_postcode = models.CharField(max_length=8, blank=True, db_index=True)
    content_hash = models.CharField(max_length=64)
    first_seen_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["system", "local_id"], name="uniq_record_per_system")
        ]
        indexes = [
            models.Index(fields=["norm_family", "date_of_birth"]),
            models.Index(fields=["date_of_birth"]),
            models.Index(fields=["norm_given"]),
        ]

    def __str__(self):
        return f"{self.system.code}/{self.local_id}"


class SourceEvent(models.Model):
    """One entry on a person's timeline, as one source system recorded it."""

    system = models.ForeignKey(SourceSystem, on_delete=models.PROTECT, related_name="events")
    local_id = models.CharField(max_length=100)
    record = models.ForeignKey(SourceRecord, on_delete=models.PROTECT, related_name="events")
    kind = models.CharField(max_length=40, db_index=True)
    category = models.CharField(max_length=32)
    title = models.CharField(max_length=300)
    start = models.DateField(null=True, blank=True)
    end = models.DateField(null=True, blank=True)
    status = models.CharField(max_length=40, blank=True)
    code = models.CharField(max_length=40, blank=True)
    code_system = models.CharField(max_length=100, blank=True)
    code_display = models.CharField(max_length=300, blank=True)
    practitioner = models.CharField(max_length=200, blank=True)
    details = models.JSONField(default=dict, blank=True)
    source_file = models.CharField(max_length=300, blank=True)
    source_row = models.PositiveIntegerField(null=True, blank=True)
    content_hash = models.CharField(max_length=64)
    # Set when a later import changes the entry, cleared once the views made from it (the
    # FHIR view, `interop.projection`) have taken the change up: they find what changed
    # through a small partial index instead of comparing every entry.
    revised = models.BooleanField(default=False, db_default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["system", "local_id"], name="uniq_event_per_system")
        ]
        indexes = [
            models.Index(fields=["record", "start"]),
            models.Index(
                fields=["id"], condition=models.Q(revised=True), name="sources_event_revised"
            ),
        ]


class SourceRelationship(models.Model):
    """A relationship one source records between one of its people and another."""

    system = models.ForeignKey(SourceSystem, on_delete=models.PROTECT, related_name="+")
    record = models.ForeignKey(SourceRecord, on_delete=models.PROTECT, related_name="relationships")
    relationship = models.CharField(max_length=32)
    related_local_id = models.CharField(max_length=64, blank=True)
    related_name = models.CharField(max_length=200, blank=True)
    details = models.JSONField(default=dict, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["record", "relationship", "related_local_id", "related_name"],
                name="uniq_relationship",
            )
        ]
        # Finding the relationships other people's records hold about this one.
        indexes = [models.Index(fields=["system", "related_local_id"])]


class QuarantinedRow(models.Model):
    """A row that failed validation, kept whole for review. Re-importing the same bad row
    updates `last_seen_at` rather than adding a second copy."""

    file_name = models.CharField(max_length=300)
    kind = models.CharField(max_length=32, choices=KIND_CHOICES)
    row_number = models.PositiveIntegerField()
    field = models.CharField(max_length=100)
    reason = models.CharField(max_length=500)
    problems = models.JSONField(default=list)  # every [field, reason] found in the row
    raw = models.JSONField(default=dict)
    content_hash = models.CharField(max_length=64)
    first_seen_at = models.DateTimeField(default=timezone.now)
    last_seen_at = models.DateTimeField(default=timezone.now)
    times_seen = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["file_name", "row_number"]
        constraints = [
            models.UniqueConstraint(
                fields=["file_name", "row_number", "content_hash"], name="uniq_quarantined_row"
            )
        ]
