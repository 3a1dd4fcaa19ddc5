"""Evaluation: estimates of an initiative's effect against comparators (issue 15)."""
