"""Shared Lives: approved carers matched with the people they could support (issue 11)."""
