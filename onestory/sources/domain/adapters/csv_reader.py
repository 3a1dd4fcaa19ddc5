"""Reading a CSV extract safely: any bytes in, rows (or row problems) out, never a crash.

- Encoding: UTF-8, with or without a byte-order mark; UTF-16 with a byte-order mark. A line
  that is not UTF-8 is read as Windows-1252 (a superset of Latin-1 for printable text; the
  five bytes it leaves undefined are read as Latin-1) and the file gets a warning naming
  the lines, so one spreadsheet-saved file keeps its rows instead of failing whole.
- A line longer than the limit is not read: it becomes a row problem and reading goes on.
- A record the CSV parser cannot read (a field over `csv.field_size_limit`, a stray quote
  before a newline…) becomes a row problem naming the line and the parser's reason.
- A row with fewer cells than the header, or a cell holding a NUL byte, is a row problem
  naming the column. Cells beyond the header go under the key None (as `csv.DictReader`),
  which the adapters report as `_extra`.
- More rows than the limit refuses the file (ExtractError).

`row` is the line on which a record starts (the header is line 1).
"""

import codecs
import csv
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import IO, Any

from onestory.sources.domain.facts import Problem
from onestory.sources.domain.limits import ExtractError, ImportLimits, size_text

NUL = "\x00"
# Shown in place of a NUL byte in a quarantined row's raw cells (the database cannot hold
# a NUL in text, and the reviewer should see where it was).
NUL_SHOWN_AS = "\u2400"
_LATIN1 = "onestory-latin1"


def _latin1_fallback(exc: UnicodeError) -> tuple[str, int]:
    """Bytes Windows-1252 leaves undefined (0x81, 0x8D, 0x8F, 0x90, 0x9D) read as Latin-1."""
    if not isinstance(exc, UnicodeDecodeError):
        raise exc
    return exc.object[exc.start : exc.end].decode("latin-1"), exc.end


codecs.register_error(_LATIN1, _latin1_fallback)


def csv_reason(exc: csv.Error) -> str:
    """The CSV parser's complaint in the importer's words (its own hint about
    "universal-newline mode" is advice to programmers, not to whoever sent the file)."""
    text = str(exc)
    if "new-line character seen in unquoted field" in text:
        return "a carriage return (CR) inside an unquoted field: line ends are damaged"
    return text


@dataclass
class RawRow:
    """One record: its line number, its cells by column (None when the record could not be
    read at all) and any problems found while reading it."""

    row: int
    cells: dict[Any, Any] | None
    problems: list[Problem] = field(default_factory=list)


class DecodedLines:
    """The physical lines of a CSV file as text, decoded line by line (see the module)."""

    def __init__(self, stream: IO[bytes], name: str, max_line_bytes: int) -> None:
        self.stream = stream
        self.name = name
        self.max_line_bytes = max_line_bytes
        self.number = 0  # lines handed out so far
        self.not_utf8: list[int] = []  # the first few lines read as Windows-1252
        self.not_utf8_count = 0
        self.overlong: list[int] = []  # lines not read, awaiting their row problem
        self.encoding = "UTF-8"

    def __iter__(self) -> Iterator[str]:
        head = self.stream.read(2)
        if head in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE):
            self.encoding = "UTF-16"
            yield from self._utf16(head)
            return
        first = True
        pending = head
        while True:
            line = pending + self.stream.readline(self.max_line_bytes + 1 - len(pending))
            pending = b""
            if not line:
                return
            self.number += 1
            if len(line) > self.max_line_bytes and not line.endswith(b"\n"):
                self._skip_rest_of_line()
                self.overlong.append(self.number)
                yield "\n"
                continue
            if first:
                first = False
                line = line.removeprefix(codecs.BOM_UTF8)
            try:
                yield line.decode("utf-8")
            except UnicodeDecodeError:
                self.not_utf8_count += 1
                if len(self.not_utf8) < 5:
                    self.not_utf8.append(self.number)
                yield line.decode("cp1252", _LATIN1)

    def _skip_rest_of_line(self) -> None:
        while True:
            more = self.stream.readline(self.max_line_bytes)
            if not more or more.endswith(b"\n"):
                return

    def _utf16(self, head: bytes) -> Iterator[str]:
        codec = "utf-16-le" if head == codecs.BOM_UTF16_LE else "utf-16-be"
        decoder = codecs.getincrementaldecoder(codec)("replace")
        buffer = ""
        while chunk := self.stream.read(1024 * 1024):
            buffer += decoder.decode(chunk)
            *lines, buffer = buffer.split("\n")
            for line in lines:
                yield from self._text_line(line + "\n")
        buffer += decoder.decode(b"", final=True)
        if buffer:
            yield from self._text_line(buffer)

    def _text_line(self, line: str) -> Iterator[str]:
        self.number += 1
        if len(line) > self.max_line_bytes:
            self.overlong.append(self.number)
            yield "\n"
        else:
            yield line

    def warnings(self) -> list[str]:
        out = []
        if self.encoding != "UTF-8":
            out.append(f"{self.name}: read as {self.encoding} (it has a {self.encoding} mark)")
        if self.not_utf8_count:
            lines = ", ".join(str(n) for n in self.not_utf8)
            more = "…" if self.not_utf8_count > len(self.not_utf8) else ""
            out.append(
                f"{self.name}: {self.not_utf8_count:,} line(s) are not UTF-8 "
                f"(line {lines}{more}); read them as Windows-1252 (Latin-1). "
                "Check names and addresses with accents, and save the file as UTF-8."
            )
        return out


