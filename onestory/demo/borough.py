"""The demo borough's steps: migrate, generate the synthetic extracts, import them, link
them into people. Each is safe to repeat."""

import argparse
import json
from pathlib import Path


def migrate(verbosity: int = 1) -> None:
    """Apply every pending migration to the configured database."""
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=verbosity)


def borough_is_generated(
    out: Path, *, people: int, seed: int, error_rate: float | None = None
) -> bool:
    """True when `out` already holds the extracts for this seed and size (and error rate,
    when given): its manifest says so, and every file the manifest lists is there."""
    manifest_path = out / "manifest.json"
    if not manifest_path.is_file():
        return False
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    if manifest.get("seed") != seed or manifest.get("people") != people:
        return False
    if error_rate is not None and manifest.get("error_rate") != error_rate:
        return False
    files = manifest.get("files") or {}
    names = files.keys() if isinstance(files, dict) else [_file_name(f) for f in files]
    return all((out / name).is_file() for name in names)


def _file_name(entry) -> str:
    return entry if isinstance(entry, str) else entry.get("name", "")


def generate_borough(
    out: Path, *, people: int, seed: int, error_rate: float = 0.002, quiet: bool = True
) -> bool:
    """Write the synthetic borough's extracts into `out` unless it already holds them.
    Returns True when it generated them. `quiet=False` shows `onestory synth`'s progress bar
    and summary."""
    if borough_is_generated(out, people=people, seed=seed, error_rate=error_rate):
        return False
    out.mkdir(parents=True, exist_ok=True)
    if quiet:
        from onestory.synthetic import generate

        generate(people, seed, out, error_rate)
        return True
    from onestory.synthetic.cli import run

    code = run(argparse.Namespace(people=people, seed=seed, out=out, error_rate=error_rate))
    if code:
        raise SystemExit(f"generating the borough failed (exit {code})")
    return True


def import_borough(out: Path, *, by):
    """Import every extract in `out` (idempotent: unchanged rows are counted, not rewritten)."""
    from onestory.sources.actions import import_path

    return import_path(out, by=by)


def linkage_is_current() -> bool:
    """True when the current linkage run started after every import that changed a row."""
    from onestory.people.models import LinkageRun
    from onestory.sources.models import ImportFile

    current = LinkageRun.objects.filter(is_current=True).first()
    if current is None:
        return False
    # Quarantined rows never reach linkage, so only imports that stored a row count.
    return not ImportFile.objects.filter(
        imported_at__gte=current.started_at, rows_imported__gt=0
    ).exists()


def link_borough(*, by, force: bool = False):
    """Run the person index unless the current run already covers every import."""
    if not force and linkage_is_current():
        return None
    from onestory.people.actions import run_linkage

    return run_linkage(by=by)
