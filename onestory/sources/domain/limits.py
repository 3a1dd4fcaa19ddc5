"""How much one import may read, and the cheap checks that enforce it before a parser runs.

A file that breaks a limit is refused whole with an `ExtractError` naming the file and the
limit (docs/EXTRACTS.md "Limits"); the other files of the import still go in. The limits
are a parameter (`ImportLimits`), so tests can lower them instead of building a 1 GiB file.
"""

import re
import zipfile
import zlib
from dataclasses import dataclass
from itertools import accumulate
from pathlib import Path

KIB = 1024
MIB = 1024 * KIB
GIB = 1024 * MIB


class ExtractError(Exception):
    """The file as a whole cannot be read (unknown name, missing columns, not a bundle, too
    large…). The message names the file."""


@dataclass(frozen=True)
class ImportLimits:
    """The limits on one extract file. The defaults are well above the largest synthetic
    borough's files and well below what would exhaust the importer's memory."""

    max_file_bytes: int = 2 * GIB  # a CSV extract, as stored
    max_json_bytes: int = 256 * MIB  # a FHIR bundle file
    max_json_depth: int = 100  # nesting of arrays and objects in a bundle
    max_line_bytes: int = 1 * MIB  # one physical line of a CSV file
    max_rows: int = 5_000_000  # rows in one file (all sheets of a workbook)
    max_unpacked_bytes: int = 256 * MIB  # all members of a zip container (XLSX), unpacked
    max_unpack_ratio: int = 100  # unpacked / packed size of one member ...
    ratio_floor_bytes: int = 1 * MIB  # ... once it unpacks to more than this
    max_zip_members: int = 1000


DEFAULT_LIMITS = ImportLimits()


def where_it_failed(exc: BaseException) -> str:
    """The exception's kind and the innermost line it was raised on, for a log: never its
    message, which may quote what was being read."""
    tb = exc.__traceback__
    while tb is not None and tb.tb_next is not None:
        tb = tb.tb_next
    place = f" at {Path(tb.tb_frame.f_code.co_filename).name}:{tb.tb_lineno}" if tb else ""
    return f"{type(exc).__name__}{place}"


def size_text(size: int) -> str:
    """A byte count as a person reads it: "512 bytes", "1.5 MB", "2.0 GB" (binary units)."""
    if size < KIB:
        return f"{size} bytes"
    for unit, factor in (("GB", GIB), ("MB", MIB), ("KB", KIB)):
        if size >= factor:
            return f"{size / factor:.1f} {unit}"
    return f"{size} bytes"  # pragma: no cover - the loop always returns


def check_file_size(path: Path, limit: int) -> int:
    """The file's size; ExtractError naming the file when it is empty or over `limit`."""
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise ExtractError(f"{path.name}: cannot be read ({exc.strerror})") from exc
    if size == 0:
        raise ExtractError(f"{path.name}: the file is empty")
    if size > limit:
        raise ExtractError(
            f"{path.name}: the file is {size_text(size)}, over the limit of "
            f"{size_text(limit)} for one extract; split it into smaller files"
        )
    return size


# JSON nesting, measured without parsing (a parser recurses, and a deep enough document
# ends it with RecursionError): drop escapes, then strings, then all but brackets, and
# take the running total of opens minus closes. Every step is a linear regular expression,
# so a hostile document cannot make the scan slow.
_ESCAPE = re.compile(rb"\\.", re.DOTALL)
_STRING = re.compile(rb'"[^"]*"')
_NOT_BRACKET = re.compile(rb"[^\[\]{}]+")
_DELTA = {ord("["): 1, ord("{"): 1, ord("]"): -1, ord("}"): -1}


def json_depth(data: bytes) -> int:
    """The deepest nesting of arrays and objects in JSON text (0 for a bare value). For text
    that is not valid JSON the figure may be too high, never too low."""
    brackets = _NOT_BRACKET.sub(b"", _STRING.sub(b"", _ESCAPE.sub(b"", data)))
    if not brackets:
        return 0
    return max(0, max(accumulate(map(_DELTA.__getitem__, brackets))))


def check_zip(path: Path, limits: ImportLimits) -> None:
    """Refuse a zip container (an XLSX workbook) that would unpack to more than the limits
    allow, before any reader opens it: the members' declared sizes and packing ratios
    first, then the bytes each member really unpacks to, read in chunks and counted."""
    name = path.name
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
            if len(members) > limits.max_zip_members:
                raise ExtractError(
                    f"{name}: holds {len(members):,} files, over the limit of "
                    f"{limits.max_zip_members:,}"
                )
            declared = sum(m.file_size for m in members)
            if declared > limits.max_unpacked_bytes:
                raise ExtractError(
                    f"{name}: unpacks to {size_text(declared)}, over the limit of "
                    f"{size_text(limits.max_unpacked_bytes)}"
                )
            for member in members:
                packed = max(member.compress_size, 1)
                if (
                    member.file_size > limits.ratio_floor_bytes
                    and member.file_size > limits.max_unpack_ratio * packed
                ):
                    raise ExtractError(
                        f"{name}: {member.filename} unpacks {member.file_size // packed:,} "
                        f"times larger than it is packed (the limit is "
                        f"{limits.max_unpack_ratio:,}); refused as a possible zip bomb"
                    )
            total = 0
            for member in members:
                count = 0
                with archive.open(member) as stream:
                    while chunk := stream.read(MIB):
                        count += len(chunk)
                        total += len(chunk)
                        if count > member.file_size or total > limits.max_unpacked_bytes:
                            raise ExtractError(
                                f"{name}: {member.filename} unpacks to more than it declares "
                                f"or than the limit of {size_text(limits.max_unpacked_bytes)}"
                            )
    except ExtractError:
        raise
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, RuntimeError, ValueError) as exc:
        # NotImplementedError (an unknown compression method) is a RuntimeError.
        raise ExtractError(f"{name}: not a readable XLSX workbook ({exc})") from exc
