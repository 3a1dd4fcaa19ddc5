"""Streaming writers for the extracts, with deliberate invalid rows at a given rate.

Each writer knows which of its columns can be broken and how, so that an `--error-rate`
share of rows is made genuinely invalid (the importer must quarantine them) in varied ways.
The decisions come from a random generator of their own, so the borough itself does not
depend on the error rate.
"""

from __future__ import annotations

import csv
import io
import json
import random
import re
import uuid
import zipfile
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell

from onestory.people.domain.nhs_number import check_digit

from . import reference as ref

# Stable fullUrl uuids: uuid5 of the resource's "<ODS>/<Type>/<id>".
_UUID_NAMESPACE = uuid.UUID("6f1c2c55-7a4e-4f0e-9d8b-3b1f0c6a2e10")
_FIXED_ZIP_TIME = (2026, 10, 31, 0, 0, 0)
_FIXED_XLSX_STAMP = "2026-10-31T00:00:00Z"

Row = dict[str, Any]


def fmt_uk(day: date | None) -> str:
    return "" if day is None else f"{day.day:02d}/{day.month:02d}/{day.year:04d}"


def fmt_iso(day: date | None) -> str:
    return "" if day is None else day.isoformat()


def wrong_nhs_number(rng: random.Random, current: str) -> str:
    """A ten-digit number from the 999 range whose check digit is wrong."""
    nine = (
        current[:9]
        if len(current) == 10 and current.isdigit()
        else (f"999{rng.randint(0, 999_999):06d}")
    )
    good = check_digit(nine)
    bad = rng.choice([d for d in range(10) if d != good])
    return f"{nine}{bad}"


@dataclass
class FileSpec:
    """What can be broken in one extract, and how its dates are written."""

    local_id: str
    date_style: str  # "uk" (DD/MM/YYYY) or "iso"
    dob: str = ""
    dates: tuple[str, ...] = ()
    nhs: str = ""
    type_field: str = ""
    unknown_types: tuple[str, ...] = ()
    cost: str = ""
    reference: str = ""  # a column that must name an existing row (contacts → referrals)


@dataclass
class ErrorLog:
    """How many invalid rows each file got, and of which kind."""

    by_file: dict[str, Counter[str]] = field(default_factory=dict)

    def add(self, name: str, kind: str) -> None:
        self.by_file.setdefault(name, Counter())[kind] += 1


_BAD_DATES = {
    "uk": ("31/02/2025", "00/00/0000", "15/13/2024", "N/K", "2024-06-31"),
    "iso": ("2025-02-30", "2024-13-07", "unknown", "0000-00-00", "31/06/2024"),
}


class Breaker:
    """Decides which rows to break and breaks them."""

    def __init__(self, seed: int, rate: float, log: ErrorLog) -> None:
        self.rng = random.Random(f"errors:{seed}")
        self.rate = rate
        self.log = log

    def roll(self) -> bool:
        # Always draw, so the sequence does not depend on the rate.
        return self.rng.random() < self.rate

    def break_row(self, name: str, spec: FileSpec, row: Row) -> None:
        rng = self.rng
        options: list[str] = ["bad_date", "missing_local_id"]
        if spec.dob:
            options.append("future_date_of_birth")
        if spec.nhs:
            options += ["bad_nhs_number", "bad_nhs_number"]
        if spec.type_field and row.get(spec.type_field):
            options.append("unknown_event_type")
        if spec.cost and row.get(spec.cost) not in ("", None):
            options.append("negative_cost")
        if spec.reference:
            options.append("unknown_reference")
        kind = rng.choice(options)
        if kind == "bad_date":
            fields = [f for f in (spec.dob, *spec.dates) if f and row.get(f)]
            if not fields:
                kind = "missing_local_id"
            else:
                row[rng.choice(fields)] = rng.choice(_BAD_DATES[spec.date_style])
        if kind == "missing_local_id":
            row[spec.local_id] = ""
        elif kind == "future_date_of_birth":
            future = date(
                ref.REFERENCE_DATE.year + rng.randint(1, 3), rng.randint(1, 12), rng.randint(1, 28)
            )
            row[spec.dob] = fmt_uk(future) if spec.date_style == "uk" else fmt_iso(future)
        elif kind == "bad_nhs_number":
            row[spec.nhs] = wrong_nhs_number(rng, str(row.get(spec.nhs) or ""))
        elif kind == "unknown_event_type":
            row[spec.type_field] = rng.choice(spec.unknown_types)
        elif kind == "negative_cost":
            row[spec.cost] = f"-{row[spec.cost]}"
        elif kind == "unknown_reference":
            row[spec.reference] = f"{row[spec.reference]}X{rng.randint(10, 99)}"
        self.log.add(name, kind)


class CsvExtract:
    """One CSV extract, written row by row."""

    def __init__(
        self,
        out: Path,
        name: str,
        kind: str,
        org: tuple[str, str],
        header: Sequence[str],
        spec: FileSpec,
        breaker: Breaker,
    ) -> None:
        self.name = name
        self.kind = kind
        self.org = org
        self.header = header
        self.spec = spec
        self.breaker = breaker
        self.rows = 0
        self._fh = open(out / name, "w", newline="", encoding="utf-8")  # noqa: SIM115
        self._csv = csv.writer(self._fh, lineterminator="\n")
        self._csv.writerow(header)

    def write(self, row: Row, protect: bool = False, org: tuple[str, str] | None = None) -> None:
        """Write one row; `protect` rows are never broken (others depend on them). `org`
        overrides the file's organisation (housing holds a council's and a housing
        association's tenants)."""
        row["org_code"], row["org_name"] = org or self.org
        if self.breaker.roll() and not protect:
            self.breaker.break_row(self.name, self.spec, row)
        self._csv.writerow([row.get(col, "") for col in self.header])
        self.rows += 1

    def close(self) -> None:
        self._fh.close()


