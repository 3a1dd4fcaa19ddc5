"""Pure estimators of an initiative's effect on a long panel (no Django).

`panel` reads one row per unit and period into a balanced matrix; `did`, `scm` and `sdid`
estimate; `result` is the shape the command prints. See docs/EVALUATION.md.
"""

# The estimators `onestory evaluate` offers (here, not in `result`, so that naming them
# does not import NumPy and SciPy).
METHODS = ("did", "scm", "sdid")
