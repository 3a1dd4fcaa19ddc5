"""MDT case management: case-finding runs and the scores they gave each person, the MDT
caseload with its named care coordinators, meetings with their agendas, and the actions
they assign across organisations."""

from django.db import models
from django.db.models import Q
from django.utils import timezone


class CaseFindingRun(models.Model):
    """One computation of eFI, risk and LACE for the whole population as at `as_of`.
    The newest finished run is current; earlier runs keep their figures, not their rows."""

    as_of = models.DateField()
    started_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    run_by = models.CharField(max_length=150)
    codelist_versions = models.JSONField(default=dict)
    model = models.JSONField(default=dict)  # LogisticModel.as_dict()
    validation = models.JSONField(default=dict)  # AUC, calibration, sizes
    stats = models.JSONField(default=dict)

    class Meta:
        ordering = ["-started_at", "-id"]


class PersonRisk(models.Model):
    """A person's case-finding result in one run, with the reasons behind it."""

    run = models.ForeignKey(CaseFindingRun, on_delete=models.CASCADE, related_name="scores")
    person = models.ForeignKey("people.Person", on_delete=models.CASCADE, related_name="+")
    practice_code = models.CharField(max_length=20, blank=True)
    practice_name = models.CharField(max_length=200, blank=True)
    neighbourhood = models.CharField(max_length=20, blank=True)
    age = models.PositiveSmallIntegerField()
    sex = models.CharField(max_length=10, blank=True)
    efi_deficits = models.PositiveSmallIntegerField()
    efi_score = models.FloatField()
    efi_category = models.CharField(max_length=10)
    deficits = models.JSONField(default=list)
    risk = models.FloatField()
    risk_drivers = models.JSONField(default=list)
    emergency_admissions_12m = models.PositiveSmallIntegerField(default=0)
    ae_attendances_12m = models.PositiveSmallIntegerField(default=0)
    admissions = models.JSONField(default=list)  # [{start, diagnosis}] in the last 12 months
    lace = models.PositiveSmallIntegerField(null=True, blank=True)
    lace_discharge = models.DateField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["run", "person"], name="one_score_per_person_per_run")
        ]
        indexes = [
            models.Index(fields=["run", "-risk"]),
            models.Index(fields=["run", "practice_code", "-risk"]),
        ]


class CaseloadEntry(models.Model):
    """A person on the MDT caseload, with their named care coordinator: "my one first point
    of contact". At most one open entry per person."""

    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="+")
    coordinator = models.ForeignKey(
        "access.StaffMember", on_delete=models.PROTECT, related_name="coordinating"
    )
    reason = models.CharField(max_length=500)
    risk_at_entry = models.FloatField(null=True, blank=True)
    efi_at_entry = models.FloatField(null=True, blank=True)
    started_at = models.DateTimeField(default=timezone.now)
    started_by = models.CharField(max_length=150)
    ended_at = models.DateTimeField(null=True, blank=True)
    ended_by = models.CharField(max_length=150, blank=True)

    class Meta:
        ordering = ["-started_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["person"], condition=Q(ended_at__isnull=True), name="one_open_caseload"
            ),
            models.CheckConstraint(
                condition=Q(ended_at__isnull=True, ended_by="")
                | (Q(ended_at__isnull=False) & ~Q(ended_by="")),
                name="caseload_ended_pair",
            ),
        ]


class MdtMeeting(models.Model):
    title = models.CharField(max_length=200)
    practice_code = models.CharField(max_length=20, blank=True)
    neighbourhood = models.CharField(max_length=20, blank=True)
    meets_on = models.DateField()
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.CharField(max_length=150)
    held_at = models.DateTimeField(null=True, blank=True)
    held_by = models.CharField(max_length=150, blank=True)

    class Meta:
        ordering = ["-meets_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(held_at__isnull=True, held_by="")
                | (Q(held_at__isnull=False) & ~Q(held_by="")),
                name="meeting_held_pair",
            ),
        ]


class AgendaItem(models.Model):
    CASELOAD, WORKLIST = "caseload", "worklist"
    SOURCES = [(CASELOAD, "On the caseload"), (WORKLIST, "From the worklist")]

    meeting = models.ForeignKey(MdtMeeting, on_delete=models.CASCADE, related_name="items")
    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="+")
    source = models.CharField(max_length=10, choices=SOURCES)
    reason = models.CharField(max_length=500)
    position = models.PositiveSmallIntegerField()
    discussion = models.TextField(blank=True)

    class Meta:
        ordering = ["meeting", "position"]
        constraints = [
            models.UniqueConstraint(fields=["meeting", "person"], name="one_item_per_person")
        ]

    @property
    def reason_text(self) -> str:
        """The reason without its source label (older agendas stored the label in it too)."""
        label = f"{self.get_source_display()}: "
        return self.reason[len(label) :] if self.reason.startswith(label) else self.reason


class MdtAction(models.Model):
    """A decision turned into an action for a named person in any organisation."""

    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="+")
    meeting = models.ForeignKey(
        MdtMeeting, on_delete=models.SET_NULL, null=True, blank=True, related_name="actions"
    )
    description = models.CharField(max_length=500)
    assignee = models.ForeignKey(
        "access.StaffMember", on_delete=models.PROTECT, related_name="mdt_actions"
    )
    due = models.DateField()
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.CharField(max_length=150)
    escalated_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    completed_by = models.CharField(max_length=150, blank=True)
    completion_note = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["due", "id"]
        indexes = [models.Index(fields=["assignee", "completed_at", "due"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(completed_at__isnull=True, completed_by="")
                | (Q(completed_at__isnull=False) & ~Q(completed_by="")),
                name="action_completed_pair",
            ),
        ]

    def is_overdue(self, today) -> bool:
        return self.completed_at is None and self.due < today
