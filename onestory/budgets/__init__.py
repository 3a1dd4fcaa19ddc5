"""Integrated personal budgets and "who pays?" (issue 7)."""
