"""The synthetic borough generator behind `onestory synth` (pure Python, no Django).

`generate(n_people, seed, out, error_rate)` writes the extracts described in
docs/EXTRACTS.md, plus truth.csv and manifest.json; the same seed gives the same bytes.
"""

from .generator import Summary, generate
from .reference import REFERENCE_DATE, WINDOW_START, code_table

__all__ = ["REFERENCE_DATE", "WINDOW_START", "Summary", "code_table", "generate"]
