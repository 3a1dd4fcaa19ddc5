"""Pure Shared Lives rules: hard constraints, the compatibility score, travel distance and
the scheme-wide assignment. No Django imports."""

# Best carers kept per person on large schemes (here, not in `assignment`, so that the
# command line can name it without importing NumPy and OR-Tools).
DEFAULT_PER_PERSON = 40
