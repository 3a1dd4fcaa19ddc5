"""Pure rules of the initiative register (no Django): quarters, register search, the
plain-English reading of an evaluation, the code version of a run and the lived-experience
survey. See docs/EVALUATION.md ("The initiative register") and ADR 0022."""
