"""The synthetic borough generator behind `onestory synth` (pure Python, no Django).

`generate(n_people, seed, out, error_rate)` writes the extracts described in
docs/EXTRACTS.md, plus truth.csv and manifest.json; the same seed gives the same bytes.

The generator (and the NumPy/SciPy it needs) is imported on first use, not with the
package: `onestory --help` and the reference tables stay quick to import.
"""

from typing import TYPE_CHECKING, Any

from .reference import REFERENCE_DATE, WINDOW_START, code_table

if TYPE_CHECKING:
    from .generator import Summary, generate

__all__ = ["REFERENCE_DATE", "WINDOW_START", "Summary", "code_table", "generate"]


def __getattr__(name: str) -> Any:
    if name in ("Summary", "generate"):
        from . import generator

        return getattr(generator, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
