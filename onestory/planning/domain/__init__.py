"""Pure rules of the care and support plan: its sections and the provenance of every
statement. No Django here."""
