"""The Better Care Fund plan: a pooled budget under a section 75 agreement (ADR 0023)."""
