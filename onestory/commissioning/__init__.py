"""Commissioning: population segments (Bridges to Health) and the Better Care Fund's
national metrics, computed from the linked record as aggregates only."""
