"""Pure Shared Lives rules: hard constraints, the compatibility score, travel distance and
the scheme-wide assignment. No Django imports."""
