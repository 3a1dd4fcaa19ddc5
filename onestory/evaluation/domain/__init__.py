"""Pure estimators of an initiative's effect on a long panel (no Django).

`panel` reads one row per unit and period into a balanced matrix; `did`, `scm` and `sdid`
estimate; `result` is the shape the command prints. See docs/EVALUATION.md.
"""
