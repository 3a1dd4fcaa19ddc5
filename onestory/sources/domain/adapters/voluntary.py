"""Voluntary sector (`voluntary_sector.xlsx`): several charities share one workbook with two
sheets, `Referrals` and `Social prescribing`. Each charity is its own system
(`voluntary:<organisation_code>`). Names are one cell and dates of birth partial."""

from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import ClassVar

from openpyxl import load_workbook

from onestory.sources.domain.adapters.base import (
    ExtractError,
    PersonColumns,
    RawRow,
    TabularAdapter,
    compact,
    person_limit_problems,
    read_system,
    title,
)
from onestory.sources.domain.adapters.validation import ISO, SHEET, RowCheck, split_name
from onestory.sources.domain.facts import VOLUNTARY, EventFacts, ParsedRow, PersonFacts
from onestory.sources.domain.limits import check_file_size, check_zip

REFERRALS = "Referrals"
SOCIAL_PRESCRIBING = "Social prescribing"
COMMON = (
    "ref",
    "organisation_code",
    "organisation",
    "client_id",
    "client_name",
    "birth_month",
    "postcode",
)
SHEET_COLUMNS = {
    REFERRALS: COMMON + ("referral_date", "referred_by", "reason", "outcome"),
    SOCIAL_PRESCRIBING: COMMON + ("start_date", "link_worker", "activity", "sessions_attended"),
}
# Only for naming problems: the workbook has no separate name or date of birth columns.
PERSON = PersonColumns(
    local_id="client_id",
    nhs_number=None,
    given_name="client_name",
    family_name="client_name",
    date_of_birth=None,
    date_format=ISO,
    sex=None,
    sex_map={},
    postcode="postcode",
    address="postcode",
)


class VoluntarySectorAdapter(TabularAdapter):
    kind = VOLUNTARY
    person_columns = PERSON
    event_id_field = "ref"
    columns: ClassVar[tuple[str, ...]] = COMMON

    def read(self, path: Path, today: date | None = None) -> Iterator[ParsedRow]:
        self.warnings = []
        check_file_size(path, self.limits.max_file_bytes)
        check_zip(path, self.limits)  # before openpyxl unpacks anything
        try:
            book = load_workbook(path, read_only=True, data_only=True)
        except Exception as exc:  # openpyxl raises several types for a file it cannot open
            raise ExtractError(f"{path.name}: not a readable XLSX workbook ({exc})") from exc
        try:
            missing = [s for s in SHEET_COLUMNS if s not in book.sheetnames]
            if missing:
                raise ExtractError(f"{path.name}: missing sheet(s) {', '.join(missing)}")
            counted = [0]
            for sheet_name, columns in SHEET_COLUMNS.items():
                sheet = book[sheet_name]
                # Ignore the sheet's declared size: a workbook claiming a million rows and
                # columns would otherwise be padded out to them.
                sheet.reset_dimensions()
                rows = sheet.iter_rows(values_only=True)
                header = [str(h).strip() if h is not None else "" for h in next(rows, ())]
                self.require_columns(path, header, columns)
                records = self._records(path, sheet_name, header, rows, counted)
                yield from self.parse_raw_rows(records, today)
        except ExtractError:
            raise
        except Exception as exc:  # a damaged sheet: openpyxl's XML and value errors
            raise ExtractError(f"{path.name}: a sheet cannot be read ({exc})") from exc
        finally:
            book.close()

    def _records(
        self,
        path: Path,
        sheet_name: str,
        header: list[str],
        rows: Iterator[tuple[object, ...]],
        counted: list[int],
    ) -> Iterator[RawRow]:
        """The sheet's non-blank rows (row 1 is the header), counting every row read
        (blank ones too) towards the file's row limit."""
        for number, values in enumerate(rows, start=2):
            counted[0] += 1
            if counted[0] > self.limits.max_rows:
                raise ExtractError(
                    f"{path.name}: more than {self.limits.max_rows:,} rows, the limit for one "
                    "extract; split it into smaller files"
                )
            if any(v not in (None, "") for v in values):
                cells = dict(zip(header, values, strict=False)) | {"_sheet": sheet_name}
                yield RawRow(number, cells)

    def parse(self, check: RowCheck, row: int) -> ParsedRow:
        sheet = check.text("_sheet")
        system = read_system(check, VOLUNTARY, "organisation_code", "organisation")
        given, family = split_name(check.text("client_name"))
        year, month = check.birth_month("birth_month")
        person = PersonFacts(
            local_id=check.required("client_id"),
            given_name=given,
            family_name=family,
            birth_year=year,
            birth_month=month,
            postcode=check.postcode("postcode"),
        )
        check.problems.extend(person_limit_problems(person, PERSON.fields()))
        event_id = check.required("ref")
        organisation = system.org_name
        if sheet == REFERRALS:
            reason = check.text("reason")
            event = EventFacts(
                local_id=event_id,
                kind="referral",
                category="voluntary",
                title=title(f"Referral to {organisation}" if organisation else "Referral", reason),
                start=check.date("referral_date", SHEET, required=True),
                status=check.text("outcome"),
                details=compact(
                    {
                        "referred_by": check.text("referred_by"),
                        "reason": reason,
                        "outcome": check.text("outcome"),
                    }
                ),
            )
        else:
            activity = check.text("activity")
            event = EventFacts(
                local_id=event_id,
                kind="social_prescribing",
                category="voluntary",
                title=title("Social prescribing", activity, detail=organisation),
                start=check.date("start_date", SHEET, required=True),
                practitioner=check.text("link_worker"),
                details=compact(
                    {
                        "activity": activity,
                        "sessions_attended": check.non_negative_int("sessions_attended"),
                    }
                ),
            )
        return ParsedRow(row=row, raw={}, system=system, person=person, events=[event])
