"""The places an installation serves: partnerships (an integrated care system's council and
trust), their localities, and which locality each GP practice belongs to. Commissioners'
and analysts' figures are for a partnership or a locality; a person's place is their GP
practice's (docs/ARCHITECTURE.md, ADR 0017)."""

from django.db import models


class Partnership(models.Model):
    code = models.CharField(max_length=20, unique=True)
    name = models.CharField(max_length=200)
    council_code = models.CharField(max_length=20, blank=True)
    council_name = models.CharField(max_length=200, blank=True)
    trust_code = models.CharField(max_length=20, blank=True)
    trust_name = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


class Locality(models.Model):
    code = models.CharField(max_length=20, unique=True)
    name = models.CharField(max_length=200)
    partnership = models.ForeignKey(
        Partnership, on_delete=models.PROTECT, related_name="localities"
    )

    class Meta:
        ordering = ["code"]
        verbose_name_plural = "localities"

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


class PracticePlace(models.Model):
    """A GP practice (its ODS code, as the GP extracts carry it) and its locality."""

    ods = models.CharField(max_length=20, unique=True)
    locality = models.ForeignKey(Locality, on_delete=models.PROTECT, related_name="practices")

    class Meta:
        ordering = ["ods"]

    def __str__(self) -> str:
        return self.ods