class FhirBundle:
    """A transaction bundle for one GP practice, streamed entry by entry."""

    def __init__(self, out: Path, ods: str, name: str, breaker: Breaker) -> None:
        self.ods = ods
        self.org_name = name
        self.name = f"gp_{ods}.json"
        self.kind = "gp"
        self.breaker = breaker
        self.rows = 0
        self._fh = open(out / self.name, "w", encoding="utf-8")  # noqa: SIM115
        self._fh.write(
            '{"resourceType":"Bundle","id":"gp-'
            + ods.lower()
            + '","type":"transaction","entry":[\n'
        )

    def add(self, resource: dict[str, Any], breakable: bool = False) -> None:
        rtype, rid = resource["resourceType"], resource["id"]
        if self.breaker.roll() and breakable:
            self._break(resource)
        entry = {
            "fullUrl": f"urn:uuid:{uuid.uuid5(_UUID_NAMESPACE, f'{self.ods}/{rtype}/{rid}')}",
            "resource": resource,
            "request": {"method": "PUT", "url": f"{rtype}/{rid}"},
        }
        if self.rows:
            self._fh.write(",\n")
        self._fh.write(json.dumps(entry, ensure_ascii=False, separators=(",", ":")))
        self.rows += 1

    def _break(self, res: dict[str, Any]) -> None:
        rng = self.breaker.rng
        rtype = res["resourceType"]
        date_field = {
            "Condition": "onsetDateTime",
            "MedicationRequest": "authoredOn",
            "Observation": "effectiveDateTime",
        }.get(rtype)
        required = {
            "Condition": "code",
            "MedicationRequest": "medicationCodeableConcept",
            "Observation": "code",
            "Encounter": "status",
        }[rtype]
        kind = rng.choice(("broken_subject", "bad_date", "missing_required_field"))
        if kind == "broken_subject":
            res["subject"] = {"reference": f"Patient/unknown-{rng.randint(1000, 9999)}"}
        elif kind == "bad_date":
            bad = rng.choice(_BAD_DATES["iso"])
            if date_field:
                res[date_field] = bad
            else:
                res["period"] = {"start": bad}
        else:
            res.pop(required, None)
        self.breaker.log.add(self.name, kind)

    def close(self) -> None:
        self._fh.write("\n]}\n")
        self._fh.close()


class VoluntaryWorkbook:
    """The voluntary sector workbook: two sheets, written in openpyxl's write-only mode."""

    SHEETS = {
        "Referrals": ["referral_date", "referred_by", "reason", "outcome"],
        "Social prescribing": ["start_date", "link_worker", "activity", "sessions_attended"],
    }
    COMMON = [
        "ref",
        "organisation_code",
        "organisation",
        "client_id",
        "client_name",
        "birth_month",
        "postcode",
    ]
    name = "voluntary_sector.xlsx"
    kind = "voluntary"

    def __init__(self, out: Path, breaker: Breaker) -> None:
        self.path = out / self.name
        self.breaker = breaker
        self._wb = Workbook(write_only=True)
        self._sheets = {}
        self.rows: Counter[str] = Counter()
        for title, cols in self.SHEETS.items():
            ws = self._wb.create_sheet(title)
            ws.append(self.COMMON + cols)
            self._sheets[title] = (ws, self.COMMON + cols)

    def write(self, sheet: str, row: Row) -> None:
        ws, header = self._sheets[sheet]
        if self.breaker.roll():
            self._break(sheet, row)
        cells = []
        for col in header:
            value = row.get(col, "")
            if isinstance(value, date):
                cell = WriteOnlyCell(ws, value=value)
                cell.number_format = "DD/MM/YYYY"
                cells.append(cell)
            else:
                cells.append(value)
        ws.append(cells)
        self.rows[sheet] += 1

    def _break(self, sheet: str, row: Row) -> None:
        rng = self.breaker.rng
        kind = rng.choice(("bad_date", "missing_local_id", "bad_birth_month"))
        if kind == "bad_date":
            field_name = "referral_date" if sheet == "Referrals" else "start_date"
            row[field_name] = rng.choice(_BAD_DATES["uk"])
        elif kind == "missing_local_id":
            row["client_id"] = ""
        else:
            row["birth_month"] = rng.choice(("13/1950", "00/1948", "19xx"))
        self.breaker.log.add(self.name, kind)

    def close(self) -> None:
        self._wb.save(self.path)
        normalise_xlsx(self.path)


def normalise_xlsx(path: Path) -> None:
    """Make an .xlsx byte-identical between runs: fixed zip times and document dates."""
    buf = io.BytesIO()
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                data = re.sub(
                    rb"(<dcterms:(created|modified)[^>]*>)[^<]*(</dcterms:)",
                    rb"\g<1>" + _FIXED_XLSX_STAMP.encode() + rb"\g<3>",
                    data,
                )
            fixed = zipfile.ZipInfo(info.filename, date_time=_FIXED_ZIP_TIME)
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = info.external_attr
            dst.writestr(fixed, data)
    path.write_bytes(buf.getvalue())


def write_json(path: Path, data: Any) -> None:
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def noop_progress(_stage: str, _done: int, _total: int) -> None:
    """A progress callback that does nothing."""


Progress = Callable[[str, int, int], None]