class CsvSource:
    """The header and records of one CSV file opened in binary."""

    def __init__(self, stream: IO[bytes], name: str, limits: ImportLimits) -> None:
        self.name = name
        self.limits = limits
        self.lines = DecodedLines(stream, name, limits.max_line_bytes)
        self.reader = csv.reader(self.lines)
        self.header: list[str] = []

    def read_header(self) -> list[str]:
        """The header line's column names; ExtractError when there is none."""
        for _ in range(1000):  # blank lines before the header are passed over
            try:
                cells = next(self.reader)
            except StopIteration:
                raise ExtractError(f"{self.name}: no header line (the file has no rows)") from None
            except csv.Error as exc:
                raise ExtractError(
                    f"{self.name}: the header line cannot be read ({csv_reason(exc)})"
                ) from exc
            if self.lines.overlong:
                raise ExtractError(
                    f"{self.name}: the header line is longer than "
                    f"{size_text(self.limits.max_line_bytes)}"
                )
            if any(c.strip() for c in cells):
                self.header = [c.strip().replace(NUL, NUL_SHOWN_AS) for c in cells]
                return self.header
        raise ExtractError(f"{self.name}: no header line in the first 1,000 lines")

    def records(self) -> Iterator[RawRow]:
        header = self.header
        width = len(header)
        start = self.lines.number + 1
        count = 0
        while True:
            try:
                cells = next(self.reader)
            except StopIteration:
                break
            except csv.Error as exc:
                count += 1
                reason = f"the CSV cannot be read here: {csv_reason(exc)}"
                yield RawRow(start, None, [Problem("row", reason)])
                start = self.lines.number + 1
                continue
            yield from self._overlong(start)
            row, start = start, self.lines.number + 1
            if not cells:
                continue  # a blank line
            count += 1
            if count > self.limits.max_rows:
                raise ExtractError(
                    f"{self.name}: more than {self.limits.max_rows:,} rows, the limit for one "
                    "extract; split it into smaller files"
                )
            yield self._row(row, header, width, cells)
        yield from self._overlong(self.lines.number + 1)

    def _overlong(self, before: int) -> Iterator[RawRow]:
        """Row problems for the overlong lines read so far (lines before `before`)."""
        while self.lines.overlong and self.lines.overlong[0] < before:
            line = self.lines.overlong.pop(0)
            reason = f"line is longer than {size_text(self.limits.max_line_bytes)}; not read"
            yield RawRow(line, None, [Problem("row", reason)])

    @staticmethod
    def _row(row: int, header: list[str], width: int, cells: list[str]) -> RawRow:
        problems: list[Problem] = []
        if any(NUL in c for c in cells):
            for name, cell in zip(header, cells, strict=False):
                if NUL in cell:
                    problems.append(Problem(name, f"{name} holds a NUL byte"))
            cells = [c.replace(NUL, NUL_SHOWN_AS) for c in cells]
        values: dict[Any, Any] = dict(zip(header, cells, strict=False))
        if len(cells) > width:
            values[None] = cells[width:]
        elif len(cells) < width:
            missing = header[len(cells)]
            problems.append(
                Problem(
                    missing,
                    f"row has {len(cells)} cells but the header has {width}; "
                    f"{missing} and the columns after it are missing",
                )
            )
            for name in header[len(cells) :]:
                values.setdefault(name, None)
        return RawRow(row, values, problems)
