"""Pure rules of the care market and pooled commissioning: contract flexibility, which
records count as using a service, the impact of decommissioning one, plan themes, and how
pooled shares add up. No Django."""
