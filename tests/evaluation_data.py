"""The Prop 99 panel (cigarette packs per capita, 39 US states, 1970–2000; California
treated from 1989) from the CSV inside the causalpy wheel, without importing causalpy (which
would import PyMC). causalpy is a dev dependency only."""

import csv
import importlib.metadata
from pathlib import Path


def prop99_wide() -> Path:
    dist = importlib.metadata.distribution("causalpy")
    return Path(str(dist.locate_file("causalpy/data/california_prop99.csv")))


def write_prop99_long(path: Path) -> Path:
    """The panel in long form (state, year, packs), as `onestory evaluate` reads it."""
    with prop99_wide().open(newline="") as f:
        rows = list(csv.reader(f))
    header = rows[0]
    with path.open("w", newline="") as out:
        w = csv.writer(out)
        w.writerow(["state", "year", "packs"])
        for row in rows[1:]:
            for state, value in zip(header[1:], row[1:], strict=True):
                w.writerow([state, row[0], value])
    return path
